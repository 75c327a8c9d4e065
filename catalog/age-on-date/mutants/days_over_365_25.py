"""Age in completed years."""

from datetime import date


def age_on(birth: date, on: date) -> int:
    """Whole years between `birth` and `on`; a 29 February birthday falls on 1 March in common years."""
    if on < birth:
        raise ValueError(f"{on} is before the birth date {birth}")
    return int((on - birth).days / 365.25)
