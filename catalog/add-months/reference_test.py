from datetime import date

import pytest

from target import add_months


def test_zero_months_returns_the_same_date():
    assert add_months(date(2023, 5, 17), 0) == date(2023, 5, 17)


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        (date(2023, 1, 15), 1, date(2023, 2, 15)),
        (date(2023, 1, 15), 11, date(2023, 12, 15)),
        (date(2023, 12, 15), 1, date(2024, 1, 15)),
        (date(2023, 5, 15), 25, date(2025, 6, 15)),
    ],
    ids=str,
)
def test_moving_forwards_keeps_the_day(start, months, expected):
    assert add_months(start, months) == expected


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        (date(2023, 3, 10), -1, date(2023, 2, 10)),
        (date(2023, 1, 10), -1, date(2022, 12, 10)),
        (date(2023, 2, 10), -14, date(2021, 12, 10)),
        (date(2023, 1, 10), -12, date(2022, 1, 10)),
    ],
    ids=str,
)
def test_moving_backwards_crosses_year_boundaries(start, months, expected):
    assert add_months(start, months) == expected


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        (date(2023, 1, 31), 1, date(2023, 2, 28)),
        (date(2023, 3, 31), 1, date(2023, 4, 30)),
        (date(2023, 10, 31), 1, date(2023, 11, 30)),
        (date(2023, 8, 31), 1, date(2023, 9, 30)),
        (date(2023, 5, 31), 1, date(2023, 6, 30)),
        (date(2023, 3, 31), -1, date(2023, 2, 28)),
    ],
    ids=str,
)
def test_the_day_is_clamped_to_the_end_of_a_shorter_month(start, months, expected):
    assert add_months(start, months) == expected


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        (date(2024, 1, 31), 1, date(2024, 2, 29)),
        (date(2000, 1, 31), 1, date(2000, 2, 29)),
        (date(1900, 1, 31), 1, date(1900, 2, 28)),
        (date(2100, 3, 31), -1, date(2100, 2, 28)),
    ],
    ids=str,
)
def test_february_follows_the_gregorian_leap_rule(start, months, expected):
    assert add_months(start, months) == expected


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        (date(2023, 2, 28), 1, date(2023, 3, 28)),
        (date(2023, 4, 30), 1, date(2023, 5, 30)),
        (date(2024, 2, 29), 12, date(2025, 2, 28)),
    ],
    ids=str,
)
def test_the_last_day_of_a_short_month_is_not_moved_to_the_month_end(start, months, expected):
    assert add_months(start, months) == expected


@pytest.mark.parametrize(
    ("start", "months"),
    [
        (date(9999, 12, 1), 1),
        (date(1, 1, 1), -1),
        (date(2023, 6, 15), 10**30),
        (date(2023, 6, 15), -(10**30)),
    ],
    ids=str,
)
def test_results_outside_the_supported_years_are_rejected(start, months):
    with pytest.raises(ValueError):
        add_months(start, months)
