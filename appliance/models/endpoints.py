"""Model endpoints: registering one (a new immutable version whenever anything changes, the
existing one when nothing did), listing and showing them, and checking that one answers.

What a version holds is hashed (`content_hash`): the base URL, the model, the sampling
parameters, the prompt template and an HMAC of the API key (keys.py), so a change of key is
a change too. The version a registration names becomes the endpoint's current one."""

from __future__ import annotations

import hashlib
import json
import string
from dataclasses import dataclass
from typing import Annotated, Any

import msgspec

from appliance.audit import trail
from appliance.audit.trail import Actor
from appliance.db import Connection, Row
from appliance.errors import Invalid, NotFound
from appliance.models import chat, keys, queries, urls
from appliance.settings import Settings

# What a prompt template may name (string.Template: $statement or ${statement}); evaluation
# runs fill them in from the problem version (issue 11, item 3).
PLACEHOLDERS = ("title", "statement", "signature", "examples", "golden")
# A check waits this long at most per request, whatever a generation may take: an admin is
# waiting for it.
CHECK_TIMEOUT_S = 30.0
DEFAULT_PROMPT_TEMPLATE = """\
Write a pytest test suite for the Python function described below. The code under test is
importable as the module `target` (for instance `from target import *`). Test its behaviour:
the usual cases, the boundaries and the errors it raises. Answer with one Python code block
holding the whole test file and nothing else.

# $title

$statement

Signature: `$signature`

Examples:
$examples
$golden"""


class Sampling(msgspec.Struct, forbid_unknown_fields=True):
    """Sent with every chat request of the version; `seed` only when set."""

    temperature: Annotated[float, msgspec.Meta(ge=0, le=2)] = 0.2
    top_p: Annotated[float, msgspec.Meta(gt=0, le=1)] = 1.0
    max_tokens: Annotated[int, msgspec.Meta(ge=1, le=32768)] = 2048
    seed: Annotated[int, msgspec.Meta(ge=0, le=2**63 - 1)] | None = None


@dataclass(frozen=True)
class Registration:
    name: str
    base_url: str
    model: str
    api_key: str | None
    sampling: Sampling
    prompt_template: str


@dataclass(frozen=True)
class Registered:
    number: int
    created: bool  # False: identical content, the existing version


@dataclass(frozen=True)
class Check:
    """How an endpoint answered: `detail` says it in words (and why not, when not ok)."""

    name: str
    version: int
    ok: bool
    detail: str
    models_latency_ms: int | None
    chat_latency_ms: int | None
    model_listed: bool | None  # None when the model list could not be read


def checked_template(template: str) -> str:
    parsed = string.Template(template)
    if not parsed.is_valid():
        raise Invalid("prompt_template: a '$' must start a placeholder or be written '$$'")
    unknown = sorted(set(parsed.get_identifiers()) - set(PLACEHOLDERS))
    if unknown:
        raise Invalid(
            f"prompt_template: unknown placeholders {', '.join(unknown)};"
            f" known: {', '.join(PLACEHOLDERS)}"
        )
    return template


def content_hash(
    base_url: str, model: str, sampling: Sampling, template: str, key_print: str | None
) -> str:
    document = {
        "base_url": base_url,
        "model": model,
        "sampling": msgspec.to_builtins(sampling),
        "prompt_template": template,
        "api_key_hmac": key_print,
    }
    return hashlib.sha256(json.dumps(document, sort_keys=True).encode()).hexdigest()


def register(
    conn: Connection,
    settings: Settings,
    reg: Registration,
    by: Actor | None = None,
    resolver: urls.Resolver = urls.resolve,
) -> Registered:
    """The version `reg` describes, made current: a new one, or the existing identical one.
    An API key needs the appliance's model key (keys.NoModelKey otherwise)."""
    base_url = urls.checked(reg.base_url, settings.model_hosts, resolver)
    template = checked_template(reg.prompt_template)
    master = keys.require(settings.model_key) if reg.api_key else None
    key_print = keys.fingerprint(master, reg.api_key) if master and reg.api_key else None
    stored = {
        "base_url": base_url,
        "model": reg.model,
        "sampling": msgspec.to_builtins(reg.sampling),
        "prompt_template": template,
        "content_hash": content_hash(base_url, reg.model, reg.sampling, template, key_print),
    }
    user_id = by.user.id if by else None
    with conn.transaction():
        queries.ensure_endpoint(conn, reg.name, user_id)
        endpoint = queries.endpoint_for_update(conn, reg.name)
        found = queries.version_by_hash(conn, endpoint["id"], stored["content_hash"])
        if found is None:
            sealed = _sealed(master, reg)
            version = queries.insert_version(conn, endpoint["id"], stored, sealed, user_id)
        else:
            version = found
        queries.set_current_version(conn, endpoint["id"], version["id"])
        if by is not None and endpoint["current_version_id"] != version["id"]:
            _audit(conn, by, reg, version["number"], base_url)
    return Registered(version["number"], created=found is None)


