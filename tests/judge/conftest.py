"""The real judge image, run exactly as the worker runs it (DESIGN.md 4.1): one container,
the request on stdin, one JSON report line on stdout."""

from __future__ import annotations

import json
import os
import subprocess
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import pytest

from tests.bundles import EXTRA_MUTANTS, FIVE_MUTANT_SUITE, GOLDEN
from tests.bundles import MUTANTS as CLAMP_MUTANTS

JUDGE_IMAGE = os.environ.get("ARENA_JUDGE_IMAGE", "arena/judge:latest")
SANDBOX_FLAGS = (
    "--network", "none",
    "--read-only",
    "--tmpfs", "/tmp:rw,nosuid,nodev,size=64m,mode=1777",
    "--user", "10001",
    "--cap-drop", "ALL",
    "--security-opt", "no-new-privileges",
    "--pids-limit", "128",
    "--memory", "512m",
    "--memory-swap", "512m",
    "--cpus", "1",
    "--ulimit", "nofile=256:256",
    "--ulimit", "fsize=16777216:16777216",
)  # fmt: skip
TEST_LABEL = "arena.judge-test"
# Far above any run of these tests: reaching it means the runner hung, which is a failure.
CONTAINER_TIMEOUT_S = 90

# The clamp problem of tests/bundles.py with all five mutants, as plain sources.
MUTANTS = {name: code for name, (code, _, _) in {**CLAMP_MUTANTS, **EXTRA_MUTANTS}.items()}
STRONG_SUITE = FIVE_MUTANT_SUITE


@dataclass(frozen=True)
class JudgeRun:
    report: dict[str, Any]
    returncode: int
    seconds: float
    stderr: str

    @property
    def golden(self) -> list[dict[str, Any]]:
        return list(self.report["golden"])

    @property
    def twin(self) -> dict[str, Any]:
        twin = self.report["twin"]
        assert twin is not None, "the report has no twin run"
        return dict(twin)

    def golden_verdicts(self) -> list[str]:
        return [run["verdict"] for run in self.golden]

    def mutant(self, name: str) -> dict[str, Any]:
        return next(run for run in self.report["mutants"] if run["name"] == name)

    def mutant_verdicts(self) -> dict[str, str]:
        return {run["name"]: run["verdict"] for run in self.report["mutants"]}


def judge_request(
    tests: str,
    golden: str = GOLDEN,
    mutants: dict[str, str] | None = None,
    wall_seconds: float = 5.0,
    output_limit_bytes: int = 65536,
) -> dict[str, Any]:
    return {
        "protocol": 1,
        "tests": tests,
        "golden": golden,
        "mutants": [{"name": name, "code": code} for name, code in (mutants or {}).items()],
        "wall_seconds": wall_seconds,
        "output_limit_bytes": output_limit_bytes,
    }


def outcomes(run: dict[str, Any]) -> dict[str, str]:
    return {test["name"]: test["outcome"] for test in run["tests"]}


def run_container(payload: bytes, extra_args: Sequence[str] = ()) -> JudgeRun:
    name = f"arena-judge-test-{uuid.uuid4().hex[:12]}"
    command = ["docker", "run", "-i", "--rm", "--name", name, "--label", TEST_LABEL]
    command += [*SANDBOX_FLAGS, *extra_args, JUDGE_IMAGE]
    started = time.monotonic()
    try:
        done = subprocess.run(
            command, input=payload, capture_output=True, timeout=CONTAINER_TIMEOUT_S
        )
    except subprocess.TimeoutExpired:
        subprocess.run(["docker", "rm", "-f", name], capture_output=True)
        pytest.fail(f"the judge container ran longer than {CONTAINER_TIMEOUT_S} s")
    seconds = time.monotonic() - started
    lines = done.stdout.decode("utf-8", "replace").splitlines()
    assert lines, f"no report (exit {done.returncode}): {done.stderr.decode()[-2000:]}"
    return JudgeRun(json.loads(lines[-1]), done.returncode, seconds, done.stderr.decode())


@pytest.fixture(scope="session")
def judge_image() -> str:
    found = subprocess.run(["docker", "image", "inspect", JUDGE_IMAGE], capture_output=True)
    if found.returncode != 0:
        pytest.fail(
            f"the judge image {JUDGE_IMAGE} is missing: build it with ops/build-images.sh "
            f"(see judge/Dockerfile); docker said: {found.stderr.decode().strip()}"
        )
    return JUDGE_IMAGE


@pytest.fixture(scope="session")
def run_judge(judge_image: str) -> Callable[..., JudgeRun]:
    """run_judge(request_dict_or_bytes, extra_docker_args=()) -> a JudgeRun that exited 0."""

    def run(request: dict[str, Any] | bytes, extra_args: Sequence[str] = ()) -> JudgeRun:
        payload = request if isinstance(request, bytes) else json.dumps(request).encode()
        result = run_container(payload, extra_args)
        if isinstance(request, dict):
            assert result.returncode == 0, result.report
            assert "runner_error" not in result.report, result.stderr[-3000:]
        return result

    return run
