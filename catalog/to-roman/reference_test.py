import pytest

from target import to_roman


@pytest.mark.parametrize(
    ("n", "expected"),
    [(1, "I"), (5, "V"), (10, "X"), (50, "L"), (100, "C"), (500, "D"), (1000, "M")],
)
def test_each_basic_symbol(n, expected):
    assert to_roman(n) == expected


@pytest.mark.parametrize(("n", "expected"), [(2, "II"), (3, "III"), (30, "XXX"), (300, "CCC"), (3000, "MMM")])
def test_symbols_repeat_up_to_three_times(n, expected):
    assert to_roman(n) == expected


@pytest.mark.parametrize(
    ("n", "expected"),
    [(4, "IV"), (9, "IX"), (40, "XL"), (90, "XC"), (400, "CD"), (900, "CM")],
)
def test_subtractive_pairs(n, expected):
    assert to_roman(n) == expected


@pytest.mark.parametrize(
    ("n", "expected"),
    [(58, "LVIII"), (1994, "MCMXCIV"), (2024, "MMXXIV"), (3999, "MMMCMXCIX")],
)
def test_mixed_numbers_are_written_from_thousands_down(n, expected):
    assert to_roman(n) == expected


@pytest.mark.parametrize("n", [0, -1, 4000, 10000])
def test_numbers_outside_1_to_3999_are_rejected(n):
    with pytest.raises(ValueError):
        to_roman(n)
