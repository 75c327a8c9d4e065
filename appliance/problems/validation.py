"""The validation gate of DESIGN.md 4.5, read off judge reports of the reference suite and
of the statement's examples. Pure."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from appliance.judging.report import KILLING_VERDICTS, Report
from appliance.problems.difficulty import smallest_killing_suite
from appliance.scoring.grade import failure_reason, grade

# Examples illustrate the contract; a suite made of them alone must not earn much more than
# passing on the golden code (DESIGN.md 4.5).
MAX_EXAMPLES_SCORE = 65


def judge_validation(
    reference: Report, examples: Report | None, weights: Mapping[str, int]
) -> dict[str, Any]:
    """{"ok", "reasons", "variants", "examples_score", "smallest_killing_suite"} for storing
    with the version: valid only when the reference suite passes on golden (every run) and
    on the twins and kills every mutant, and the examples hold on golden without scoring
    above MAX_EXAMPLES_SCORE."""
    reasons = []
    failure = failure_reason(reference)
    if failure is not None:
        reasons.append(f"the reference suite fails on the golden code or its twin: {failure}")
    survivors = [run.name for run in reference.mutants if run.verdict not in KILLING_VERDICTS]
    reasons.extend(f"mutant {name} survives the reference suite" for name in survivors)
    examples_score = None
    if examples is not None:
        examples_score, problem = _examples_verdict(examples, weights)
        reasons.extend([problem] if problem else [])
    return {
        "ok": not reasons,
        "reasons": reasons,
        "variants": variants(reference),
        "examples_score": examples_score,
        "smallest_killing_suite": None if reasons else list(_smallest(reference)),
    }


def _examples_verdict(examples: Report, weights: Mapping[str, int]) -> tuple[int, str | None]:
    graded = grade(examples, weights)
    if graded.status != "SUCCESS":
        return 0, f"the examples do not hold on the golden code: {graded.reason}"
    if graded.score > MAX_EXAMPLES_SCORE:
        return graded.score, (
            f"the examples alone score {graded.score} (at most {MAX_EXAMPLES_SCORE}):"
            " they give the answer away"
        )
    return graded.score, None


def kill_matrix(report: Report) -> dict[str, set[str]]:
    """Each mutant's killers among the tests golden's first run collected."""
    collected = {test.name for test in report.golden[0].tests} if report.golden else set()
    return {run.name: set(run.killed_by) & collected for run in report.mutants}


def _smallest(report: Report) -> tuple[str, ...]:
    try:
        return smallest_killing_suite(kill_matrix(report))
    except ValueError:  # a mutant killed only by a timeout of no single test
        return ()


def variants(report: Report) -> list[dict[str, Any]]:
    runs = [("golden", run) for run in report.golden]
    runs += [("twin", run) for run in report.twins]
    runs += [("mutant", run) for run in report.mutants]
    return [
        {
            "name": run.name,
            "kind": kind,
            "verdict": run.verdict,
            "duration_ms": run.duration_ms,
            "failed_tests": list(run.killed_by),
            "refused": run.refused,
        }
        for kind, run in runs
    ]


def refused(reason: str, appliance_fault: bool = False) -> dict[str, Any]:
    """A validation that judged nothing: the version's own fault (no mutant), or the
    appliance's, in which case posting the same content again validates it again."""
    return {
        "ok": False,
        "reasons": [reason],
        "variants": [],
        "examples_score": None,
        "smallest_killing_suite": None,
        "appliance_fault": appliance_fault,
    }


def failed_by_the_appliance(validation: Mapping[str, Any] | None) -> bool:
    return bool(validation and validation.get("appliance_fault"))
