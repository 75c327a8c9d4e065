"""Compare with a calendar-based oracle on many random years (no hypothesis)."""

import datetime
import random

from target import is_leap_year

SEED = 20240229


def days_in_year(year):
    """My own oracle: count the days between 1 January and 31 December."""
    first = datetime.date(year, 1, 1)
    last = datetime.date(year, 12, 31)
    return (last - first).days + 1


def sample_years(count):
    rng = random.Random(SEED)
    return [rng.randint(2, 9999) for _ in range(count)]


def test_random_years_agree_with_calendar():
    for year in sample_years(1500):
        assert is_leap_year(year) == (days_in_year(year) == 366), year


def test_every_century_agrees_with_calendar():
    for year in range(100, 10000, 100):
        assert is_leap_year(year) == (days_in_year(year) == 366), year


def test_result_is_a_bool():
    for year in sample_years(50):
        assert isinstance(is_leap_year(year), bool)
