"""Buckets and calendar periods of appliance/metrics/periods.py: UTC hours, days of the
display time zone (Asia/Seoul, and Europe/Berlin's 23- and 25-hour days), gaps as nulls."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

import pytest

from appliance.metrics.periods import (
    Span,
    bucket_start,
    bucket_starts,
    day_start,
    last_days,
    local_days,
    next_bucket_start,
    period_span,
    previous_span,
    shifted_back,
    with_gaps,
)

SEOUL = ZoneInfo("Asia/Seoul")
BERLIN = ZoneInfo("Europe/Berlin")
SANTIAGO = ZoneInfo("America/Santiago")


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


def test_an_hourly_bucket_is_the_utc_hour() -> None:
    assert bucket_start(utc(2026, 5, 4, 13, 59, 59, 999999), "hourly", SEOUL) == utc(2026, 5, 4, 13)
    assert bucket_start(utc(2026, 5, 4, 14), "hourly", SEOUL) == utc(2026, 5, 4, 14)


def test_a_moment_in_another_zone_is_bucketed_by_its_instant() -> None:
    in_seoul = datetime(2026, 5, 5, 0, 30, tzinfo=SEOUL)
    assert bucket_start(in_seoul, "hourly", SEOUL) == utc(2026, 5, 4, 15)
    assert bucket_start(in_seoul, "hourly", SEOUL).tzinfo is UTC


def test_a_seoul_day_runs_from_15_to_15_utc() -> None:
    assert bucket_start(utc(2026, 5, 4, 14, 59), "daily", SEOUL) == utc(2026, 5, 3, 15)
    assert bucket_start(utc(2026, 5, 4, 15, 0), "daily", SEOUL) == utc(2026, 5, 4, 15)
    assert next_bucket_start(utc(2026, 5, 4, 15), "daily", SEOUL) == utc(2026, 5, 5, 15)


def test_a_utc_day_runs_from_midnight_to_midnight() -> None:
    assert bucket_start(utc(2026, 5, 4, 23, 59), "daily", ZoneInfo("UTC")) == utc(2026, 5, 4)


def test_berlins_spring_forward_day_lasts_23_hours() -> None:
    start = bucket_start(utc(2026, 3, 29, 12), "daily", BERLIN)
    assert start == utc(2026, 3, 28, 23)
    assert next_bucket_start(start, "daily", BERLIN) == utc(2026, 3, 29, 22)


def test_berlins_fall_back_day_lasts_25_hours() -> None:
    start = bucket_start(utc(2026, 10, 25, 12), "daily", BERLIN)
    assert start == utc(2026, 10, 24, 22)
    assert next_bucket_start(start, "daily", BERLIN) == utc(2026, 10, 25, 23)


def test_a_day_whose_midnight_never_happened_starts_when_the_clocks_jumped() -> None:
    # Santiago springs from 24:00 on Saturday straight to 01:00 on Sunday.
    start = day_start(date(2026, 9, 6), SANTIAGO)
    assert start == utc(2026, 9, 6, 4)
    assert start.astimezone(SANTIAGO).hour == 1
    assert next_bucket_start(start, "daily", SANTIAGO) - start == timedelta(hours=23)


def test_a_day_a_zone_skipped_is_not_a_bucket() -> None:
    # Samoa moved across the date line and went from 29 to 31 December 2011.
    apia = ZoneInfo("Pacific/Apia")
    starts = bucket_starts(utc(2011, 12, 29, 10), utc(2011, 12, 31, 10), "daily", apia)
    local_days = [start.astimezone(apia).date() for start in starts]
    assert local_days == [date(2011, 12, 29), date(2011, 12, 31)]


def test_daily_buckets_across_berlins_clock_change_have_their_true_lengths() -> None:
    starts = bucket_starts(utc(2026, 3, 26, 23), utc(2026, 4, 1, 22), "daily", BERLIN)
    lengths = [later - earlier for earlier, later in pairwise(starts)]
    assert [length / timedelta(hours=1) for length in lengths] == [24, 24, 23, 24, 24]
    assert all(start.astimezone(BERLIN).hour == 0 for start in starts)


def test_hourly_buckets_over_a_berlin_fall_back_day_number_25() -> None:
    day = Span(utc(2026, 10, 24, 22), utc(2026, 10, 25, 23))
    assert len(bucket_starts(day.start, day.end, "hourly", BERLIN)) == 25


def test_bucket_starts_cover_start_up_to_but_not_including_end() -> None:
    starts = bucket_starts(utc(2026, 5, 4, 10), utc(2026, 5, 4, 13), "hourly", SEOUL)
    assert starts == [utc(2026, 5, 4, 10), utc(2026, 5, 4, 11), utc(2026, 5, 4, 12)]


def test_a_bucket_that_began_before_the_start_is_left_out() -> None:
    starts = bucket_starts(utc(2026, 5, 4, 10, 30), utc(2026, 5, 4, 13), "hourly", SEOUL)
    assert starts == [utc(2026, 5, 4, 11), utc(2026, 5, 4, 12)]
    assert bucket_starts(utc(2026, 5, 4, 10), utc(2026, 5, 4, 10), "hourly", SEOUL) == []


def test_a_missed_collection_shows_as_a_null_gap() -> None:
    starts = bucket_starts(utc(2026, 5, 1, 15), utc(2026, 5, 5, 15), "daily", SEOUL)
    stored = {utc(2026, 5, 1, 15): 4.0, utc(2026, 5, 3, 15): 6.0, utc(2026, 4, 30, 15): 9.0}
    assert with_gaps(starts, stored) == [
        (utc(2026, 5, 1, 15), 4.0),
        (utc(2026, 5, 2, 15), None),
        (utc(2026, 5, 3, 15), 6.0),
        (utc(2026, 5, 4, 15), None),
    ]


def test_a_naive_moment_is_refused() -> None:
    with pytest.raises(ValueError, match="naive"):
        bucket_start(datetime(2026, 5, 4, 10), "hourly", SEOUL)


def test_a_week_runs_monday_to_monday_in_the_display_zone() -> None:
    # Monday 4 May 2026 00:30 in Seoul is still Sunday in UTC.
    week = period_span("week", utc(2026, 5, 3, 15, 30), SEOUL)
    assert week == Span(utc(2026, 5, 3, 15), utc(2026, 5, 10, 15))
    assert week.start.astimezone(SEOUL).weekday() == 0


def test_a_month_follows_the_display_zones_calendar() -> None:
    # 31 January 20:00 UTC is already 1 February in Seoul.
    month = period_span("month", utc(2026, 1, 31, 20), SEOUL)
    assert month == Span(utc(2026, 1, 31, 15), utc(2026, 2, 28, 15))
    assert previous_span("month", month, SEOUL) == Span(utc(2025, 12, 31, 15), utc(2026, 1, 31, 15))


def test_a_month_in_december_ends_at_the_new_year() -> None:
    month = period_span("month", utc(2026, 12, 15), BERLIN)
    assert month == Span(utc(2026, 11, 30, 23), utc(2026, 12, 31, 23))


def test_a_week_holding_the_spring_clock_change_is_an_hour_shorter() -> None:
    week = period_span("week", utc(2026, 4, 1), BERLIN)
    before = previous_span("week", week, BERLIN)
    assert before == Span(utc(2026, 3, 22, 23), utc(2026, 3, 29, 22))
    assert before.end == week.start
    assert before.end - before.start == timedelta(hours=167)


# -- the console's ranges ------------------------------------------------------------------


def test_the_last_days_end_with_the_last_completed_bucket() -> None:
    at = utc(2026, 11, 30, 3, 30)
    assert last_days(at, 7, "hourly", SEOUL) == Span(utc(2026, 11, 23, 3), utc(2026, 11, 30, 3))
    # 12:30 in Seoul: today began at 15:00 UTC yesterday and is not over.
    assert last_days(at, 7, "daily", SEOUL) == Span(utc(2026, 11, 22, 15), utc(2026, 11, 29, 15))


def test_local_days_include_the_last_day_and_refuse_a_reversed_range() -> None:
    span = local_days(date(2026, 11, 1), date(2026, 11, 2), SEOUL)
    assert span == Span(utc(2026, 10, 31, 15), utc(2026, 11, 2, 15))
    with pytest.raises(ValueError, match="before the first"):
        local_days(date(2026, 11, 2), date(2026, 11, 1), SEOUL)


def test_the_range_before_holds_as_many_local_days_across_a_clock_change() -> None:
    # The week after Berlin's fall-back Sunday (27 October 2024) against the week of it.
    span = local_days(date(2024, 10, 28), date(2024, 11, 3), BERLIN)
    before = shifted_back(span, "daily", BERLIN)
    assert before == Span(day_start(date(2024, 10, 21), BERLIN), span.start)
    assert len(bucket_starts(before.start, before.end, "daily", BERLIN)) == 7
    assert before.end - before.start == timedelta(days=7, hours=1)


def test_the_hours_before_are_as_many_utc_hours() -> None:
    span = Span(utc(2026, 11, 29), utc(2026, 11, 30))
    assert shifted_back(span, "hourly", SEOUL) == Span(utc(2026, 11, 28), utc(2026, 11, 29))
