"""A client of the OpenAI-compatible chat API that vLLM, Ollama, llama.cpp and TGI serve.

Paths: the base URL is either the server's root (http://10.0.0.5:8000) or its OpenAI API
root, which ends in /v1 (http://10.0.0.5:8000/v1, as OpenAI clients are configured). The
API root is the base URL when its path ends in /v1, else the base URL + /v1; requests go to
{API root}/chat/completions and {API root}/models.

Every fault of the server or the network (refused, timed out, an error status, a redirect,
a body that is not the API's JSON, a body over MAX_BODY_BYTES) comes back as a `Failure`
with its words, never as an exception; the API key is sent as a bearer token and is cut
out of anything a server says back. No proxy from the environment is used and redirects
are not followed: the URL policy (urls.py) decides where requests go."""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

import httpx

# A chat answer is a suite of a few KiB; a server sending more is cut off here.
MAX_BODY_BYTES = 4 * 1024 * 1024
# What a failure quotes of a server's answer.
QUOTED_CHARS = 300
FailureKind = Literal["timeout", "connection", "status", "response"]


@dataclass(frozen=True)
class Reply:
    text: str
    prompt_tokens: int | None  # None when the server does not report usage
    completion_tokens: int | None
    finish_reason: str | None
    latency_s: float


@dataclass(frozen=True)
class Failure:
    kind: FailureKind
    detail: str
    latency_s: float


@dataclass(frozen=True)
class ModelList:
    ids: list[str]
    latency_s: float


def api_root(base_url: str) -> str:
    base = base_url.rstrip("/")
    return base if base.endswith("/v1") else base + "/v1"


def new_client(timeout_s: float) -> httpx.Client:
    """A client for model servers: `timeout_s` to connect and for each read."""
    return httpx.Client(timeout=timeout_s, trust_env=False, follow_redirects=False)


def complete(
    client: httpx.Client,
    base_url: str,
    api_key: str | None,
    body: Mapping[str, Any],
) -> Reply | Failure:
    """One chat completion: `body` is the request (model, messages, sampling)."""
    url = api_root(base_url) + "/chat/completions"
    answer = _exchange(client, "POST", url, api_key, body)
    if isinstance(answer, Failure):
        return answer
    document, latency = answer
    return _reply(document, latency, url)


def list_models(client: httpx.Client, base_url: str, api_key: str | None) -> ModelList | Failure:
    url = api_root(base_url) + "/models"
    answer = _exchange(client, "GET", url, api_key, None)
    if isinstance(answer, Failure):
        return answer
    document, latency = answer
    data = document.get("data")
    if not isinstance(data, list):
        return Failure("response", f"{url} answered JSON without a list of models", latency)
    ids = [
        item["id"] for item in data if isinstance(item, dict) and isinstance(item.get("id"), str)
    ]
    return ModelList(ids, latency)


def _exchange(
    client: httpx.Client,
    method: str,
    url: str,
    api_key: str | None,
    body: Mapping[str, Any] | None,
) -> tuple[dict[str, Any], float] | Failure:
    """The JSON object a request answers with and the seconds it took, or why not (with
    the key cut out of whatever the server said)."""
    answer = _request(client, method, url, api_key, body)
    if isinstance(answer, Failure) and api_key:
        return Failure(answer.kind, answer.detail.replace(api_key, "[api key]"), answer.latency_s)
    return answer


def _request(
    client: httpx.Client,
    method: str,
    url: str,
    api_key: str | None,
    body: Mapping[str, Any] | None,
) -> tuple[dict[str, Any], float] | Failure:
    headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
    started = time.perf_counter()
    try:
        with client.stream(method, url, json=body, headers=headers) as response:
            raw = _read_capped(response)
            status = response.status_code
    except httpx.TimeoutException:
        return Failure("timeout", f"{url} did not answer in time", _since(started))
    except httpx.HTTPError as exc:
        return Failure("connection", f"{url}: {exc}", _since(started))
    latency = _since(started)
    if raw is None:
        return Failure("response", f"{url} answered more than {MAX_BODY_BYTES} bytes", latency)
    if status != 200:
        quoted = raw[:QUOTED_CHARS].decode(errors="replace")
        return Failure("status", f"{url} answered HTTP {status}: {quoted}", latency)
    try:
        document = json.loads(raw)
    except (ValueError, RecursionError):  # RecursionError: brackets nested thousands deep
        return Failure("response", f"{url} answered something that is not JSON", latency)
    if not isinstance(document, dict):
        return Failure("response", f"{url} answered JSON that is not an object", latency)
    return document, latency


def _read_capped(response: httpx.Response) -> bytes | None:
    chunks, size = [], 0
    for chunk in response.iter_bytes():
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


def _reply(document: dict[str, Any], latency: float, url: str) -> Reply | Failure:
    try:
        choice = document["choices"][0]
        text = choice["message"]["content"]
    except (KeyError, IndexError, TypeError):
        return Failure("response", f"{url} answered without choices[0].message", latency)
    if not isinstance(text, str):
        text = ""  # a model may answer with no content at all (null)
    reported = document.get("usage")
    usage: dict[str, Any] = reported if isinstance(reported, dict) else {}
    reason = choice.get("finish_reason")
    return Reply(
        text,
        _count(usage.get("prompt_tokens")),
        _count(usage.get("completion_tokens")),
        reason if isinstance(reason, str) else None,
        latency,
    )


def _count(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else None


def _since(started: float) -> float:
    return time.perf_counter() - started
