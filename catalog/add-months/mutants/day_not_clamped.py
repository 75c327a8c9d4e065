"""Calendar month arithmetic."""

import calendar
from datetime import date

THIRTY_DAY_MONTHS = (4, 6, 9, 11)


def add_months(d: date, months: int) -> date:
    """Move `d` by `months`, clamping the day to the end of a shorter target month."""
    total = d.month - 1 + months
    year = d.year + total // 12
    month = total % 12 + 1
    if not date.min.year <= year <= date.max.year:
        raise ValueError(f"year {year} is outside the years 1 to 9999")
    return date(year, month, d.day)


def _days_in_month(year: int, month: int) -> int:
    if month == 2:
        return 29 if calendar.isleap(year) else 28
    return 30 if month in THIRTY_DAY_MONTHS else 31
