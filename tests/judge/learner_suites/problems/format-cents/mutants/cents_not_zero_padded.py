"""Display of money amounts held as integer cents."""


def format_cents(cents: int) -> str:
    """Format e.g. 123405 as '$1,234.05' and -5 as '-$0.05'."""
    sign = "-" if cents < 0 else ""
    dollars, remainder = divmod(abs(cents), 100)
    return f"{sign}${dollars:,}.{remainder}"
