"""What each process loads: the API serves HTTP and never touches Docker (DESIGN.md 2:
the worker is the only program that may talk to Docker)."""

from __future__ import annotations

import subprocess
import sys

DOCKER_SIDE = ("docker", "appliance.judging.sandbox", "appliance.workers.worker")


def _modules_loaded_by(module: str) -> set[str]:
    probe = f"import sys, {module}; print(' '.join(sys.modules))"
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    ).stdout
    return set(out.split())


def test_the_api_process_imports_nothing_that_talks_to_docker() -> None:
    assert _modules_loaded_by("appliance.api") & set(DOCKER_SIDE) == set()


def test_the_worker_process_does_load_the_sandbox() -> None:
    # The probe itself works: the worker's module does bring Docker in.
    assert set(DOCKER_SIDE) <= _modules_loaded_by("appliance.workers.worker")


def test_the_console_imports_nothing_that_talks_to_docker() -> None:
    assert _modules_loaded_by("ui.app") & set(DOCKER_SIDE) == set()


def test_the_appliance_never_imports_the_console() -> None:
    # ui imports appliance, never the reverse (DESIGN.md 12): not even the API or the
    # worker loads NiceGUI.
    for module in ("appliance.api", "appliance.workers.worker", "appliance.scheduler"):
        loaded = _modules_loaded_by(module)
        assert not {name for name in loaded if name == "ui" or name.startswith(("ui.", "nicegui"))}
