"""The HTTP edge: the appliance's API v1 through httpx, every failure turned into one
readable ApiError (never a traceback, never the token)."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import httpx

from arena_client import __version__

TIMEOUT_S = 30.0


class ApiError(Exception):
    """The appliance could not be reached or refused the request; str() is the message."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class Api:
    def __init__(self, url: str, token: str, timeout_s: float = TIMEOUT_S) -> None:
        self.url = url.rstrip("/")
        self._client = httpx.Client(
            base_url=self.url,
            headers={
                "Authorization": f"Bearer {token}",
                "User-Agent": f"arena-client/{__version__}",
            },
            timeout=timeout_s,
        )

    def __enter__(self) -> Api:
        return self

    def __exit__(self, *_: object) -> None:
        self._client.close()

    def problems(self, difficulty: str | None, tag: str | None, page: int) -> Any:
        params = {"difficulty": difficulty, "tag": tag, "page": page, "page_size": 100}
        return self._request("GET", "/api/v1/problems", params=_present(params))

    def problem(self, slug: str) -> Any:
        return self._request("GET", f"/api/v1/problems/{_segment(slug)}")

    def submit(self, slug: str, code: str) -> Any:
        return self._request("POST", "/api/v1/submissions", json={"problem": slug, "code": code})

    def submission(self, submission_id: str) -> Any:
        return self._request("GET", f"/api/v1/submissions/{_segment(submission_id)}")

    def submissions(self, slug: str | None, page: int) -> Any:
        params = {"problem": slug, "page": page, "page_size": 100}
        return self._request("GET", "/api/v1/submissions", params=_present(params))

    def _request(self, method: str, path: str, **kwargs: Any) -> Any:
        try:
            response = self._client.request(method, path, **kwargs)
        except (httpx.HTTPError, httpx.InvalidURL) as exc:
            raise ApiError(_transport_message(self.url, exc)) from None
        if response.is_error:
            raise ApiError(error_message(response), response.status_code)
        try:
            return response.json()
        except ValueError:
            raise ApiError(f"{self.url} answered {path} with something that is not JSON") from None


def error_message(response: httpx.Response) -> str:
    """The API's own `detail` when it sent one, else the HTTP status; plus when to retry."""
    try:
        body = response.json()
    except ValueError:
        body = None
    detail = body.get("detail") if isinstance(body, dict) else None
    message = str(detail) if detail else f"HTTP {response.status_code} {response.reason_phrase}"
    if response.status_code == 401:
        message = f"the appliance refused the token ({message}): run `arena login` again"
    if retry_after := response.headers.get("Retry-After"):
        message += f" (retry after {retry_after} s)"
    return message


def _transport_message(url: str, exc: httpx.HTTPError | httpx.InvalidURL) -> str:
    if isinstance(exc, httpx.ConnectError):
        return f"cannot reach the appliance at {url}: {_reason(exc)}"
    if isinstance(exc, httpx.TimeoutException):
        return f"the appliance at {url} did not answer in time"
    if isinstance(exc, httpx.UnsupportedProtocol | httpx.InvalidURL):
        return f"not a usable appliance URL {url!r}: {exc}"
    return f"talking to the appliance at {url} failed: {_reason(exc)}"


def _reason(exc: Exception) -> str:
    text = str(exc)
    return text.split("] ", 1)[-1] if text.startswith("[Errno") else text or type(exc).__name__


def _present(params: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in params.items() if value is not None}


def _segment(value: str) -> str:
    """One path segment, so a slug like '../x' cannot reach another endpoint."""
    return quote(value, safe="")
