"""Korean strings of the audit page."""

MESSAGES: dict[str, str] = {}
