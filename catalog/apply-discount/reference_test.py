import pytest

from target import apply_discount


def test_a_whole_cent_discount_is_subtracted():
    assert apply_discount(1000, 15) == 850


def test_fractions_below_one_half_round_the_discount_down():
    assert apply_discount(1001, 10) == 901  # discount 100.1 -> 100


def test_fractions_above_one_half_round_the_discount_up():
    assert apply_discount(999, 10) == 899  # discount 99.9 -> 100


@pytest.mark.parametrize(
    ("price", "percent", "expected"),
    [
        (50, 5, 48),  # discount 2.5 -> 2
        (10, 5, 10),  # discount 0.5 -> 0
        (90, 5, 86),  # discount 4.5 -> 4
    ],
)
def test_exact_halves_round_down_to_an_even_discount(price, percent, expected):
    assert apply_discount(price, percent) == expected


@pytest.mark.parametrize(
    ("price", "percent", "expected"),
    [
        (70, 5, 66),  # discount 3.5 -> 4
        (30, 5, 28),  # discount 1.5 -> 2
    ],
)
def test_exact_halves_round_up_to_an_even_discount(price, percent, expected):
    assert apply_discount(price, percent) == expected


def test_the_discount_is_rounded_not_the_final_price():
    # discount 4.5 -> 4, so 45 - 4 = 41 (rounding the price 40.5 would give 40)
    assert apply_discount(45, 10) == 41


@pytest.mark.parametrize("price", [0, 1, 1999])
def test_zero_percent_keeps_the_price(price):
    assert apply_discount(price, 0) == price


@pytest.mark.parametrize("price", [0, 1, 1999])
def test_one_hundred_percent_makes_it_free(price):
    assert apply_discount(price, 100) == 0


@pytest.mark.parametrize("percent", [-1, 101, 150])
def test_percentages_outside_0_to_100_are_rejected(percent):
    with pytest.raises(ValueError):
        apply_discount(1000, percent)


def test_negative_prices_are_rejected():
    with pytest.raises(ValueError):
        apply_discount(-100, 10)
