"""The validation gate of DESIGN.md 4.5, read off a judge report of the reference suite.
Pure."""

from __future__ import annotations

from typing import Any

from appliance.judging.report import KILLING_VERDICTS, Report
from appliance.scoring.grade import failure_reason


def judge_validation(report: Report) -> dict[str, Any]:
    """{"ok": bool, "reasons": [...], "variants": [{"name", "kind", "verdict"}]} for storing
    with the version: valid only when the reference suite passes on golden (every time) and
    on the twin, and kills every mutant."""
    reasons = []
    failure = failure_reason(report)
    if failure is not None:
        reasons.append(f"the reference suite fails on the golden code or its twin: {failure}")
    survivors = [run.name for run in report.mutants if run.verdict not in KILLING_VERDICTS]
    reasons.extend(f"mutant {name} survives the reference suite" for name in survivors)
    return {"ok": not reasons, "reasons": reasons, "variants": variants(report)}


def variants(report: Report) -> list[dict[str, Any]]:
    runs = [("golden", run) for run in report.golden]
    runs += [("twin", report.twin)] if report.twin is not None else []
    runs += [("mutant", run) for run in report.mutants]
    return [
        {
            "name": run.name,
            "kind": kind,
            "verdict": run.verdict,
            "duration_ms": run.duration_ms,
            "failed_tests": list(run.killed_by),
        }
        for kind, run in runs
    ]


def refused(reason: str) -> dict[str, Any]:
    return {"ok": False, "reasons": [reason], "variants": []}
