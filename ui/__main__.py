"""python -m ui: the admin console on ARENA_CONSOLE_PORT (also the NiceGUI main file the
tests' simulated users open)."""

from __future__ import annotations

import os
import sys

from appliance.errors import ConfigurationError
from appliance.settings import Settings, from_env


def _settings() -> Settings:
    settings = from_env(os.environ)
    if settings.console_secret is None:
        raise ConfigurationError(
            "ARENA_CONSOLE_SECRET (or ARENA_CONSOLE_SECRET_FILE) is required: it signs the"
            " console's session cookies"
        )
    return settings


def main() -> None:
    try:
        settings = _settings()
    except ConfigurationError as exc:
        print(f"error: {exc.detail}", file=sys.stderr)
        sys.exit(2)
    # Before NiceGUI is imported: its per-browser storage (the sessions) lives with the data.
    os.environ.setdefault("NICEGUI_STORAGE_PATH", str(settings.data_dir / "console"))
    from nicegui import ui

    from ui.app import build

    build(settings)
    ui.run(
        host=os.environ.get("ARENA_CONSOLE_HOST", "0.0.0.0"),  # noqa: S104 - meant to be reached
        port=settings.console_port,
        title="QA Arena",
        storage_secret=settings.console_secret,
        # Strict: no other site's page can make the browser send the session along.
        session_middleware_kwargs={
            "same_site": "strict",
            "max_age": settings.console_session_hours * 3600,
        },
        reload=False,
        show=False,
        show_welcome_message=False,
        uvicorn_logging_level="warning",
    )


if __name__ in {"__main__", "__mp_main__"}:
    main()
