"""Korean strings of the submissions page."""

MESSAGES: dict[str, str] = {}
