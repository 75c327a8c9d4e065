"""Counted nouns for user-facing messages."""


def pluralize(count: int, singular: str, plural: str | None = None) -> str:
    """Return e.g. '1 file', '0 files', '1,000 children'."""
    if plural is None:
        plural = singular + "s"
    word = singular if count == 1 else plural
    return f"{count:,} {word}"
