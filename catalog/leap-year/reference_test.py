import pytest

from target import is_leap_year


@pytest.mark.parametrize("year", [4, 1996, 2024, 2096])
def test_years_divisible_by_4_are_leap(year):
    assert is_leap_year(year) is True


@pytest.mark.parametrize("year", [1, 3, 2019, 2023])
def test_years_not_divisible_by_4_are_common(year):
    assert is_leap_year(year) is False


@pytest.mark.parametrize("year", [100, 1800, 1900, 2100])
def test_centuries_not_divisible_by_400_are_common(year):
    assert is_leap_year(year) is False


@pytest.mark.parametrize("year", [400, 1600, 2000])
def test_centuries_divisible_by_400_are_leap(year):
    assert is_leap_year(year) is True


def test_year_one_is_the_first_supported_year():
    assert is_leap_year(1) is False


@pytest.mark.parametrize("year", [0, -4, -400])
def test_years_before_one_are_rejected(year):
    with pytest.raises(ValueError):
        is_leap_year(year)
