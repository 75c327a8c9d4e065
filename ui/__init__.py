"""The admin console: a NiceGUI app on ARENA_CONSOLE_PORT. It imports `appliance` (the same
feature modules as the API), never the reverse, and never calls the API over HTTP."""
