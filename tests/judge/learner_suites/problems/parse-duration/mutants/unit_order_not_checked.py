"""Parsing of compact durations such as '1h30m'."""

DIGITS = "0123456789"
UNIT_SECONDS = {"d": 86400, "h": 3600, "m": 60, "s": 1}
UNIT_ORDER = "dhms"


def parse_duration(text: str) -> int:
    """Return the number of seconds in e.g. '1d2h3m4s'."""
    if not text:
        raise ValueError("empty duration")
    total = 0
    last_rank = -1
    number = ""
    for ch in text:
        if ch in DIGITS:
            number += ch
        elif ch in UNIT_SECONDS:
            if not number:
                raise ValueError(f"missing number before {ch!r}")
            rank = UNIT_ORDER.index(ch)
            total += int(number) * UNIT_SECONDS[ch]
            last_rank = rank
            number = ""
        else:
            raise ValueError(f"unexpected character {ch!r}")
    if number:
        raise ValueError(f"number {number} has no unit")
    return total
