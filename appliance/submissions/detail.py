"""The read side of a submission's results: the API's detail view, built from the stored
rows (the write side is stored_results.py). Pure."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

import msgspec

from appliance.vocabulary import FailureReason, Outcome, Status, Verdict


class TestView(msgspec.Struct):
    name: str
    outcome: Outcome
    message: str


class GoldenView(msgspec.Struct):
    """Golden's first run, in full: what the suite's own tests did on the correct code."""

    verdict: Verdict
    duration_ms: int
    tests: list[TestView]
    output: str
    output_truncated: bool
    refused: str | None  # what the reference monitor refused the suite, if anything


class MutantView(msgspec.Struct):
    label: str
    verdict: Verdict
    weight: int  # learners see it too: the score is explained by the weights
    hint: str | None  # only for a survivor
    killed_by: list[str]
    name: str | msgspec.UnsetType = msgspec.UNSET  # only for authors and admins


class Timings(msgspec.Struct):
    queued_ms: int | None
    run_ms: int | None


class SubmissionDetail(msgspec.Struct):
    id: str
    problem: str
    version: int
    status: Status
    reason: FailureReason | None  # why a FAILURE earned nothing
    error: str | None  # what went wrong in the appliance, for an ERROR
    score: int | None
    killed_weight: int | None
    total_weight: int | None
    killed_count: int | None
    total_count: int | None
    golden: GoldenView | None
    golden_reruns: list[Verdict]
    twins: list[Verdict]
    mutants: list[MutantView]
    timings: Timings
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    rejudge_of: str | None  # the submission of the same suite that this one judges again


def detail(
    row: Mapping[str, Any],
    variants: Sequence[Mapping[str, Any]],
    tests: Sequence[Mapping[str, Any]],
    mutants: Sequence[Mapping[str, Any]],
    reveal_names: bool,
) -> SubmissionDetail:
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
    return SubmissionDetail(
        id=str(row["id"]),
        problem=row["problem"],
        version=row["version"],
        status=row["status"],
        reason=row["reason"],
        error=row["error_detail"],
        score=row["score"],
        killed_weight=row["killed_weight"],
        total_weight=row["total_weight"],
        killed_count=row["killed_count"],
        total_count=row["total_count"],
        golden=_run_view(goldens[0], by_position) if goldens else None,
        golden_reruns=[v["verdict"] for v in goldens[1:]],
        twins=[v["verdict"] for v in variants if v["kind"] == "twin"],
        mutants=[
            _mutant_view(v, by_position, meta[v["name"]], collected, reveal_names)
            for v in mutant_runs
        ],
        timings=_timings(row),
        created_at=row["created_at"],
        started_at=row["started_at"],
        finished_at=row["finished_at"],
        rejudge_of=str(row["rejudge_of"]) if row["rejudge_of"] else None,
    )


def _run_view(
    variant: Mapping[str, Any], by_position: Mapping[int, list[Mapping[str, Any]]]
) -> GoldenView:
    return GoldenView(
        verdict=variant["verdict"],
        duration_ms=variant["duration_ms"],
        tests=[
            TestView(t["test_name"], t["outcome"], t["message"])
            for t in by_position.get(variant["position"], [])
        ],
        output=variant["output"],
        output_truncated=variant["output_truncated"],
        refused=variant["refused"],
    )


def _mutant_view(
    variant: Mapping[str, Any],
    by_position: Mapping[int, list[Mapping[str, Any]]],
    mutant: Mapping[str, Any],
    collected: set[str],
    reveal_names: bool,
) -> MutantView:
    survived = variant["verdict"] == "survived"
    return MutantView(
        label=f"mutant {mutant['label']}",
        verdict=variant["verdict"],
        weight=mutant["weight"],
        hint=mutant["hint"] if survived else None,
        killed_by=[
            t["test_name"]
            for t in by_position.get(variant["position"], [])
            if t["outcome"] in ("failed", "error") and t["test_name"] in collected
        ],
        name=mutant["name"] if reveal_names else msgspec.UNSET,
    )


def _timings(row: Mapping[str, Any]) -> Timings:
    def millis(start: Any, end: Any) -> int | None:
        if start is None or end is None:
            return None
        return int((end - start).total_seconds() * 1000)

    return Timings(
        queued_ms=millis(row["created_at"], row["started_at"]),
        run_ms=millis(row["started_at"], row["finished_at"]),
    )
