"""A run as the API describes it: the run with its manifest and progress, its samples with
their evidence and the verdicts of their submissions, as plain values in the order of the
API's Structs (routes.py). The export of a run is built here once, for the API's
GET /api/v1/evaluations/{id}/export and for the console's download, so that both hand out
the same file."""

from __future__ import annotations

import dataclasses
from typing import Any

from appliance.db import Connection, Row
from appliance.evaluations import exports, queries, runs
from appliance.settings import Settings
from appliance.vocabulary import EvaluationExportFormat

RUN_FIELDS = (
    "id",
    "status",
    "problem_set",
    "samples",
    "seed",
    "rerun_of",
    "created_by",
    "created_at",
    "finished_at",
)
# The order of routes.Sample's fields: the JSON export keeps it (tests hold the two equal).
SAMPLE_FIELDS = (
    "id",
    "subject",
    "baseline",
    "problem",
    "problem_version",
    "difficulty",
    "tags",
    "sample_index",
    "seed",
    "status",
    "reason",
    "error",
    "score",
    "killed_weight",
    "total_weight",
    "killed_count",
    "total_count",
    "latency_ms",
    "prompt_tokens",
    "completion_tokens",
    "duration_ms",
    "attempts",
    "submission_id",
    "prompt",
    "response",
    "suite",
    "verdicts",
    "started_at",
    "finished_at",
)
VERDICT_FIELDS = ("kind", "name", "verdict", "duration_ms")


def run_summary(row: Row) -> dict[str, Any]:
    return {name: row[name] for name in RUN_FIELDS}


def run_detail(conn: Connection, settings: Settings, run_id: int) -> dict[str, Any]:
    """The run, its manifest and its progress (NotFound for an unknown run)."""
    row, progress = runs.show(conn, settings, run_id)
    return run_summary(row) | {
        "manifest": row["manifest"],
        "progress": dataclasses.asdict(progress),
    }


def samples(conn: Connection, run_id: int, limit: int | None, offset: int) -> list[dict[str, Any]]:
    """A page of the run's samples (all of them when `limit` is None), each with its
    evidence and the stored verdicts of its submission, by subject, problem and index."""
    rows = queries.samples(conn, run_id, limit, offset)
    ids = [str(r["submission_id"]) for r in rows if r["submission_id"] is not None]
    by_submission: dict[str, list[dict[str, Any]]] = {}
    for v in queries.verdicts(conn, ids) if ids else []:
        verdict = {name: v[name] for name in VERDICT_FIELDS}
        by_submission.setdefault(v["submission_id"], []).append(verdict)
    return [_sample(row, by_submission) for row in rows]


def _sample(row: Row, verdicts: dict[str, list[dict[str, Any]]]) -> dict[str, Any]:
    submission = str(row["submission_id"]) if row["submission_id"] is not None else None
    found = {"submission_id": submission, "verdicts": verdicts.get(submission or "", [])}
    return {name: found[name] if name in found else row[name] for name in SAMPLE_FIELDS}


def export(
    conn: Connection, settings: Settings, run_id: int, export_format: EvaluationExportFormat
) -> bytes:
    """The whole run as a file: JSON with every sample's evidence and verdicts, or CSV of
    the numbers (NotFound for an unknown run)."""
    detail = run_detail(conn, settings, run_id)
    every_sample = samples(conn, run_id, None, 0)
    if export_format == "csv":
        return exports.as_csv(run_id, every_sample).encode()
    return exports.as_json(detail, every_sample)
