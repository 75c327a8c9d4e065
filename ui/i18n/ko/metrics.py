"""Korean strings of the metrics page."""

MESSAGES: dict[str, str] = {}
