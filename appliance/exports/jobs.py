"""The exports' effects: reading the snapshots an export shows (for the route, the job and
the CLI alike), the queued job that writes a large export to a file, and the clean-up of
expired files (the scheduler calls `delete_expired_exports`).

An export file lives in `settings.data_dir / "exports"` under a random 128-bit name, so
its link cannot be guessed, beside a small JSON sidecar of the same name that says what it
is and when it expires. No table: the files are the truth about themselves, nothing else
refers to them, and they vanish within the hour. The expiry is fixed when the export is
asked for (the 202 response tells it) and travels with the job; the data file is written
first and the sidecar last, each renamed into place, so a sidecar always describes a
complete file. A directory listing with a data file but no sidecar is a write that died;
it is deleted once older than the time an export lives.
"""

from __future__ import annotations

import json
import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from appliance import __version__
from appliance.db import Connection, Row
from appliance.exports import documents, queries
from appliance.exports.documents import ExportData, ExportRequest, Snapshots
from appliance.metrics.histogram import Histogram
from appliance.metrics.summary import Summary
from appliance.settings import Settings
from appliance.vocabulary import EXPORT_FORMATS, ExportFormat

if TYPE_CHECKING:  # the API imports this module and must not load the worker's Docker side
    from appliance.workers.worker import WorkerContext

EXPORT_TTL = timedelta(hours=1)
SIDECAR = ".json"
# Group-readable files in a setgid directory: the worker writes them, the API serves them
# and the scheduler deletes them, three users of one group (Dockerfile).
FILE_MODE, DIRECTORY_MODE = 0o640, 0o2770


# -- the data --------------------------------------------------------------------------------


def load(conn: Connection, request: ExportRequest) -> ExportData:
    """The snapshots of the request's range and of the range before it."""
    previous = request.previous
    return ExportData(
        request,
        _snapshots(conn, request, request.start, request.end),
        _snapshots(conn, request, previous.start, previous.end),
    )


def _snapshots(
    conn: Connection, request: ExportRequest, start: datetime, end: datetime
) -> Snapshots:
    by_metric: dict[Any, dict[datetime, Summary]] = {}
    for row in queries.export_snapshots(conn, request.metrics, request.granularity, start, end):
        by_metric.setdefault(row["metric"], {})[row["bucket_start"]] = _snapshot(row)
    return by_metric


def _snapshot(row: Row) -> Summary:
    histogram = row["histogram"]
    return Summary(
        row["value"],
        row["n"],
        row["sum"],
        row["min"],
        row["max"],
        None if histogram is None else Histogram.from_json(histogram),
    )


def render(data: ExportData, generated_at: datetime) -> bytes:
    """The whole export as the file holds it."""
    if data.request.format == "pdf":
        return documents.pdf_bytes(data, generated_at, __version__)
    return "".join(documents.csv_lines(data, generated_at, __version__)).encode()


# -- export files --------------------------------------------------------------------------


@dataclass(frozen=True)
class ExportFile:
    """A finished export: where its bytes are and how to hand them out."""

    path: Path
    file_name: str
    media_type: str
    expires_at: datetime


def new_export_id() -> str:
    return secrets.token_hex(16)


def directory_of(settings: Settings) -> Path:
    return settings.data_dir / "exports"


def job_parameters(request: ExportRequest, expires_at: datetime) -> dict[str, Any]:
    """What the queued job needs to make the export again (plain data: it goes through
    Redis). The display zone is the worker's own setting, the same as the API's."""
    return {
        "format": request.format,
        "metrics": list(request.metrics),
        "granularity": request.granularity,
        "start": request.start.isoformat(),
        "end": request.end.isoformat(),
        "bom": request.bom,
        "expires_at": expires_at.isoformat(),
    }


def write_export(ctx: WorkerContext, export_id: str, parameters: Mapping[str, Any]) -> int:
    """The job: make the export and write it where the download link finds it; its size."""
    request = _request_of(parameters, ctx.settings.timezone)
    body = render(load(ctx.conn, request), datetime.now(UTC))
    directory = _ready_directory(directory_of(ctx.settings))
    _write_atomically(directory / f"{export_id}.{request.format}", body)
    sidecar = {
        "format": request.format,
        "file_name": documents.file_name(request),
        "expires_at": parameters["expires_at"],
    }
    _write_atomically(directory / f"{export_id}{SIDECAR}", json.dumps(sidecar).encode())
    return len(body)


def _request_of(parameters: Mapping[str, Any], zone: ZoneInfo) -> ExportRequest:
    return documents.check_request(
        parameters["format"],
        ",".join(parameters["metrics"]),
        parameters["granularity"],
        datetime.fromisoformat(parameters["start"]),
        datetime.fromisoformat(parameters["end"]),
        zone,
        bool(parameters["bom"]),
    )


def _ready_directory(directory: Path) -> Path:
    if not directory.is_dir():
        directory.mkdir(parents=True, exist_ok=True)
        directory.chmod(DIRECTORY_MODE)  # mkdir's mode is cut by the umask
    return directory


def _write_atomically(path: Path, body: bytes) -> None:
    partial = path.with_name(f".{path.name}.partial")
    descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, FILE_MODE)
    with os.fdopen(descriptor, "wb") as out:
        out.write(body)
    os.replace(partial, path)


def find_export(directory: Path, export_id: str, now: datetime) -> ExportFile | None:
    """The finished export `export_id` if it has not expired at `now`."""
    sidecar = _read_sidecar(directory / f"{export_id}{SIDECAR}")
    if sidecar is None or sidecar["expires_at"] <= now:
        return None
    file_format: ExportFormat = sidecar["format"]
    path = directory / f"{export_id}.{file_format}"
    if not path.is_file():
        return None
    return ExportFile(
        path, sidecar["file_name"], documents.MEDIA_TYPES[file_format], sidecar["expires_at"]
    )


def _read_sidecar(path: Path) -> dict[str, Any] | None:
    try:
        sidecar: dict[str, Any] = json.loads(path.read_bytes())
        sidecar["expires_at"] = datetime.fromisoformat(sidecar["expires_at"])
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if sidecar.get("format") not in EXPORT_FORMATS:
        return None
    return sidecar


def delete_expired_exports(directory: Path, now: datetime) -> int:
    """Delete every export file expired at `now`, and what a write that died left behind
    once it is as old as an export lives; the number of files deleted. The scheduler's
    job (DESIGN.md 7)."""
    if not directory.is_dir():
        return 0
    # Judged all first: a data file must not outlive its sidecar's verdict.
    expired = [path for path in directory.iterdir() if path.is_file() and _is_expired(path, now)]
    for path in expired:
        path.unlink(missing_ok=True)
    return len(expired)


def _is_expired(path: Path, now: datetime) -> bool:
    export_id = path.name.lstrip(".").split(".")[0]
    sidecar = _read_sidecar(path.with_name(f"{export_id}{SIDECAR}"))
    if sidecar is not None:
        return bool(sidecar["expires_at"] <= now)
    modified = datetime.fromtimestamp(path.stat().st_mtime, UTC)
    return modified + EXPORT_TTL <= now