def _audit(conn: Connection, by: Actor, reg: Registration, number: int, base_url: str) -> None:
    """A version made current, with what it is; whether it has a key, never the key."""
    has_api_key = bool(reg.api_key)
    detail = {"version": number, "base_url": base_url, "model": reg.model}
    trail.record_by(conn, by, "model.register", reg.name, **detail, has_api_key=has_api_key)


def _sealed(master: bytes | None, reg: Registration) -> bytes | None:
    if master is None or not reg.api_key:
        return None
    return keys.seal(master, reg.api_key, reg.name, keys.new_nonce())


def all_endpoints(conn: Connection) -> list[Row]:
    return queries.endpoints(conn)


def endpoint_with_versions(conn: Connection, name: str) -> tuple[Row, list[Row]]:
    found = queries.endpoint(conn, name)
    if found is None:
        raise NotFound(f"no model endpoint named {name!r}")
    return found, queries.versions_of(conn, found["id"])


def check(
    conn: Connection, settings: Settings, name: str, resolver: urls.Resolver = urls.resolve
) -> Check:
    """A real request to the endpoint's current version: its model list, then a one-token
    chat. Every fault of the server is in the result; only a missing endpoint, a URL the
    policy now refuses and an undecryptable key raise."""
    row = queries.current_version_with_key(conn, name)
    if row is None:
        raise NotFound(f"no model endpoint named {name!r}")
    base_url = urls.checked(row["base_url"], settings.model_hosts, resolver)
    api_key = _api_key(settings, row["api_key_encrypted"], name)
    with chat.new_client(min(settings.model_timeout_seconds, CHECK_TIMEOUT_S)) as client:
        listed = chat.list_models(client, base_url, api_key)
        answer = chat.complete(client, base_url, api_key, _ping(row["model"]))
    return _check_result(name, row, listed, answer)


def _api_key(settings: Settings, sealed: bytes | None, name: str) -> str | None:
    if sealed is None:
        return None
    return keys.unseal(keys.require(settings.model_key), bytes(sealed), name)


def _ping(model: str) -> dict[str, Any]:
    return {
        "model": model,
        "messages": [{"role": "user", "content": "Say OK."}],
        "max_tokens": 1,
        "temperature": 0,
    }


def _check_result(
    name: str, row: Row, listed: chat.ModelList | chat.Failure, answer: chat.Reply | chat.Failure
) -> Check:
    model = row["model"]
    model_listed = model in listed.ids if isinstance(listed, chat.ModelList) else None
    words = [_listed_words(listed, model)]
    if isinstance(answer, chat.Failure):
        words.append(f"the chat request failed ({answer.kind}): {answer.detail}")
    else:
        words.append(f"a one-token chat answered in {_ms(answer.latency_s)} ms")
    return Check(
        name,
        row["number"],
        ok=isinstance(answer, chat.Reply),
        detail="; ".join(words),
        models_latency_ms=_ms(listed.latency_s) if isinstance(listed, chat.ModelList) else None,
        chat_latency_ms=_ms(answer.latency_s) if isinstance(answer, chat.Reply) else None,
        model_listed=model_listed,
    )


def _listed_words(listed: chat.ModelList | chat.Failure, model: str) -> str:
    if isinstance(listed, chat.Failure):
        return f"the model list could not be read ({listed.kind}): {listed.detail}"
    if model in listed.ids:
        return f"the server lists {model!r}"
    return f"the server does not list {model!r} (it lists {', '.join(listed.ids[:10]) or 'none'})"


def _ms(seconds: float) -> int:
    return round(seconds * 1000)
