"""Age in completed years."""

import calendar
from datetime import date


def age_on(birth: date, on: date) -> int:
    """Whole years between `birth` and `on`; a 29 February birthday falls on 1 March in common years."""
    if on < birth:
        raise ValueError(f"{on} is before the birth date {birth}")
    years = on.year - birth.year
    birthday = (birth.month, birth.day)
    if birthday == (2, 29) and not calendar.isleap(on.year):
        birthday = (2, 28)
    if (on.month, on.day) < birthday:
        years -= 1
    return years
