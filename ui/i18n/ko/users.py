"""Korean strings of the users page."""

MESSAGES: dict[str, str] = {}
