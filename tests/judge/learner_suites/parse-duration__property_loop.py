import random

import pytest
from target import parse_duration

UNITS = [("d", 86400), ("h", 3600), ("m", 60), ("s", 1)]


def build(rng):
    """A random valid duration and its value, computed my way."""
    text, total = "", 0
    chosen = [unit for unit in UNITS if rng.random() < 0.6] or [rng.choice(UNITS)]
    for letter, seconds in chosen:
        number = rng.randint(0, 500)
        text += str(number).zfill(rng.randint(1, 3)) + letter
        total += number * seconds
    return text, total


@pytest.fixture
def rng():
    return random.Random(99)


def test_random_valid_durations(rng):
    for _ in range(1000):
        text, total = build(rng)
        assert parse_duration(text) == total, text


def test_swapped_units_are_rejected(rng):
    checked = 0
    for _ in range(300):
        text, _ = build(rng)
        parts = []
        number = ""
        for ch in text:
            number += ch
            if ch.isalpha():
                parts.append(number)
                number = ""
        if len(parts) < 2:
            continue
        parts.reverse()
        checked += 1
        with pytest.raises(ValueError):
            parse_duration("".join(parts))
    assert checked > 50
