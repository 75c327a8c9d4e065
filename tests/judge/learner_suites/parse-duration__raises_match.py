import pytest
from target import parse_duration


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("45s", 45),
        ("1h30m", 5400),
        ("2d", 172800),
        ("1d2h3m4s", 93784),
        ("90m", 5400),
        ("05m", 300),
        ("0s", 0),
        ("1d30s", 86430),
    ],
    ids=str,
)
def test_valid(text, seconds):
    assert parse_duration(text) == seconds


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "empty"),
        ("10", "has no unit"),
        ("1h30", "has no unit"),
        ("h", "missing number"),
        ("1hm", "missing number"),
        ("30m1h", "repeated or out of order"),
        ("1m1m", "repeated or out of order"),
        ("1H", "unexpected character"),
        ("1h 30m", "unexpected character"),
        ("-5s", "unexpected character"),
        ("1.5h", "unexpected character"),
    ],
    ids=[
        "empty",
        "bare-number",
        "trailing-number",
        "bare-unit",
        "unit-twice-no-number",
        "out-of-order",
        "repeated",
        "upper",
        "space",
        "sign",
        "decimal",
    ],
)
def test_invalid(text, message):
    with pytest.raises(ValueError, match=message):
        parse_duration(text)
