"""Korean strings of the latency page."""

MESSAGES: dict[str, str] = {}
