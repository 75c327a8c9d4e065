import pytest

from target import format_cents


@pytest.mark.parametrize(
    ("cents", "expected"),
    [(1234, "$12.34"), (700, "$7.00"), (1, "$0.01"), (99, "$0.99"), (105, "$1.05")],
)
def test_small_amounts_show_dollars_and_two_cent_digits(cents, expected):
    assert format_cents(cents) == expected


def test_zero_has_no_sign():
    assert format_cents(0) == "$0.00"


@pytest.mark.parametrize(
    ("cents", "expected"),
    [(99999, "$999.99"), (100000, "$1,000.00"), (123405, "$1,234.05"), (100000000, "$1,000,000.00")],
)
def test_dollars_are_grouped_by_thousands(cents, expected):
    assert format_cents(cents) == expected


@pytest.mark.parametrize(
    ("cents", "expected"),
    [(-100, "-$1.00"), (-105, "-$1.05"), (-5, "-$0.05"), (-150, "-$1.50"), (-123405, "-$1,234.05")],
)
def test_negative_amounts_put_the_minus_before_the_dollar_sign(cents, expected):
    assert format_cents(cents) == expected
