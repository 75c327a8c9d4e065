"""The client builds and installs with no index and no build dependency (an air-gapped
host has neither), as a wheel with its `arena` command."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CLIENT = ROOT / "client"
# The appliance's offline wheelhouse (ops/offline-wheels/build.sh fills it): what an
# air-gapped host has to install httpx from.
WHEELHOUSE = ROOT / "ops" / "offline-wheels" / "wheels"


def test_the_client_builds_offline_into_a_wheel_with_the_arena_command(tmp_path: Path) -> None:
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-index",
            "--no-deps",
            "--no-build-isolation",
            "--quiet",
            "-w",
            str(tmp_path),
            str(CLIENT),
        ],
        check=True,
        timeout=120,
    )
    (wheel,) = tmp_path.glob("arena_client-0.1.0-py3-none-any.whl")
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        entry_points = archive.read("arena_client-0.1.0.dist-info/entry_points.txt").decode()
    assert {"arena_client/cli.py", "arena_client/api.py"} <= names
    assert "arena = arena_client.cli:main" in entry_points


def test_the_wheel_installs_with_no_index_and_runs(tmp_path: Path) -> None:
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-index",
            "--no-deps",
            "--no-build-isolation",
            "--quiet",
            "-w",
            str(tmp_path / "wheels"),
            str(CLIENT),
        ],
        check=True,
        timeout=120,
    )
    venv = tmp_path / "venv"
    subprocess.run(
        [sys.executable, "-m", "venv", "--system-site-packages", str(venv)], check=True, timeout=120
    )
    subprocess.run(
        [
            str(venv / "bin" / "python"),
            "-m",
            "pip",
            "install",
            "--no-index",
            "--quiet",
            "--find-links",
            str(tmp_path / "wheels"),
            "--find-links",
            str(WHEELHOUSE),
            "arena-client",
        ],
        check=True,
        timeout=120,
    )
    done = subprocess.run(
        [str(venv / "bin" / "arena"), "--version"], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0 and "0.1.0" in done.stdout
