"""Gregorian leap years."""


def is_leap_year(year: int) -> bool:
    """Return True when `year` (1 or later) has 366 days in the Gregorian calendar."""
    if year < 1:
        raise ValueError(f"year must be 1 or later, got {year}")
    return year % 4 == 0 and year % 100 != 0
