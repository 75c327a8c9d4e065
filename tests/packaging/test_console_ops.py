"""The console's place in operations, without Docker: supervisord's configuration (as
supervisord itself reads it, after ops/supervisor/env.sh) runs `python -m ui` on a whole
appliance and not on a judging-only host, and ops/bundled-init.sh generates the console's
session secret once, 0600, in every database mode, keeping an existing one."""

from __future__ import annotations

import json
import os
import stat
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
OPS = REPO / "ops"
# External services: bundled-init.sh then leaves PostgreSQL and Redis alone, so the test
# needs neither (nothing connects to these URLs).
EXTERNAL = {
    "ARENA_DATABASE_URL": "postgresql://arena@db.invalid/arena",
    "ARENA_REDIS_URL": "redis://cache.invalid/0",
}

# Reads the configuration the way supervisord does (includes, %(ENV_x)s expansion) and
# prints each program's command and user.
READ_CONFIG = """
import json, sys
from supervisor.options import ServerOptions
options = ServerOptions()
options.realize(args=["-c", sys.argv[1]])
print(json.dumps({
    process.name: {"command": process.command, "user": process.uid}
    for group in options.process_group_configs
    for process in group.process_configs
}))
"""


def _clean_env(data_dir: Path, **extra: str) -> dict[str, str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith("ARENA_")}
    return {**base, "ARENA_DATA_DIR": str(data_dir), **extra}


def programs(data_dir: Path, **extra: str) -> dict[str, dict[str, object]]:
    for folder in ("log", "run"):  # supervisord checks its log's and pid file's folders
        (data_dir / folder).mkdir(exist_ok=True)
    script = 'source "$1/supervisor/env.sh" && exec "$ARENA_PYTHON" -c "$2" "$1/supervisor/supervisord.conf"'
    done = subprocess.run(
        ["bash", "-c", script, "_", str(OPS), READ_CONFIG],
        env=_clean_env(data_dir, **extra),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return dict(json.loads(done.stdout))


def bundled_init(data_dir: Path, **extra: str) -> subprocess.CompletedProcess[str]:
    if os.geteuid() != 0:
        pytest.fail("ops/bundled-init.sh runs as root (ops/dev.sh test runs the tests as root)")
    return subprocess.run(
        [str(OPS / "bundled-init.sh")],
        env=_clean_env(data_dir, **EXTERNAL, **extra),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_a_whole_appliance_runs_the_console_with_python_m_ui(tmp_path: Path) -> None:
    found = programs(tmp_path)
    assert {"api", "scheduler", "migrate", "console"} <= set(found)
    command = str(found["console"]["command"])
    assert command.endswith(" -m ui"), command
    # The same user as the API: never the worker's, the only one that may reach Docker.
    assert found["console"]["user"] == found["api"]["user"]


def test_a_judging_only_host_runs_no_console(tmp_path: Path) -> None:
    found = programs(tmp_path, ARENA_ROLE="worker", **EXTERNAL)
    assert "console" not in found
    assert set(found) == {"worker-00", "worker-01", "watchdog"}


def test_the_console_secret_file_defaults_into_the_data_directory_in_every_mode(
    tmp_path: Path,
) -> None:
    script = 'source "$1/supervisor/env.sh" && printf %s "$ARENA_CONSOLE_SECRET_FILE"'
    for extra in ({}, EXTERNAL):
        done = subprocess.run(
            ["bash", "-c", script, "_", str(OPS)],
            env=_clean_env(tmp_path, **extra),
            capture_output=True,
            text=True,
            check=True,
        )
        assert done.stdout == str(tmp_path / "secrets" / "console-secret")


def test_a_judging_only_host_names_no_console_secret_file(tmp_path: Path) -> None:
    # Every program reads the *_FILE settings it is given: a file that is not there would
    # stop the workers of a host that runs no console.
    script = 'source "$1/supervisor/env.sh" && printf %s "${ARENA_CONSOLE_SECRET_FILE-unset}"'
    done = subprocess.run(
        ["bash", "-c", script, "_", str(OPS)],
        env=_clean_env(tmp_path, ARENA_ROLE="worker", **EXTERNAL),
        capture_output=True,
        text=True,
        check=True,
    )
    assert done.stdout == "unset"


def test_the_console_secret_is_generated_once_0600_and_kept(tmp_path: Path) -> None:
    first = bundled_init(tmp_path)
    assert first.returncode == 0, first.stderr
    secret = tmp_path / "secrets" / "console-secret"
    assert stat.S_IMODE(secret.stat().st_mode) == 0o600
    assert stat.S_IMODE(secret.parent.stat().st_mode) == 0o700
    value = secret.read_text()
    assert len(value) == 64 and int(value, 16) >= 0  # 32 random bytes, in hex
    assert stat.S_IMODE((tmp_path / "console").stat().st_mode) == 0o700

    again = bundled_init(tmp_path)
    assert again.returncode == 0, again.stderr
    assert secret.read_text() == value


def test_an_operators_own_console_secret_file_is_never_overwritten(tmp_path: Path) -> None:
    own = tmp_path / "mine"
    own.write_text("the operator's own secret\n")
    done = bundled_init(tmp_path / "data", ARENA_CONSOLE_SECRET_FILE=str(own))
    assert done.returncode == 0, done.stderr
    assert own.read_text() == "the operator's own secret\n"
    assert not (tmp_path / "data" / "secrets" / "console-secret").exists()


def test_a_judging_only_host_gets_no_console_secret(tmp_path: Path) -> None:
    done = bundled_init(tmp_path, ARENA_ROLE="worker")
    assert done.returncode == 0, done.stderr
    assert not (tmp_path / "secrets" / "console-secret").exists()
