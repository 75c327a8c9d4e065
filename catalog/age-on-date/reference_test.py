from datetime import date

import pytest

from target import age_on

BIRTH = date(1990, 5, 20)


def test_same_day_is_age_zero():
    assert age_on(BIRTH, BIRTH) == 0


def test_the_day_before_a_birthday_is_still_the_old_age():
    assert age_on(BIRTH, date(2020, 5, 19)) == 29


def test_the_age_goes_up_on_the_birthday_itself():
    assert age_on(BIRTH, date(2020, 5, 20)) == 30


def test_earlier_in_the_birthday_month_is_still_the_old_age():
    assert age_on(BIRTH, date(2020, 5, 1)) == 29


@pytest.mark.parametrize(
    ("on", "expected"),
    [(date(2020, 4, 30), 29), (date(2020, 6, 1), 30), (date(2020, 12, 31), 30), (date(2021, 1, 1), 30)],
    ids=str,
)
def test_months_before_and_after_the_birthday(on, expected):
    assert age_on(BIRTH, on) == expected


@pytest.mark.parametrize(
    ("birth", "on", "expected"),
    [
        (date(2001, 3, 1), date(2002, 3, 1), 1),
        (date(2001, 3, 1), date(2002, 2, 28), 0),
        (date(1999, 7, 4), date(2003, 7, 4), 4),
        (date(2000, 1, 1), date(2003, 12, 31), 3),
    ],
    ids=str,
)
def test_birthdays_across_common_and_leap_years(birth, on, expected):
    assert age_on(birth, on) == expected


@pytest.mark.parametrize(
    ("on", "expected"),
    [
        (date(2001, 2, 28), 0),
        (date(2001, 3, 1), 1),
        (date(2003, 2, 28), 2),
        (date(2003, 3, 1), 3),
        (date(2004, 2, 28), 3),
        (date(2004, 2, 29), 4),
    ],
    ids=str,
)
def test_a_29_february_birthday_is_1_march_in_common_years(on, expected):
    assert age_on(date(2000, 2, 29), on) == expected


@pytest.mark.parametrize("on", [date(1990, 5, 19), date(1980, 1, 1)], ids=str)
def test_a_date_before_birth_is_rejected(on):
    with pytest.raises(ValueError):
        age_on(BIRTH, on)
