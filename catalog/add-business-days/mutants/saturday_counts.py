"""Business-day arithmetic."""

from collections.abc import Iterable
from datetime import date, timedelta


def add_business_days(start: date, days: int, holidays: Iterable[date] = ()) -> date:
    """Return the `days`-th business day after (or, if negative, before) `start`."""
    closed = frozenset(holidays)
    step = timedelta(days=1 if days >= 0 else -1)
    remaining = abs(days)
    current = start
    while remaining > 0:
        current += step
        if current.weekday() < 6 and current not in closed:
            remaining -= 1
    return current
