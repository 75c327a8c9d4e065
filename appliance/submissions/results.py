"""Flattening a judge report into stored rows, and shaping stored rows into the API's
submission detail. Pure."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from appliance.judging.report import Report, Run
from appliance.submissions.disclosure import MESSAGE_LIMIT, Redactor


def runs_in_order(report: Report) -> list[tuple[str, Run]]:
    """Golden's first run first (the detail shows it), then the reruns, twins and mutants."""
    runs = [("golden", run) for run in report.golden]
    runs.extend(("twin", run) for run in report.twins)
    runs.extend(("mutant", run) for run in report.mutants)
    return runs


def result_rows(
    submission_id: str, report: Report, redactor: Redactor
) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """Rows for variant_results and test_results, positions in run order, every text the
    suite produced bounded and stripped of quoted hidden code."""
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
                redactor.text(run.output),
                run.output_truncated,
                None if run.refused is None else redactor.text(run.refused, MESSAGE_LIMIT),
            )
        )
        tests.extend(
            (
                submission_id,
                position,
                redactor.name(t.name),
                t.outcome,
                t.duration_ms,
                redactor.text(t.message, MESSAGE_LIMIT),
            )
            for t in run.tests
        )
    return variants, tests


def detail(
    row: Mapping[str, Any],
    variants: Sequence[Mapping[str, Any]],
    tests: Sequence[Mapping[str, Any]],
    mutants: Sequence[Mapping[str, Any]],
    reveal_names: bool,
) -> dict[str, Any]:
    """The API's view of one submission. Mutants appear by neutral label in the version's
    shuffled label order (their names only for authors and admins), a hint only for a
    survivor, and killed_by only names tests that golden's run also collected. Never a
    mutant's code."""
    by_position: dict[int, list[Mapping[str, Any]]] = {}
    for test in tests:
        by_position.setdefault(test["position"], []).append(test)
    goldens = [v for v in variants if v["kind"] == "golden"]
    collected = (
        {t["test_name"] for t in by_position.get(goldens[0]["position"], [])} if goldens else set()
    )
    meta = {m["name"]: m for m in mutants}
    mutant_runs = [v for v in variants if v["kind"] == "mutant" and v["name"] in meta]
    mutant_runs.sort(key=lambda v: meta[v["name"]]["label"])
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
        "golden": _run_view(goldens[0], by_position) if goldens else None,
        "golden_reruns": [v["verdict"] for v in goldens[1:]],
        "twins": [v["verdict"] for v in variants if v["kind"] == "twin"],
        "mutants": [
            _mutant_view(v, by_position, meta[v["name"]], collected, reveal_names)
            for v in mutant_runs
        ],
        "timings": _timings(row),
        "created_at": row["created_at"],
        "started_at": row["started_at"],
        "finished_at": row["finished_at"],
    }


def _run_view(
    variant: Mapping[str, Any], by_position: Mapping[int, list[Mapping[str, Any]]]
) -> dict[str, Any]:
    return {
        "verdict": variant["verdict"],
        "duration_ms": variant["duration_ms"],
        "tests": [
            {"name": t["test_name"], "outcome": t["outcome"], "message": t["message"]}
            for t in by_position.get(variant["position"], [])
        ],
        "output": variant["output"],
        "output_truncated": variant["output_truncated"],
        "refused": variant["refused"],
    }


def _mutant_view(
    variant: Mapping[str, Any],
    by_position: Mapping[int, list[Mapping[str, Any]]],
    mutant: Mapping[str, Any],
    collected: set[str],
    reveal_names: bool,
) -> dict[str, Any]:
    survived = variant["verdict"] == "survived"
    view = {
        "label": f"mutant {mutant['label']}",
        "verdict": variant["verdict"],
        "hint": mutant["hint"] if survived else None,
        "killed_by": [
            t["test_name"]
            for t in by_position.get(variant["position"], [])
            if t["outcome"] in ("failed", "error") and t["test_name"] in collected
        ],
    }
    return {**view, "name": mutant["name"]} if reveal_names else view


def _timings(row: Mapping[str, Any]) -> dict[str, int | None]:
    def millis(start: Any, end: Any) -> int | None:
        if start is None or end is None:
            return None
        return int((end - start).total_seconds() * 1000)

    return {
        "queued_ms": millis(row["created_at"], row["started_at"]),
        "run_ms": millis(row["started_at"], row["finished_at"]),
    }
