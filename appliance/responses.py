"""The error envelope every failed request gets (DESIGN.md 6), and its place in the OpenAPI
document: each handler lists the error statuses it can answer, so that clients (and the
schemathesis run of the tests) can rely on the document for every response."""

from __future__ import annotations

from http import HTTPStatus

import msgspec
from litestar.openapi.datastructures import ResponseSpec


class ErrorBody(msgspec.Struct):
    """What went wrong, a stable machine-readable kind, and the request's id (also in the
    X-Request-ID header) to find it in the logs. Never a stack trace."""

    detail: str
    type: str
    request_id: str


def errors(*statuses: int) -> dict[int, ResponseSpec]:
    """The OpenAPI responses of a handler that can fail with `statuses`, and with 500 like
    any handler (an appliance fault still answers with the envelope)."""
    return {
        status: ResponseSpec(
            ErrorBody, generate_examples=False, description=HTTPStatus(status).phrase
        )
        for status in sorted({*statuses, 500})
    }
