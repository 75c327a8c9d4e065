"""Downloads of the console: plain HTTP GETs on the console's own app, so a file never
travels through a page's websocket. Each checks the console session as a page does (a
401 without one, a 403 for a user who may not see it) and streams its body with a
Content-Disposition, made by the same export code as the API's (appliance/exports)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import UTC, datetime

from fastapi import Request
from fastapi.responses import PlainTextResponse, Response, StreamingResponse
from nicegui import app

from appliance import __version__
from appliance.exports import documents, jobs
from appliance.exports.documents import ExportData, ExportRequest
from ui import session
from ui.console import Console

METRICS_EXPORT = "/metrics/export"
CHUNK = 64 * 1024


def now() -> datetime:
    return datetime.now(UTC)


def _moment(text: str | None) -> datetime:
    """An ISO 8601 moment; ValueError with the words a reader needs otherwise."""
    if not text:
        raise ValueError("start and end are required (ISO 8601 with a time zone)")
    return datetime.fromisoformat(text)


def export_request(request: Request, console: Console) -> ExportRequest:
    """The export the query describes, checked by the API's own rules (ValueError)."""
    query = request.query_params
    return documents.check_request(
        query.get("format", "csv"),
        query.get("metrics"),
        query.get("granularity", ""),
        _moment(query.get("start")),
        _moment(query.get("end")),
        console.settings.timezone,
        query.get("bom") in ("1", "true"),
    )


def _encoded(lines: Iterator[str]) -> Iterator[bytes]:
    for line in lines:
        yield line.encode()


def _chunks(body: bytes) -> Iterator[bytes]:
    for offset in range(0, len(body), CHUNK):
        yield body[offset : offset + CHUNK]


async def _body(data: ExportData) -> Iterator[bytes]:
    """The CSV line by line as it is written; the PDF (charts take a while) made in a
    thread first, then sent in chunks."""
    if data.request.format == "csv":
        return _encoded(documents.csv_lines(data, now(), __version__))
    pdf = await asyncio.to_thread(documents.pdf_bytes, data, now(), __version__)
    return _chunks(pdf)


def register(console: Console) -> None:
    @app.get(METRICS_EXPORT, include_in_schema=False)
    async def metrics_export(request: Request) -> Response:
        user = await session.current_user(console)
        if user is None:
            return PlainTextResponse("log in to the console first", status_code=401)
        if user.role not in session.ADMIN:
            return PlainTextResponse("metrics exports are for admins", status_code=403)
        try:
            wanted = export_request(request, console)
        except ValueError as exc:
            return PlainTextResponse(str(exc), status_code=400)
        data = await console.call(jobs.load, wanted)
        disposition = f'attachment; filename="{documents.file_name(wanted)}"'
        return StreamingResponse(
            await _body(data),
            media_type=documents.MEDIA_TYPES[wanted.format],
            headers={"Content-Disposition": disposition},
        )
