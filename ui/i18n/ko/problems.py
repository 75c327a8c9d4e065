"""Korean strings of the problems page."""

MESSAGES: dict[str, str] = {}
