"""The good/warning/danger levels of appliance/metrics/thresholds.py."""

from __future__ import annotations

import pytest

from appliance.metrics.thresholds import (
    JUDGE_DURATION_MS,
    MAX_MS,
    Thresholds,
    ThresholdsRefused,
    edited,
    level,
)
from appliance.vocabulary import LEVELS


@pytest.mark.parametrize(
    ("milliseconds", "expected"),
    [(0.0, "good"), (999.9, "good"), (1000.0, "warning"), (1999.9, "warning"), (2000.0, "danger")],
)
def test_judge_duration_is_good_under_1_s_a_warning_under_2_s_else_danger(
    milliseconds, expected
) -> None:
    assert level(milliseconds, JUDGE_DURATION_MS) == expected


def test_an_idle_window_has_no_level() -> None:
    assert level(None, JUDGE_DURATION_MS) is None


def test_thresholds_are_configurable() -> None:
    queue_wait = Thresholds(warning_from=30_000, danger_from=120_000)
    assert [level(v, queue_wait) for v in (29_999, 30_000, 120_000)] == list(LEVELS)


def test_equal_thresholds_skip_the_warning() -> None:
    assert level(5.0, Thresholds(5.0, 5.0)) == "danger"


@pytest.mark.parametrize(("warning", "danger"), [(2000.0, 1000.0), (-1.0, 10.0)])
def test_thresholds_out_of_order_are_refused(warning, danger) -> None:
    with pytest.raises(ValueError, match="warning_from"):
        Thresholds(warning, danger)


def test_an_edit_keeps_a_warning_band_below_danger() -> None:
    assert edited(400, 600) == Thresholds(400.0, 600.0)


@pytest.mark.parametrize(
    ("warning", "danger", "reason"),
    [
        (2000.0, 2000.0, "out_of_order"),
        (3000.0, 2000.0, "out_of_order"),
        (0.0, 10.0, "not_positive"),
        (None, 10.0, "not_a_number"),
        (float("nan"), 10.0, "not_a_number"),
        (1000.0, float("inf"), "not_a_number"),
        (1000.0, MAX_MS + 1, "too_large"),
    ],
)
def test_an_edit_out_of_order_or_range_is_refused_with_its_reason(warning, danger, reason) -> None:
    with pytest.raises(ThresholdsRefused) as refused:
        edited(warning, danger)
    assert refused.value.reason == reason
