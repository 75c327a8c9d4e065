"""Headers and checks every console response gets.

- A Content-Security-Policy that lets pages load and connect to this host only: the
  air-gap holds in the browser too, even if a library asked for a CDN. NiceGUI needs
  inline scripts and styles and Vue's template compiler (eval).
- No framing (clickjacking), no MIME sniffing, no referrer to other hosts.
- The websocket that carries every console action accepts only pages of this same origin:
  with the random per-page client id and the strict same-site session cookie, a page of
  another site cannot act for a logged-in admin (CSRF).
- No request body larger than the largest upload (a catalog .zip) is read: a bigger one
  is refused before it is received, not after it sits in memory."""

from __future__ import annotations

from urllib.parse import urlsplit

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from appliance.problems.archive import MAX_ARCHIVE_BYTES

CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self' 'unsafe-inline' 'unsafe-eval'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data: blob:",
        "font-src 'self' data:",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)
HEADERS = (
    (b"content-security-policy", CONTENT_SECURITY_POLICY.encode()),
    (b"x-frame-options", b"DENY"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
)
SOCKET_PATH = "/_nicegui_ws/"
# The .zip upload is the console's only large body; its multipart framing adds a little.
MAX_BODY_BYTES = MAX_ARCHIVE_BYTES + 64 * 1024


def same_origin(headers: dict[bytes, bytes]) -> bool:
    """Whether a request comes from a page of this host. Browsers always send Origin on a
    websocket and on cross-site requests; a request without one is not a browser's
    cross-site request."""
    origin = headers.get(b"origin")
    if origin is None:
        return True
    return urlsplit(origin.decode("latin-1")).netloc == headers.get(b"host", b"").decode("latin-1")


class Hardening:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        if scope["path"].startswith(SOCKET_PATH) and not same_origin(headers):
            await _refuse(scope, send)
            return
        if scope["type"] == "websocket":
            await self.app(scope, receive, send)
            return
        if _declared_length(headers) > MAX_BODY_BYTES:
            await _too_large(send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), *HEADERS]
            await send(message)

        await self.app(scope, bounded(receive), send_with_headers)


def _declared_length(headers: dict[bytes, bytes]) -> int:
    try:
        return int(headers.get(b"content-length", b"0"))
    except ValueError:
        return 0  # not a length: the server refuses the request itself


def bounded(receive: Receive) -> Receive:
    """A body sent without a length (chunked) is cut off once it passes the limit: the
    page sees the client go away, as if it had disconnected."""
    received = 0

    async def receive_bounded() -> Message:
        nonlocal received
        message = await receive()
        if message["type"] == "http.request":
            received += len(message.get("body", b""))
            if received > MAX_BODY_BYTES:
                return {"type": "http.disconnect"}
        return message

    return receive_bounded


async def _too_large(send: Send) -> None:
    await send({"type": "http.response.start", "status": 413, "headers": list(HEADERS)})
    await send({"type": "http.response.body", "body": b"the request is too large"})


async def _refuse(scope: Scope, send: Send) -> None:
    if scope["type"] == "websocket":
        await send({"type": "websocket.close", "code": 1008})
        return
    await send({"type": "http.response.start", "status": 403, "headers": list(HEADERS)})
    await send({"type": "http.response.body", "body": b"cross-origin requests are refused"})
