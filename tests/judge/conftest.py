"""The real judge image, run exactly as the worker runs it (DESIGN.md 4.1): one container,
the request on stdin, one JSON report line on stdout."""

from __future__ import annotations

import base64
import json
import os
import subprocess
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import pytest

from tests.bundles import EXTRA_MUTANTS, FIVE_MUTANT_SUITE, GOLDEN
from tests.bundles import MUTANTS as CLAMP_MUTANTS

JUDGE_IMAGE = os.environ.get("ARENA_JUDGE_IMAGE", "arena/judge:latest")
SANDBOX_FLAGS = (
    "--network", "none",
    "--read-only",
    "--tmpfs", "/tmp:rw,nosuid,nodev,size=64m,nr_inodes=20000,mode=1777",
    "--tmpfs", "/dev/shm:rw,nosuid,nodev,size=64m,nr_inodes=20000,mode=1777,noexec",
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
    def twins(self) -> list[dict[str, Any]]:
        return list(self.report["twins"])

    @property
    def twin(self) -> dict[str, Any]:
        """The first twin run."""
        assert self.twins, "the report has no twin run"
        return dict(self.twins[0])

    def golden_verdicts(self) -> list[str]:
        return [run["verdict"] for run in self.golden]

    def twin_verdicts(self) -> list[str]:
        return [run["verdict"] for run in self.twins]

    def runs(self) -> list[dict[str, Any]]:
        """Every run of the report: golden's, the twins', the mutants'."""
        return [*self.golden, *self.twins, *self.report["mutants"]]

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
    golden_reruns: int = 6,
    twins: int = 2,
) -> dict[str, Any]:
    """A protocol 2 request (judge/PROTOCOL.md); the counts are the runner's defaults."""
    return {
        "protocol": 2,
        "tests": tests,
        "golden": golden,
        "mutants": [{"name": name, "code": code} for name, code in (mutants or {}).items()],
        "wall_seconds": wall_seconds,
        "output_limit_bytes": output_limit_bytes,
        "golden_reruns": golden_reruns,
        "twins": twins,
    }


def outcomes(run: dict[str, Any]) -> dict[str, str]:
    return {test["name"]: test["outcome"] for test in run["tests"]}


def run_container(
    payload: bytes, extra_args: Sequence[str] = (), image: str = JUDGE_IMAGE
) -> JudgeRun:
    name = f"arena-judge-test-{uuid.uuid4().hex[:12]}"
    command = ["docker", "run", "-i", "--rm", "--name", name, "--label", TEST_LABEL]
    command += [*SANDBOX_FLAGS, *extra_args, image]
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


# A test-only stand-in for judge/runner/monitor.py that installs nothing: what the runner
# guarantees without its reference monitor (strangers, non-dumpable test processes), i.e.
# what still holds for a suite that found a way around the monitor.
NO_MONITOR = b"""\
from .target import take_registration

REFUSED_EXIT_STATUS = 87


def prepare():
    pass


def install_monitor(suite_path, report_refusal):
    take_registration()
"""


@pytest.fixture(scope="session")
def unmonitored_image(judge_image: str) -> Iterator[str]:
    """The judge image with the reference monitor switched off, built for this session."""
    tag = f"arena/judge-test-unmonitored:{uuid.uuid4().hex[:12]}"
    module = "/opt/judge/runner/monitor.py"
    write = f"import base64; open({module!r}, 'wb').write(base64.b64decode({base64.b64encode(NO_MONITOR).decode()!r}))"
    dockerfile = f"""\
FROM {judge_image}
USER 0
RUN python3 -c "{write}" \\
    && python3 -m compileall -q -f --invalidation-mode unchecked-hash {module}
USER 10001
LABEL {TEST_LABEL}=1
"""
    built = subprocess.run(
        ["docker", "build", "-q", "-t", tag, "-"], input=dockerfile.encode(), capture_output=True
    )
    assert built.returncode == 0, built.stderr.decode()[-2000:]
    yield tag
    subprocess.run(["docker", "image", "rm", "-f", tag], capture_output=True)


@pytest.fixture(scope="session")
def run_judge(judge_image: str) -> Callable[..., JudgeRun]:
    """run_judge(request_dict_or_bytes, extra_docker_args=(), image=judge_image) -> a
    JudgeRun that exited 0."""

    def run(
        request: dict[str, Any] | bytes, extra_args: Sequence[str] = (), image: str = judge_image
    ) -> JudgeRun:
        payload = request if isinstance(request, bytes) else json.dumps(request).encode()
        result = run_container(payload, extra_args, image)
        if isinstance(request, dict):
            assert result.returncode == 0, result.report
            assert "runner_error" not in result.report, result.stderr[-3000:]
        return result

    return run
