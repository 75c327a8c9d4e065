"""`python -m ui` refuses to start without what it needs, saying what is missing."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _console(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("ARENA_", "PYTEST_"))}
    return subprocess.run(
        [sys.executable, "-m", "ui"],
        env={**base, **env},
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_without_a_console_secret_the_console_exits_2_naming_the_setting() -> None:
    done = _console({})
    assert done.returncode == 2
    assert "ARENA_CONSOLE_SECRET" in done.stderr
    assert "Traceback" not in done.stderr


def test_a_bad_setting_is_named_and_nothing_starts() -> None:
    done = _console({"ARENA_CONSOLE_SECRET": "s3cret-for-test", "ARENA_CONSOLE_PORT": "99999"})
    assert done.returncode == 2
    assert "ARENA_CONSOLE_PORT must be at most 65535" in done.stderr
    assert "s3cret-for-test" not in done.stderr
