"""HTTP edge of the metrics exports (issue 8), for admins: a CSV streamed at once, or, for
a PDF and for a CSV of more than SYNC_ROWS rows, a queued job and a download link that
answers for an hour (appliance/exports/jobs.py keeps the files)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, Any

import msgspec
from litestar import Response, get
from litestar.exceptions import ValidationException
from litestar.openapi.datastructures import ResponseSpec
from litestar.openapi.spec import (
    OpenAPIMediaType,
    OpenAPIResponse,
    OpenAPIType,
    Operation,
    Schema,
)
from litestar.params import PathParameter, QueryParameter
from litestar.response import File, Stream
from litestar.status_codes import HTTP_202_ACCEPTED
from rq.job import Job, JobStatus

from appliance import __version__, queue
from appliance.accounts.routes import require_admin
from appliance.errors import ArenaError, NotFound
from appliance.exports import documents, jobs
from appliance.exports.documents import ExportRequest
from appliance.injected import Broker, Config, CurrentUser, Db
from appliance.problems.bundle import NO_NUL
from appliance.responses import errors
from appliance.vocabulary import ExportFormat, Granularity

# A CSV up to this many rows streams at once (a 30-day hourly export of all seven metrics
# is 5,040); a longer one, and every PDF (charts take seconds), is made by a worker.
SYNC_ROWS = 10_000
MetricList = Annotated[
    str | None,
    QueryParameter(
        max_length=512,
        pattern=NO_NUL,
        description="comma-separated metric names; all of them when left out",
    ),
]
Moment = Annotated[
    datetime, QueryParameter(description="ISO 8601 with a time zone, e.g. 2025-03-01T00:00:00Z")
]
ExportId = Annotated[str, PathParameter(pattern="^[0-9a-f]{32}$")]


class ExportJob(msgspec.Struct):
    """An export being made by a worker: fetch `download_url` until it answers 200 (202
    while it is being made); it answers 404 from `expires_at` on."""

    id: str
    format: ExportFormat
    rows: int
    download_url: str
    expires_at: datetime


class ExportPending(msgspec.Struct):
    """The export is still being made; ask again after Retry-After seconds."""

    id: str
    detail: str


@dataclass
class _FileDownload(Operation):
    """The download's document: its 200 is a CSV or a PDF, whichever was asked for (one
    handler cannot declare two media types)."""

    def __post_init__(self) -> None:
        ok = (self.responses or {})["200"]
        assert isinstance(ok, OpenAPIResponse), "Litestar describes the 200 inline"
        ok.content = {
            media_type: OpenAPIMediaType(schema=Schema(type=OpenAPIType.STRING))
            for media_type in documents.MEDIA_TYPES.values()
        }


def clock() -> datetime:
    """Now; the tests replace it to move past an export's expiry."""
    return datetime.now(UTC)


def _accepted(body: type[msgspec.Struct], description: str) -> dict[int, ResponseSpec]:
    return {202: ResponseSpec(body, generate_examples=False, description=description)}


@get(
    "/api/v1/metrics/export",
    sync_to_thread=True,
    media_type=documents.MEDIA_TYPES["csv"],
    responses={
        **_accepted(ExportJob, "The export is being made: its download link"),
        **errors(400, 401, 403),
    },
)
def export_metrics(
    user: CurrentUser,
    conn: Db,
    broker: Broker,
    settings: Config,
    granularity: Annotated[Granularity, QueryParameter()],
    start: Moment,
    end: Moment,
    export_format: Annotated[ExportFormat, QueryParameter(name="format")] = "csv",
    metrics: MetricList = None,
    bom: Annotated[
        bool, QueryParameter(description="start a CSV with a UTF-8 BOM (Excel)")
    ] = False,
) -> Stream:
    """The metrics of a range as CSV (long format: a row per metric and bucket, a missed
    bucket as empty cells) streamed now, or as a PDF report made by a worker (202)."""
    require_admin(user)
    try:
        request = documents.check_request(
            export_format, metrics, granularity, start, end, settings.timezone, bom
        )
    except ValueError as exc:
        raise ValidationException(str(exc)) from exc
    if request.format == "pdf" or request.row_count() > SYNC_ROWS:
        return _queue_export(broker, request)  # type: ignore[return-value]
    lines = documents.csv_lines(jobs.load(conn, request), clock(), __version__)
    return Stream(
        _encoded(lines),
        media_type=documents.MEDIA_TYPES["csv"],
        headers={"Content-Disposition": f'attachment; filename="{documents.file_name(request)}"'},
    )


def _encoded(lines: Iterator[str]) -> Iterator[bytes]:
    for line in lines:
        yield line.encode()


def _queue_export(broker: Any, request: ExportRequest) -> Response[ExportJob]:
    export_id = jobs.new_export_id()
    expires_at = clock() + jobs.EXPORT_TTL
    queue.enqueue_export(broker, export_id, jobs.job_parameters(request, expires_at))
    body = ExportJob(
        export_id,
        request.format,
        request.row_count(),
        f"/api/v1/metrics/exports/{export_id}",
        expires_at,
    )
    return Response(body, status_code=HTTP_202_ACCEPTED, media_type="application/json")


@get(
    "/api/v1/metrics/exports/{export_id:str}",
    sync_to_thread=True,
    media_type="application/octet-stream",
    operation_class=_FileDownload,
    responses={
        **_accepted(ExportPending, "Still being made: ask again"),
        **errors(400, 401, 403, 404),
    },
)
def download_export(
    export_id: ExportId, user: CurrentUser, broker: Broker, settings: Config
) -> File:
    """A queued export's file (CSV or PDF), once made and for an hour after it was asked
    for; 404 afterwards."""
    require_admin(user)
    found = jobs.find_export(jobs.directory_of(settings), export_id, clock())
    if found is not None:
        return File(
            found.path,
            filename=found.file_name,
            media_type=found.media_type,
            content_disposition_type="attachment",
        )
    status = _job_status(broker, export_id)
    if status == JobStatus.FAILED:
        raise ArenaError(f"export {export_id} failed; the worker's log says why")
    if status in queue.WAITING_OR_RUNNING:
        return _still_pending(export_id)  # type: ignore[return-value]
    raise NotFound(f"no export {export_id} (an export link expires after an hour)")


def _job_status(broker: Any, export_id: str) -> JobStatus | None:
    job = Job.fetch_many([f"export-{export_id}"], connection=broker)[0]
    return None if job is None else job.get_status(refresh=False)


def _still_pending(export_id: str) -> Response[ExportPending]:
    return Response(
        ExportPending(export_id, "still being made"),
        status_code=HTTP_202_ACCEPTED,
        headers={"Retry-After": "2"},
        media_type="application/json",
    )


handlers = [export_metrics, download_export]
