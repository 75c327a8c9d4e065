"""Good, warning or danger: the colour a latency is shown in, and what an admin may set
them to (the stored thresholds: migrations/0006_latency_thresholds.sql). Pure."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

from appliance.vocabulary import Level

# Why an edit was refused, for the console to say in the user's language.
Refusal = Literal["not_a_number", "not_positive", "out_of_order", "too_large"]
# A p95 over an hour is no longer a latency to be coloured but an outage.
MAX_MS = 3_600_000.0


@dataclass(frozen=True)
class Thresholds:
    """A value below `warning_from` is good, below `danger_from` a warning, else danger."""

    warning_from: float
    danger_from: float

    def __post_init__(self) -> None:
        if not 0 <= self.warning_from <= self.danger_from:
            raise ValueError("thresholds run 0 <= warning_from <= danger_from")


# Judge duration in milliseconds: under 1 s good, under 2 s a warning, else danger. The
# default of the stored thresholds, and what a key kind without a stored row gets.
JUDGE_DURATION_MS = Thresholds(warning_from=1000.0, danger_from=2000.0)


class ThresholdsRefused(ValueError):
    """An edit that cannot be stored; `reason` says why, `str()` says it in English."""

    def __init__(self, reason: Refusal, message: str) -> None:
        super().__init__(message)
        self.reason: Refusal = reason


def edited(warning_ms: float | None, danger_ms: float | None) -> Thresholds:
    """The thresholds an admin asked for, or ThresholdsRefused. Stricter than Thresholds
    itself: stored ones keep a warning band (warning < danger) and stay below MAX_MS."""
    if warning_ms is None or danger_ms is None or not _finite(warning_ms, danger_ms):
        raise ThresholdsRefused("not_a_number", "both thresholds must be numbers")
    if warning_ms <= 0:
        raise ThresholdsRefused("not_positive", "the warning threshold must be above 0 ms")
    if warning_ms >= danger_ms:
        raise ThresholdsRefused("out_of_order", "the warning threshold must be below danger")
    if danger_ms > MAX_MS:
        raise ThresholdsRefused("too_large", f"the danger threshold is at most {MAX_MS:.0f} ms")
    return Thresholds(float(warning_ms), float(danger_ms))


def _finite(*values: float) -> bool:
    return all(isinstance(v, int | float) and math.isfinite(v) for v in values)


def level(value: float | None, thresholds: Thresholds) -> Level | None:
    """The level of `value`; None when there is no value (an idle window has no colour)."""
    if value is None:
        return None
    if value < thresholds.warning_from:
        return "good"
    if value < thresholds.danger_from:
        return "warning"
    return "danger"
