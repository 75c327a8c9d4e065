"""Masking of payment card numbers for display."""

DIGITS = "0123456789"
SEPARATORS = " -"
MIN_DIGITS = 13
MAX_DIGITS = 19
VISIBLE_DIGITS = 4


def mask_card_number(number: str) -> str:
    """Replace all but the last four digits with '*', keeping spaces and hyphens."""
    for ch in number:
        if ch not in DIGITS and ch not in SEPARATORS:
            raise ValueError(f"unexpected character {ch!r} in card number")
    total = sum(1 for ch in number if ch in DIGITS)
    if not MIN_DIGITS <= total <= MAX_DIGITS:
        raise ValueError(f"expected {MIN_DIGITS} to {MAX_DIGITS} digits, got {total}")
    masked = []
    seen = 0
    for ch in number:
        if ch in DIGITS:
            seen += 1
            masked.append(ch if seen > total - VISIBLE_DIGITS else "*")
        else:
            masked.append(ch)
    return "".join(masked)
