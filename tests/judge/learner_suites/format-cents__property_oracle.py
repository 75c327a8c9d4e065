import random

import pytest
from target import format_cents


def my_format(cents):
    """Slow but obvious oracle, written without divmod or format specs."""
    negative = cents < 0
    digits = str(abs(cents)).rjust(3, "0")
    whole, fraction = digits[:-2], digits[-2:]
    groups = []
    while len(whole) > 3:
        groups.insert(0, whole[-3:])
        whole = whole[:-3]
    groups.insert(0, whole)
    text = "$" + ",".join(groups) + "." + fraction
    return "-" + text if negative else text


@pytest.fixture(scope="module")
def rng():
    return random.Random(1234)


def test_oracle_on_examples():
    assert my_format(123405) == "$1,234.05"
    assert my_format(-5) == "-$0.05"


def test_small_amounts_exhaustively():
    for cents in range(-1000, 1001):
        assert format_cents(cents) == my_format(cents)


def test_random_large_amounts(rng):
    for _ in range(2000):
        cents = rng.randint(-(10**12), 10**12)
        assert format_cents(cents) == my_format(cents)


@pytest.mark.xfail(
    reason="floats are not in the contract", raises=(TypeError, ValueError, AssertionError)
)
def test_float_input_is_not_supported():
    assert format_cents(1.5) == "$0.015"
