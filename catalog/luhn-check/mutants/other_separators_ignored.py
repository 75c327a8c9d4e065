"""Luhn (mod 10) check digit validation."""

DIGITS = "0123456789"


def luhn_valid(number: str) -> bool:
    """True when `number` (spaces allowed) passes the Luhn check."""
    digits = "".join(ch for ch in number if ch in DIGITS)
    if len(digits) < 2 or any(ch not in DIGITS for ch in digits):
        return False
    total = 0
    for position, ch in enumerate(reversed(digits)):
        value = int(ch)
        if position % 2 == 1:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0
