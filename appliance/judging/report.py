"""Decoding the judge runner's JSON report (judge/PROTOCOL.md). Pure: bytes in, data out."""

from __future__ import annotations

import msgspec

from appliance.errors import InfrastructureError
from appliance.vocabulary import Outcome, Verdict

PROTOCOL = 2

KILLING_VERDICTS = frozenset({"killed", "timeout"})


class TestResult(msgspec.Struct, frozen=True):
    name: str
    outcome: Outcome
    duration_ms: int
    message: str = ""


class Run(msgspec.Struct, frozen=True):
    name: str
    verdict: Verdict
    duration_ms: int
    limit_ms: int
    tests: tuple[TestResult, ...] = ()
    output: str = ""
    output_truncated: bool = False
    refused: str | None = None  # what the reference monitor refused the suite, if anything

    @property
    def killed_by(self) -> tuple[str, ...]:
        return tuple(t.name for t in self.tests if t.outcome in ("failed", "error"))


class Report(msgspec.Struct, frozen=True):
    protocol: int
    syntax_error: str | None = None
    golden: tuple[Run, ...] = ()  # the first run, then the reruns
    twins: tuple[Run, ...] = ()
    mutants: tuple[Run, ...] = ()
    runner_error: str | None = None


def decode(stdout: bytes) -> Report:
    """The report on the last non-empty line of the runner's stdout.

    Anything else (no line, bad JSON, wrong protocol, a runner error) means the runner or
    the sandbox broke, which is the appliance's fault: InfrastructureError."""
    lines = [line for line in stdout.splitlines() if line.strip()]
    if not lines:
        raise InfrastructureError("the judge runner printed no report")
    try:
        report = msgspec.json.decode(lines[-1], type=Report)
    except msgspec.DecodeError as exc:
        raise InfrastructureError(f"the judge runner's report does not decode: {exc}") from exc
    if report.protocol != PROTOCOL:
        raise InfrastructureError(f"judge protocol {report.protocol}, expected {PROTOCOL}")
    if report.runner_error is not None:
        raise InfrastructureError(f"the judge runner failed: {report.runner_error}")
    if report.syntax_error is None and not report.golden:
        raise InfrastructureError("the judge report has no golden run")
    return report
