"""Flattening a judge report into stored rows, and shaping stored rows into the API's
submission detail. Pure."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from appliance.judging.report import Report, Run

MESSAGE_LIMIT = 2000


def runs_in_order(report: Report) -> list[tuple[str, Run]]:
    runs = [("golden", run) for run in report.golden]
    if report.twin is not None:
        runs.append(("twin", report.twin))
    runs.extend(("mutant", run) for run in report.mutants)
    return runs


def result_rows(
    submission_id: str, report: Report
) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """Rows for variant_results and test_results, positions in run order."""
    variants: list[tuple[Any, ...]] = []
    tests: list[tuple[Any, ...]] = []
    for position, (kind, run) in enumerate(runs_in_order(report)):
        variants.append(
            (
                submission_id,
                position,
                run.name,
                kind,
                run.verdict,
                run.duration_ms,
                run.limit_ms,
                run.output,
                run.output_truncated,
            )
        )
        tests.extend(
            (submission_id, position, t.name, t.outcome, t.duration_ms, t.message[:MESSAGE_LIMIT])
            for t in run.tests
        )
    return variants, tests


def detail(
    row: Mapping[str, Any],
    variants: Sequence[Mapping[str, Any]],
    tests: Sequence[Mapping[str, Any]],
    hints: Mapping[str, str],
) -> dict[str, Any]:
    """The API's view of one submission. Never carries a mutant's code; a hint only for a
    mutant that survived."""
    by_position: dict[int, list[Mapping[str, Any]]] = {}
    for test in tests:
        by_position.setdefault(test["position"], []).append(test)
    golden = next((v for v in variants if v["kind"] == "golden"), None)
    twin = next((v for v in variants if v["kind"] == "twin"), None)
    return {
        "id": str(row["id"]),
        "problem": row["problem"],
        "version": row["version"],
        "status": row["status"],
        "reason": row["reason"],
        "error": row["error_detail"],
        "score": row["score"],
        "killed_weight": row["killed_weight"],
        "total_weight": row["total_weight"],
        "killed_count": row["killed_count"],
        "total_count": row["total_count"],
        "golden": _run_view(golden, by_position),
        "twin": _run_view(twin, by_position),
        "mutants": [_mutant_view(v, by_position, hints) for v in variants if v["kind"] == "mutant"],
        "timings": _timings(row),
        "created_at": row["created_at"],
        "started_at": row["started_at"],
        "finished_at": row["finished_at"],
    }


def _run_view(
    variant: Mapping[str, Any] | None, by_position: Mapping[int, list[Mapping[str, Any]]]
) -> dict[str, Any] | None:
    if variant is None:
        return None
    return {
        "verdict": variant["verdict"],
        "duration_ms": variant["duration_ms"],
        "tests": [
            {"name": t["test_name"], "outcome": t["outcome"], "message": t["message"]}
            for t in by_position.get(variant["position"], [])
        ],
        "output": variant["output"],
        "output_truncated": variant["output_truncated"],
    }


def _mutant_view(
    variant: Mapping[str, Any],
    by_position: Mapping[int, list[Mapping[str, Any]]],
    hints: Mapping[str, str],
) -> dict[str, Any]:
    survived = variant["verdict"] == "survived"
    return {
        "name": variant["name"],
        "verdict": variant["verdict"],
        "hint": hints.get(variant["name"], "") if survived else None,
        "killed_by": [
            t["test_name"]
            for t in by_position.get(variant["position"], [])
            if t["outcome"] in ("failed", "error")
        ],
    }


def _timings(row: Mapping[str, Any]) -> dict[str, int | None]:
    def millis(start: Any, end: Any) -> int | None:
        if start is None or end is None:
            return None
        return int((end - start).total_seconds() * 1000)

    return {
        "queued_ms": millis(row["created_at"], row["started_at"]),
        "run_ms": millis(row["started_at"], row["finished_at"]),
    }
