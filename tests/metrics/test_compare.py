"""Week and month comparison of appliance/metrics/compare.py: the previous period shifted
onto the current axis by calendar position, averages and the change in percent."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from appliance.metrics.compare import AlignedPoint, change_percent, compare, partner
from appliance.metrics.periods import Span, day_start

SEOUL = ZoneInfo("Asia/Seoul")
BERLIN = ZoneInfo("Europe/Berlin")


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


def daily(zone: ZoneInfo, first: date, values: list[float | None]) -> dict[datetime, float]:
    return {
        day_start(first + timedelta(days=i), zone): value
        for i, value in enumerate(values)
        if value is not None
    }


def test_a_week_faces_the_same_weekdays_of_the_week_before() -> None:
    values = daily(SEOUL, date(2026, 4, 27), [10, 11, 12, 13, 14, 15, 16])
    values |= daily(SEOUL, date(2026, 5, 4), [20, None, 22])
    result = compare("week", "daily", utc(2026, 5, 6, 3), SEOUL, values)
    assert result.current == Span(utc(2026, 5, 3, 15), utc(2026, 5, 10, 15))
    assert result.previous == Span(utc(2026, 4, 26, 15), utc(2026, 5, 3, 15))
    assert result.points[:3] == [
        AlignedPoint(utc(2026, 5, 3, 15), 20, 10, utc(2026, 4, 26, 15)),
        AlignedPoint(utc(2026, 5, 4, 15), None, 11, utc(2026, 4, 27, 15)),
        AlignedPoint(utc(2026, 5, 5, 15), 22, 12, utc(2026, 4, 28, 15)),
    ]
    assert [point.current for point in result.points[3:]] == [None] * 4
    assert [point.previous for point in result.points[3:]] == [13, 14, 15, 16]


def test_averages_leave_missed_collections_out_and_give_the_change_in_percent() -> None:
    values = daily(SEOUL, date(2026, 4, 27), [10, 11, 12, 13, 14, 15, 16])
    values |= daily(SEOUL, date(2026, 5, 4), [20, None, 22])
    values |= daily(SEOUL, date(2026, 4, 20), [1000])
    result = compare("week", "daily", utc(2026, 5, 6, 3), SEOUL, values)
    assert (result.current_average, result.previous_average) == (21, 13)
    assert result.change_percent == pytest.approx(8 / 13 * 100)


def test_february_faces_january_and_januarys_last_days_are_off_the_axis() -> None:
    values = daily(SEOUL, date(2026, 1, 1), [float(day) for day in range(1, 32)])
    values |= daily(SEOUL, date(2026, 2, 1), [2.0 * day for day in range(1, 11)])
    result = compare("month", "daily", utc(2026, 2, 10), SEOUL, values)
    assert len(result.points) == 28
    assert [point.previous for point in result.points] == [float(day) for day in range(1, 29)]
    assert result.points[-1].previous_at == day_start(date(2026, 1, 28), SEOUL)
    # Still in the previous month's average: it describes the whole of January.
    assert result.previous_average == 16
    assert result.current_average == 11


def test_march_days_past_the_end_of_february_have_no_partner() -> None:
    values = daily(BERLIN, date(2026, 2, 1), [5.0] * 28)
    result = compare("month", "daily", utc(2026, 3, 15), BERLIN, values)
    assert len(result.points) == 31
    assert all(point.previous == 5.0 for point in result.points[:28])
    assert [(p.previous, p.previous_at) for p in result.points[28:]] == [(None, None)] * 3


def test_daily_partners_follow_local_midnights_across_a_clock_change() -> None:
    # 29 March 2026 is Berlin's 23-hour day: its partner a week on starts an hour earlier in UTC.
    assert partner(utc(2026, 4, 4, 22), "week", "daily", BERLIN) == utc(2026, 3, 28, 23)


def test_hourly_partners_keep_the_local_wall_clock_time_across_a_clock_change() -> None:
    # Monday 09:00 in Berlin: summer time (07:00 UTC) faces winter time (08:00 UTC).
    assert partner(utc(2026, 3, 30, 7), "week", "hourly", BERLIN) == utc(2026, 3, 23, 8)


def test_an_hour_the_previous_week_skipped_has_no_partner() -> None:
    result = compare("week", "hourly", utc(2026, 4, 1), BERLIN, {})
    unpaired = [point.at for point in result.points if point.previous_at is None]
    assert len(result.points) == 168
    assert unpaired == [utc(2026, 4, 5, 0)]  # 02:00 on Sunday; on 29 March it never came
    partners = [point.previous_at for point in result.points if point.previous_at is not None]
    assert all(at in result.previous for at in partners)
    assert len(set(partners)) == 167


def test_an_hour_the_previous_week_had_twice_faces_its_first_occurrence() -> None:
    # 02:00 on Sunday 25 October 2026 happened at 00:00 and again at 01:00 UTC.
    assert partner(utc(2026, 11, 1, 1), "week", "hourly", BERLIN) == utc(2026, 10, 25, 0)


def test_hourly_values_are_paired_with_the_previous_weeks() -> None:
    previous_hour, current_hour = utc(2026, 5, 4, 6), utc(2026, 5, 11, 6)
    values = {previous_hour: 800.0, current_hour: 1000.0}
    result = compare("week", "hourly", utc(2026, 5, 12), SEOUL, values)
    [point] = [point for point in result.points if point.at == current_hour]
    assert point == AlignedPoint(current_hour, 1000.0, 800.0, previous_hour)
    assert result.change_percent == pytest.approx(25.0)


def test_an_empty_previous_period_gives_no_change() -> None:
    values = daily(SEOUL, date(2026, 5, 4), [3.0])
    result = compare("week", "daily", utc(2026, 5, 6), SEOUL, values)
    assert (result.current_average, result.previous_average, result.change_percent) == (
        3.0,
        None,
        None,
    )


@pytest.mark.parametrize(
    ("current", "previous", "change"),
    [
        (15.0, 10.0, 50.0),
        (5.0, 10.0, -50.0),
        (-5.0, -10.0, 50.0),
        (0.0, 10.0, -100.0),
        (5.0, 0.0, None),
        (5.0, None, None),
        (None, 10.0, None),
    ],
)
def test_change_in_percent(current, previous, change) -> None:
    assert change_percent(current, previous) == change
