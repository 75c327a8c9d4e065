"""The Litestar application: app factory, shared dependencies, and the one place where
errors become HTTP responses (`{"detail", "type", "request_id"}`, never a stack trace)."""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import AsyncIterator
from typing import Any

import anyio
import psycopg
import redis
from litestar import Litestar, Request, Response
from litestar.datastructures import State
from litestar.di import Provide
from litestar.enums import ScopeType
from litestar.exceptions import HTTPException, ValidationException
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import JsonRenderPlugin, SwaggerRenderPlugin
from litestar.static_files import create_static_files_router
from litestar.types import ASGIApp, Message, Receive, Scope, Send
from psycopg_pool import PoolTimeout
from swagger_ui_bundle import swagger_ui_path  # type: ignore[import-untyped]

from appliance import __version__, db, queue
from appliance.accounts import routes as account_routes
from appliance.accounts.users import User, authenticate
from appliance.errors import ArenaError, RetryLater
from appliance.evaluations import routes as evaluation_routes
from appliance.exports import routes as export_routes
from appliance.feedback import routes as feedback_routes
from appliance.health import routes as health_routes
from appliance.injected import Db
from appliance.metrics import routes as metric_routes
from appliance.models import routes as model_routes
from appliance.planner import routes as planner_routes
from appliance.problems import routes as problem_routes
from appliance.registry import routes as registry_routes
from appliance.responses import ErrorBody
from appliance.settings import Settings, load
from appliance.submissions import routes as submission_routes

log = logging.getLogger(__name__)
MAX_BODY_BYTES = 8 * 1024 * 1024
# PostgreSQL connections per API process at most.
POOL_SIZE = 8
# How long a request waits for a pooled connection: the slots bound the waiters, so a wait
# this long means PostgreSQL is not answering, which is said at once (503), not in 30 s.
CONNECTION_WAIT_S = 5.0
# When to try again while PostgreSQL is away (a restart takes seconds).
DATABASE_RETRY_AFTER_S = 5
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
_PARAMETER_SOURCES = ("query", "path", "header", "cookie")
SWAGGER_ASSETS = "/schema/swagger-ui"
_STATUS_TYPES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "validation_error",
    429: "rate_limited",
    503: "unavailable",
}


def request_id_middleware(app: ASGIApp) -> ASGIApp:
    """Give every request an id (the client's X-Request-ID when sane) and echo it back."""

    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP:
            await app(scope, receive, send)
            return
        given = dict(scope["headers"]).get(b"x-request-id", b"").decode("latin-1")
        request_id = given if _REQUEST_ID.match(given) else uuid.uuid4().hex
        scope.setdefault("state", {})["request_id"] = request_id

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                headers.append((b"x-request-id", request_id.encode()))
                message["headers"] = headers
            await send(message)

        await app(scope, receive, send_with_id)

    return middleware


