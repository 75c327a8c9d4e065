"""This week or month beside the previous one, drawn on the same axis (Grafana's time shift).
Pure.

The current period is the calendar week (Monday first) or month of the display time zone
holding `now`; the previous one is the week or month before it. Each bucket of the current
period is paired with the bucket of the previous period at the same place in the calendar:

- Daily buckets pair by date: the same weekday a week earlier, or the same day of the
  month a month earlier.
- Hourly buckets pair by local wall-clock time, so 09:00 on Tuesday faces 09:00 on the
  Tuesday before even when the clocks changed in between. An hour that did not exist in
  the previous period (the clocks sprang forward) has no partner; of an hour that happened
  twice (they fell back) the first is the partner.
- Months differ in length. A current day past the end of the previous month (31 March
  against February) has no partner, and the previous month's extra days (29 to 31 January
  against February) have no place on February's axis, so they are not drawn; they still
  count in the previous month's average, which is over the whole month it describes.

The averages are plain means of the buckets that have a value (a missed collection is
left out, never counted as 0). For a percentile metric the caller should rather read the
period's percentile from its merged histograms and pass both to `change_percent`, since an
average of percentiles is not a percentile.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from appliance.metrics.periods import (
    Span,
    bucket_starts,
    day_start,
    period_span,
    previous_span,
)
from appliance.vocabulary import Granularity, Period


@dataclass(frozen=True)
class AlignedPoint:
    """One bucket of the current period and its partner from the previous one."""

    at: datetime
    current: float | None
    previous: float | None
    previous_at: datetime | None


@dataclass(frozen=True)
class Comparison:
    current: Span
    previous: Span
    points: list[AlignedPoint]
    current_average: float | None
    previous_average: float | None
    change_percent: float | None


def compare(
    period: Period,
    granularity: Granularity,
    now: datetime,
    zone: ZoneInfo,
    values: Mapping[datetime, float],
) -> Comparison:
    """Line up the current and previous period of `values` (bucket start to value)."""
    current = period_span(period, now, zone)
    previous = previous_span(period, current, zone)
    points = [
        _aligned(at, partner(at, period, granularity, zone), values)
        for at in bucket_starts(current.start, current.end, granularity, zone)
    ]
    current_average = average(value for at, value in values.items() if at in current)
    previous_average = average(value for at, value in values.items() if at in previous)
    return Comparison(
        current,
        previous,
        points,
        current_average,
        previous_average,
        change_percent(current_average, previous_average),
    )


def partner(
    at: datetime, period: Period, granularity: Granularity, zone: ZoneInfo
) -> datetime | None:
    """The start of the previous period's bucket that faces the bucket starting at `at`."""
    wall = at.astimezone(zone).replace(tzinfo=None)
    earlier = wall - timedelta(days=7) if period == "week" else _a_month_before(wall)
    if earlier is None:
        return None
    if granularity == "daily":
        return day_start(earlier.date(), zone)
    return _instant_of_wall_time(earlier, zone)


def average(values: Iterable[float]) -> float | None:
    collected = list(values)
    return sum(collected) / len(collected) if collected else None


def change_percent(current: float | None, previous: float | None) -> float | None:
    """How much `current` moved from `previous`, in percent of the previous value; None
    when there is nothing to compare with or the previous value is 0."""
    if current is None or previous is None or previous == 0:
        return None
    # Divided by the magnitude so that the sign always tells the direction of the move.
    return (current - previous) / abs(previous) * 100


def _aligned(
    at: datetime, previous_at: datetime | None, values: Mapping[datetime, float]
) -> AlignedPoint:
    previous = None if previous_at is None else values.get(previous_at)
    return AlignedPoint(at, values.get(at), previous, previous_at)


def _a_month_before(wall: datetime) -> datetime | None:
    year, month = (wall.year, wall.month - 1) if wall.month > 1 else (wall.year - 1, 12)
    if wall.day > calendar.monthrange(year, month)[1]:
        return None
    return wall.replace(year=year, month=month)


def _instant_of_wall_time(wall: datetime, zone: ZoneInfo) -> datetime | None:
    """The UTC instant a local wall-clock time names (the first, when it names two), or
    None when the clocks skipped it."""
    instant = wall.replace(tzinfo=zone, fold=0).astimezone(UTC)
    if instant.astimezone(zone).replace(tzinfo=None) != wall:
        return None
    return instant
