import pytest

from target import parse_duration


@pytest.mark.parametrize(
    ("text", "expected"),
    [("1d", 86400), ("1h", 3600), ("1m", 60), ("1s", 1), ("45s", 45), ("2d", 172800)],
)
def test_a_single_component(text, expected):
    assert parse_duration(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [("1h30m", 5400), ("1d2h3m4s", 93784), ("1d30s", 86430), ("2h5s", 7205)],
)
def test_components_are_added_up(text, expected):
    assert parse_duration(text) == expected


@pytest.mark.parametrize(("text", "expected"), [("90m", 5400), ("05m", 300), ("0s", 0), ("100000s", 100000)])
def test_numbers_may_exceed_the_next_unit_and_have_leading_zeros(text, expected):
    assert parse_duration(text) == expected


def test_empty_text_is_rejected():
    with pytest.raises(ValueError):
        parse_duration("")


@pytest.mark.parametrize("text", ["10", "1h30", "1d2h3m4"])
def test_a_number_without_a_unit_is_rejected(text):
    with pytest.raises(ValueError):
        parse_duration(text)


@pytest.mark.parametrize("text", ["h", "1hm", "s"])
def test_a_unit_without_a_number_is_rejected(text):
    with pytest.raises(ValueError):
        parse_duration(text)


@pytest.mark.parametrize("text", ["30m1h", "1s1d"])
def test_units_out_of_order_are_rejected(text):
    with pytest.raises(ValueError):
        parse_duration(text)


@pytest.mark.parametrize("text", ["1m1m", "1h2h"])
def test_repeated_units_are_rejected(text):
    with pytest.raises(ValueError):
        parse_duration(text)


@pytest.mark.parametrize("text", ["1H", "2D", "1h 30m", " 1h", "-5s", "+5s", "1.5h", "5x"])
def test_other_characters_are_rejected(text):
    with pytest.raises(ValueError):
        parse_duration(text)
