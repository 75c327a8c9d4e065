"""Turning a judge report into a status, a reason and a score (DESIGN.md 4.3). Pure."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from appliance.judging.report import KILLING_VERDICTS, Report
from appliance.vocabulary import FailureReason, Status, Verdict

GOLDEN_FAILURE_REASONS: dict[Verdict, FailureReason] = {
    "failed": "golden_failed",
    "error": "collection_error",
    "timeout": "golden_timeout",
    "no_tests": "no_tests",
}


@dataclass(frozen=True)
class Grade:
    status: Status
    reason: FailureReason | None
    score: int
    killed_weight: int
    total_weight: int
    killed_count: int
    total_count: int


def score(killed_weight: int, total_weight: int) -> int:
    """30 for a suite that passes on the golden code, plus up to 70 for the mutants it kills."""
    if total_weight <= 0:
        raise ValueError("a problem needs at least one mutant of positive weight")
    if not 0 <= killed_weight <= total_weight:
        raise ValueError("killed weight must lie between 0 and the total weight")
    return 30 + (70 * killed_weight) // total_weight


def failure(reason: FailureReason, total_weight: int = 0, total_count: int = 0) -> Grade:
    return Grade("FAILURE", reason, 0, 0, total_weight, 0, total_count)


def grade(report: Report, weights: Mapping[str, int]) -> Grade:
    """Grade a report; `weights` maps every mutant of the version to its weight."""
    total_weight, total_count = sum(weights.values()), len(weights)
    reason = failure_reason(report)
    if reason is not None:
        return failure(reason, total_weight, total_count)
    killed = [run.name for run in report.mutants if run.verdict in KILLING_VERDICTS]
    unknown = set(killed) - weights.keys()
    if unknown or len(report.mutants) != total_count:
        raise ValueError("the report's mutants do not match the problem version's")
    killed_weight = sum(weights[name] for name in killed)
    return Grade(
        "SUCCESS",
        None,
        score(killed_weight, total_weight),
        killed_weight,
        total_weight,
        len(killed),
        total_count,
    )


def failure_reason(report: Report) -> FailureReason | None:
    """Why the suite earns nothing, or None when it passed on golden (every run) and on
    every twin without the reference monitor refusing it anything (DESIGN.md 4.4)."""
    if report.syntax_error is not None:
        return "syntax_error"
    first, reruns = report.golden[0], report.golden[1:]
    if any(run.refused is not None for run in (*report.golden, *report.twins)):
        return "introspection"
    if first.verdict != "passed":
        if any(run.verdict == "passed" for run in reruns):
            return "flaky"
        return GOLDEN_FAILURE_REASONS.get(first.verdict, "golden_failed")
    if any(run.verdict != "passed" for run in reruns):
        return "flaky"
    if not report.twins or any(run.verdict != "passed" for run in report.twins):
        return "introspection"
    return None
