"""English strings of the overview page."""

MESSAGES: dict[str, str] = {}
