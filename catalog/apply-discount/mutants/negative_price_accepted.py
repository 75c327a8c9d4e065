"""Percentage discounts on integer-cent prices."""


def apply_discount(price_cents: int, percent: int) -> int:
    """Price after a `percent` discount, the discount rounded half to even."""
    if not 0 <= percent <= 100:
        raise ValueError(f"percent must be between 0 and 100, got {percent}")
    discount = _divide_half_even(price_cents * percent, 100)
    return price_cents - discount


def _divide_half_even(numerator: int, denominator: int) -> int:
    """numerator / denominator (both non-negative) rounded half to even."""
    quotient, remainder = divmod(numerator, denominator)
    twice = 2 * remainder
    if twice > denominator or (twice == denominator and quotient % 2 == 1):
        quotient += 1
    return quotient