def error_response(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    status, kind, detail, headers = _describe(exc)
    if status >= 500 and not isinstance(exc, ArenaError):
        log.exception("unhandled error on %s %s", request.method, request.url.path)
    request_id = request.scope.get("state", {}).get("request_id", "")
    return Response(ErrorBody(detail, kind, request_id), status_code=status, headers=headers)


def _describe(exc: Exception) -> tuple[int, str, str, dict[str, str]]:
    if isinstance(exc, ArenaError):
        headers = {"Retry-After": str(exc.retry_after)} if isinstance(exc, RetryLater) else {}
        return exc.status_code, exc.error_type, exc.detail, headers
    if isinstance(exc, ValidationException):
        return _validation(exc)
    if isinstance(exc, PoolTimeout | psycopg.OperationalError):
        log.warning("PostgreSQL is not answering: %s", exc)
        detail = "the database is not answering; try again shortly"
        return 503, "unavailable", detail, {"Retry-After": str(DATABASE_RETRY_AFTER_S)}
    if isinstance(exc, HTTPException):
        status = exc.status_code
        return status, _STATUS_TYPES.get(status, "http_error"), str(exc.detail), {}
    return 500, "internal_error", "internal error; the request id is in the logs", {}


def _validation(exc: ValidationException) -> tuple[int, str, str, dict[str, str]]:
    """A body that is not JSON, or a bad parameter, is a 400; JSON of the wrong shape a 422."""
    items = [item for item in (exc.extra or []) if isinstance(item, dict)]
    if not items:
        return 400, "bad_request", str(exc.detail), {}
    detail = "; ".join(
        f"{item.get('key') or item.get('source') or 'body'}: {item.get('message')}"
        for item in items
    )
    if all(item.get("source") in _PARAMETER_SOURCES for item in items):
        return 400, "bad_request", detail, {}
    return 422, "validation_error", detail, {}


def provide_settings(state: State) -> Settings:
    return state.settings  # type: ignore[no-any-return]


async def provide_conn(state: State) -> AsyncIterator[db.Connection]:
    """A pooled connection for one request. It is awaited off the event loop, by at most
    POOL_SIZE requests at a time: a wait on the loop itself would stall the very requests
    that are about to give their connections back (the API hung under 50 readers)."""
    async with state.db_slots:
        conn = await anyio.to_thread.run_sync(state.pool.getconn, CONNECTION_WAIT_S)
        try:
            yield conn
        finally:
            state.pool.putconn(conn)


def provide_broker(state: State) -> redis.Redis:
    return state.broker  # type: ignore[no-any-return]


def provide_user(request: Request[Any, Any, Any], conn: Db) -> User:
    return authenticate(conn, request.headers.get("authorization"))


def docs_page() -> SwaggerRenderPlugin:
    """Swagger UI at /schema/swagger, its files from the pinned swagger-ui-bundle wheel and
    served by the API itself: the page loads nothing from outside (air-gapped hosts)."""
    return SwaggerRenderPlugin(
        js_url=f"{SWAGGER_ASSETS}/swagger-ui-bundle.js",
        css_url=f"{SWAGGER_ASSETS}/swagger-ui.css",
        standalone_preset_js_url=f"{SWAGGER_ASSETS}/swagger-ui-standalone-preset.js",
        favicon=f"<link rel='icon' type='image/png' href='{SWAGGER_ASSETS}/favicon-32x32.png'>",
        path="/swagger",
    )


def create_app(settings: Settings | None = None) -> Litestar:
    settings = settings or load()

    def start(app: Litestar) -> None:
        app.state.settings = settings
        app.state.pool = db.open_pool(settings.database_url, size=POOL_SIZE)
        app.state.db_slots = anyio.Semaphore(POOL_SIZE)
        app.state.broker = queue.connect(settings.redis_url)

    def stop(app: Litestar) -> None:
        app.state.pool.close()
        app.state.broker.close()

    return Litestar(
        route_handlers=[
            *health_routes.handlers,
            *account_routes.handlers,
            *problem_routes.handlers,
            *submission_routes.handlers,
            *export_routes.handlers,
            *metric_routes.handlers,
            *model_routes.handlers,
            *evaluation_routes.handlers,
            *registry_routes.handlers,
            *feedback_routes.handlers,
            *planner_routes.handlers,
            create_static_files_router(
                SWAGGER_ASSETS, directories=[str(swagger_ui_path)], include_in_schema=False
            ),
        ],
        dependencies={
            "settings": Provide(provide_settings, sync_to_thread=False),
            "conn": Provide(provide_conn),
            "broker": Provide(provide_broker, sync_to_thread=False),
            "user": Provide(provide_user, sync_to_thread=True),
        },
        exception_handlers={Exception: error_response},
        middleware=[request_id_middleware],
        on_startup=[start],
        on_shutdown=[stop],
        request_max_body_size=MAX_BODY_BYTES,
        openapi_config=OpenAPIConfig(
            title="QA Arena appliance",
            version=__version__,
            path="/schema",
            render_plugins=[JsonRenderPlugin(), docs_page()],
        ),
        debug=False,
    )
