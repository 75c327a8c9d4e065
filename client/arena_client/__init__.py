"""The `arena` command-line client of the QA Arena appliance (stdlib + httpx)."""

__version__ = "0.1.0"
