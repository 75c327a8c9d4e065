"""Good, warning or danger: the colour a latency is shown in. Pure."""

from __future__ import annotations

from dataclasses import dataclass

from appliance.vocabulary import Level


@dataclass(frozen=True)
class Thresholds:
    """A value below `warning_from` is good, below `danger_from` a warning, else danger."""

    warning_from: float
    danger_from: float

    def __post_init__(self) -> None:
        if not 0 <= self.warning_from <= self.danger_from:
            raise ValueError("thresholds run 0 <= warning_from <= danger_from")


# Judge duration in milliseconds: under 1 s good, under 2 s a warning, else danger.
JUDGE_DURATION_MS = Thresholds(warning_from=1000.0, danger_from=2000.0)


def level(value: float | None, thresholds: Thresholds) -> Level | None:
    """The level of `value`; None when there is no value (an idle window has no colour)."""
    if value is None:
        return None
    if value < thresholds.warning_from:
        return "good"
    if value < thresholds.danger_from:
        return "warning"
    return "danger"
