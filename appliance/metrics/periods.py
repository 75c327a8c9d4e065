"""The time buckets metrics are kept in, and the weeks and months they are compared over
(DESIGN.md 7). Pure: every moment is an argument, UTC-aware going in and UTC coming out.

Hourly buckets are UTC hours. Daily buckets and weeks and months follow the display time
zone (`ARENA_TIMEZONE`): a day in Asia/Seoul runs from 15:00 to 15:00 UTC, and a day in
Europe/Berlin lasts 23 or 25 hours when the clocks change. Storage stays UTC throughout;
the zone only decides where the boundaries fall.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from appliance.vocabulary import Granularity, Period


@dataclass(frozen=True)
class Span:
    """The instants from `start` (included) to `end` (excluded), both UTC."""

    start: datetime
    end: datetime

    def __contains__(self, moment: object) -> bool:
        return isinstance(moment, datetime) and self.start <= moment < self.end


def bucket_start(moment: datetime, granularity: Granularity, zone: ZoneInfo) -> datetime:
    """The start of the bucket holding `moment`."""
    moment = as_utc(moment)
    if granularity == "hourly":
        return moment.replace(minute=0, second=0, microsecond=0)
    return day_start(moment.astimezone(zone).date(), zone)


def next_bucket_start(start: datetime, granularity: Granularity, zone: ZoneInfo) -> datetime:
    """The start of the bucket after the one starting at `start`."""
    if granularity == "hourly":
        return bucket_start(start, granularity, zone) + timedelta(hours=1)
    local_day = as_utc(start).astimezone(zone).date()
    return day_start(local_day + timedelta(days=1), zone)


def bucket_starts(
    start: datetime, end: datetime, granularity: Granularity, zone: ZoneInfo
) -> list[datetime]:
    """Every bucket start in [start, end): the points a series over that range should have,
    so that a missed collection shows as a gap instead of vanishing."""
    start, end = as_utc(start), as_utc(end)
    current = bucket_start(start, granularity, zone)
    if current < start:
        current = next_bucket_start(current, granularity, zone)
    starts: list[datetime] = []
    while current < end:
        starts.append(current)
        current = next_bucket_start(current, granularity, zone)
    return starts


def with_gaps(
    starts: Sequence[datetime], values: Mapping[datetime, float]
) -> list[tuple[datetime, float | None]]:
    """The series over `starts`: the stored value of each bucket, or None where none was."""
    return [(start, values.get(start)) for start in starts]


def day_start(day: date, zone: ZoneInfo) -> datetime:
    """The first instant (UTC) of the local calendar day `day` in `zone`.

    Local midnight is usually that instant, but not always: where the clocks spring forward
    at midnight it does not exist and the day starts at the jump, and where they fall back
    across midnight it happens twice and the day starts at the first. Both readings of
    midnight are tried and the earliest one that lands on the day (or after it, for the
    rare day a zone skipped altogether) is the start.
    """
    readings = (
        datetime.combine(day, time(), tzinfo=zone).replace(fold=fold).astimezone(UTC)
        for fold in (0, 1)
    )
    return min(moment for moment in readings if moment.astimezone(zone).date() >= day)


def period_span(period: Period, moment: datetime, zone: ZoneInfo) -> Span:
    """The calendar week (Monday first) or month of the display time zone holding `moment`."""
    local_day = as_utc(moment).astimezone(zone).date()
    if period == "week":
        first = local_day - timedelta(days=local_day.weekday())
        following = first + timedelta(days=7)
    else:
        first = local_day.replace(day=1)
        following = (first + timedelta(days=31)).replace(day=1)
    return Span(day_start(first, zone), day_start(following, zone))


def previous_span(period: Period, span: Span, zone: ZoneInfo) -> Span:
    """The week or month just before `span`."""
    return period_span(period, span.start - timedelta(microseconds=1), zone)


def as_utc(moment: datetime) -> datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"a moment must carry its time zone, not be naive: {moment}")
    return moment.astimezone(UTC)


# -- the ranges the console's metrics page shows -------------------------------------------


def last_days(now: datetime, days: int, granularity: Granularity, zone: ZoneInfo) -> Span:
    """The last `days` days of completed buckets before `now`: whole local days for daily
    buckets, the last days * 24 whole UTC hours for hourly ones (the bucket in progress is
    left out: it is collected only once it is over)."""
    end = bucket_start(now, granularity, zone)
    if granularity == "hourly":
        return Span(end - timedelta(days=days), end)
    first = as_utc(end).astimezone(zone).date() - timedelta(days=days)
    return Span(day_start(first, zone), end)


def local_days(first: date, last: date, zone: ZoneInfo) -> Span:
    """The local calendar days `first` to `last`, both included."""
    if last < first:
        raise ValueError(f"the last day {last} is before the first {first}")
    return Span(day_start(first, zone), day_start(last + timedelta(days=1), zone))


def shifted_back(span: Span, granularity: Granularity, zone: ZoneInfo) -> Span:
    """The range just before `span` holding as many buckets: as many UTC hours, or as many
    local days (a day is 23 or 25 hours when the clocks change, so never a plain shift)."""
    if granularity == "hourly":
        return Span(span.start - (span.end - span.start), span.start)
    first = as_utc(span.start).astimezone(zone).date()
    days = len(bucket_starts(span.start, span.end, "daily", zone))
    return Span(day_start(first - timedelta(days=days), zone), span.start)
