import pytest
from target import is_leap_year


@pytest.mark.parametrize(
    ("year", "expected"),
    [
        (2024, True),
        (2023, False),
        (1900, False),
        (2000, True),
        (1600, True),
        (2100, False),
        (4, True),
        (1, False),
        (2, False),
    ],
    ids=[
        "plain-leap",
        "plain-common",
        "century-common",
        "400-leap",
        "1600-leap",
        "2100-common",
        "year-4",
        "year-1",
        "year-2",
    ],
)
def test_is_leap_year(year, expected):
    assert is_leap_year(year) is expected


@pytest.mark.parametrize("year", [0, -1, -400], ids=["zero", "minus-one", "minus-400"])
def test_years_before_one_are_rejected(year):
    with pytest.raises(ValueError, match="1 or later"):
        is_leap_year(year)
