"""A run as a document: JSON (the manifest, the progress and every sample with its evidence
and verdicts) or CSV (one row per sample, no long texts: the numbers to compare). Pure."""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence
from typing import Any

import msgspec

CSV_COLUMNS = (
    "run",
    "subject",
    "problem",
    "problem_version",
    "sample_index",
    "seed",
    "status",
    "reason",
    "score",
    "killed_weight",
    "total_weight",
    "killed_count",
    "total_count",
    "latency_ms",
    "prompt_tokens",
    "completion_tokens",
    "duration_ms",
    "submission_id",
    "error",
)
MEDIA_TYPES = {"json": "application/json", "csv": "text/csv; charset=utf-8"}


def as_json(run: Mapping[str, Any], samples: Sequence[Mapping[str, Any]]) -> bytes:
    return msgspec.json.encode({"run": run, "samples": samples})


def as_csv(run_id: int, samples: Sequence[Mapping[str, Any]]) -> str:
    """One row per sample; cells that a spreadsheet would run as a formula are quoted with
    a leading apostrophe."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for sample in samples:
        row = {**sample, "run": run_id}
        writer.writerow([_cell(row.get(column)) for column in CSV_COLUMNS])
    return out.getvalue()


def _cell(value: Any) -> str:
    if value is None:
        return ""
    text = str(value)
    return (
        "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") and _not_number(text) else text
    )


def _not_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return True
    return False


def file_name(run_id: int, export_format: str) -> str:
    return f"evaluation-{run_id}.{export_format}"
