"""Round-trip: parse the text back into a number and compare with approx."""

import pytest
from target import format_cents


def parse_money(text):
    return float(text.replace("$", "").replace(",", ""))


@pytest.mark.parametrize(
    "cents",
    [0, 1, 5, 10, 99, 100, 105, 123405, -5, -105, -123405, 100000000],
    ids=lambda cents: f"cents={cents}",
)
def test_value_survives_round_trip(cents):
    assert parse_money(format_cents(cents)) == pytest.approx(cents / 100)


def test_always_two_decimals():
    for cents in (0, 3, 30, 300, 3000):
        assert format_cents(cents).split(".")[1].isdigit()
        assert len(format_cents(cents).split(".")[1]) == 2


def test_starts_with_dollar_or_minus():
    assert format_cents(1234)[0] == "$"
    assert format_cents(-1234)[0] == "-"
