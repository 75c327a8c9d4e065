from datetime import date

import pytest

from target import add_business_days

MON, TUE, WED, THU, FRI, SAT, SUN = (date(2024, 3, day) for day in range(11, 18))
NEXT_MON, NEXT_TUE, NEXT_FRI = date(2024, 3, 18), date(2024, 3, 19), date(2024, 3, 22)


def test_zero_days_returns_the_start_date():
    assert add_business_days(WED, 0) == WED


@pytest.mark.parametrize("start", [SAT, SUN])
def test_zero_days_keeps_a_weekend_start_date(start):
    assert add_business_days(start, 0) == start


@pytest.mark.parametrize(
    ("start", "expected"),
    [(MON, TUE), (TUE, WED), (WED, THU), (THU, FRI), (FRI, NEXT_MON), (SAT, NEXT_MON), (SUN, NEXT_MON)],
    ids=str,
)
def test_one_business_day_later(start, expected):
    assert add_business_days(start, 1) == expected


def test_a_full_week_of_business_days_lands_on_the_same_weekday():
    assert add_business_days(FRI, 5) == NEXT_FRI


def test_counting_across_several_weekends():
    assert add_business_days(MON, 10) == date(2024, 3, 25)


@pytest.mark.parametrize(
    ("start", "days", "expected"),
    [(NEXT_MON, -1, FRI), (WED, -2, MON), (SUN, -1, FRI), (NEXT_FRI, -5, FRI), (FRI, -1, THU)],
    ids=str,
)
def test_negative_days_count_backwards(start, days, expected):
    assert add_business_days(start, days) == expected


def test_a_holiday_is_skipped():
    assert add_business_days(FRI, 1, [NEXT_MON]) == NEXT_TUE


def test_holidays_are_skipped_when_counting_backwards():
    assert add_business_days(NEXT_TUE, -1, {NEXT_MON}) == FRI


def test_a_holiday_on_a_weekend_changes_nothing():
    assert add_business_days(FRI, 1, [SAT, SUN]) == NEXT_MON


def test_holidays_may_be_given_as_a_generator():
    holidays = (d for d in [THU, FRI])
    assert add_business_days(WED, 1, holidays) == NEXT_MON


def test_a_holiday_on_the_start_date_does_not_matter():
    assert add_business_days(WED, 1, [WED]) == THU
