"""The form of /models that registers a model endpoint or adds a version to one.

It validates as the API does, with the API's own parts: the request body's Struct
(routes.NewModel: name, lengths, the sampling ranges), then endpoints.register (the URL
policy, the template's placeholders, the model key). Each refusal is said in the admin's
language and the form stays as typed: nothing is lost.

An API key never reaches the browser: a new version keeps the current one by reading it
back (sealed) on the server when the admin leaves the box ticked, and only when the new
version talks to the same server (scheme, host and port): a kept key is never sent to a
server it was not typed for."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import msgspec
from nicegui import ui

from appliance.audit.trail import Actor
from appliance.db import Connection, Row
from appliance.errors import ArenaError
from appliance.models import endpoints, keys, queries
from appliance.models.endpoints import DEFAULT_PROMPT_TEMPLATE, Registered, Registration
from appliance.models.routes import NewModel
from appliance.models.urls import RefusedUrl
from appliance.settings import Settings
from ui.i18n import Translate

# What endpoints.register's template check says, by the words it starts with: each becomes
# a sentence of the admin's language with the same facts. (The URL policy's refusals carry
# a code: urls.RefusedUrl.)
TEMPLATE_REFUSALS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"^prompt_template: a '\$' must start"), "dollar"),
    (re.compile(r"^prompt_template: unknown placeholders (?P<unknown>.*?);"), "placeholders"),
)
# The Struct's field (msgspec names it `$.path` in its error) and the sentence for it.
_ERROR_PATH = re.compile(r"at `\$\.(?P<path>[a-z_.]+)`")
FIELD_KEYS = {
    "name": "models.invalid.name",
    "base_url": "models.invalid.base_url",
    "model": "models.invalid.model",
    "api_key": "models.invalid.api_key",
    "sampling.temperature": "models.invalid.temperature",
    "sampling.top_p": "models.invalid.top_p",
    "sampling.max_tokens": "models.invalid.max_tokens",
    "sampling.seed": "models.invalid.seed",
    "prompt_template": "models.invalid.prompt_template",
}


@dataclass(frozen=True)
class Typed:
    """The form as the admin left it; `keep_key`: the new version keeps the current key."""

    name: str
    base_url: str
    model: str
    api_key: str
    keep_key: bool
    temperature: float | None
    top_p: float | None
    max_tokens: float | None
    seed: float | None
    prompt_template: str


def request_body(typed: Typed) -> NewModel:
    """The API's request body for what was typed (msgspec.ValidationError when it would be
    refused with 400); an empty key field is no new key."""
    sampling: dict[str, Any] = {
        "temperature": typed.temperature,
        "top_p": typed.top_p,
        "max_tokens": _whole(typed.max_tokens),
        "seed": _whole(typed.seed),
    }
    body = {
        "name": typed.name.strip(),
        "base_url": typed.base_url.strip(),
        "model": typed.model.strip(),
        "api_key": typed.api_key or None,
        "sampling": {k: v for k, v in sampling.items() if v is not None or k == "seed"},
        "prompt_template": typed.prompt_template,
    }
    return msgspec.convert(body, NewModel)


def _whole(value: float | None) -> float | int | None:
    """A number field gives floats; a whole one is the integer the API expects."""
    return int(value) if isinstance(value, float) and value.is_integer() else value


def invalid_words(t: Translate, error: msgspec.ValidationError) -> str:
    found = _ERROR_PATH.search(str(error))
    key = FIELD_KEYS.get(found["path"]) if found else None
    return t(key) if key else t("models.invalid.other", detail=str(error))


def refusal_words(t: Translate, exc: ArenaError) -> str:
    """endpoints.register's refusal in the admin's language; one this page does not know
    in the appliance's own words."""
    if isinstance(exc, KeyElsewhere):
        return t("models.refused.key_elsewhere")
    if isinstance(exc, keys.NoModelKey):
        unreadable = "cannot be decrypted" in exc.detail
        return t("models.refused.key_unreadable" if unreadable else "models.refused.no_model_key")
    if isinstance(exc, RefusedUrl):
        return t(f"models.refused.url.{exc.code}", **exc.values)
    for pattern, key in TEMPLATE_REFUSALS:
        found = pattern.match(exc.detail)
        if found:
            return t(f"models.refused.template.{key}", **found.groupdict())
    return exc.detail


def register_typed(
    conn: Connection, settings: Settings, body: NewModel, keep_key: bool, by: Actor
) -> Registered:
    """endpoints.register with the body; `keep_key` and no key typed: the endpoint's
    current key, unsealed here on the server, when the new URL names the same server as
    the current version's (KeyElsewhere otherwise: the key is typed again for a new one)."""
    api_key = body.api_key
    if api_key is None and keep_key:
        api_key = current_key(conn, settings, body.name, body.base_url)
    reg = Registration(
        body.name, body.base_url, body.model, api_key, body.sampling, body.prompt_template
    )
    return endpoints.register(conn, settings, reg, by)


def current_key(conn: Connection, settings: Settings, name: str, base_url: str) -> str | None:
    row = queries.current_version_with_key(conn, name)
    if row is None or row["api_key_encrypted"] is None:
        return None
    if origin(row["base_url"]) != origin(base_url):
        raise KeyElsewhere(f"the current API key of {name!r} is for another server")
    return keys.unseal(keys.require(settings.model_key), bytes(row["api_key_encrypted"]), name)


# The port a URL without one talks to.
_DEFAULT_PORTS = {"http": 80, "https": 443}


class KeyElsewhere(ArenaError):
    """The kept key was typed for another server than the new version's URL names."""


def origin(url: str) -> tuple[str, str, int | None]:
    """Scheme, host and port of `url`, as a server is told apart: the same server whatever
    the case or whether the default port is written."""
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    try:
        port = parts.port
    except ValueError:  # a port that is not a number: this URL matches no other
        return scheme, url.strip(), None
    return scheme, (parts.hostname or "").lower(), port or _DEFAULT_PORTS.get(scheme)


Submit = Callable[[Typed, ui.label], Awaitable[bool]]


class ModelForm:
    """The dialog: empty for a new endpoint, or the current version of `current` to change
    into a new one (its name fixed)."""

    def __init__(self, t: Translate, current: Row | None, submit: Submit) -> None:
        self.t = t
        self.current = current
        self.submit = submit

    def open(self, anchor: ui.element) -> None:
        t, current = self.t, self.current
        title = (
            t("models.new") if current is None else t("models.new_version", name=current["name"])
        )
        with anchor, ui.dialog() as dialog, ui.card().classes("gap-2 w-[46rem] max-w-full"):
            ui.label(title).classes("text-lg font-semibold").mark("model-form-title")
            fields = self._fields(current)
            message = ui.label("").classes("text-negative").props('role="alert"')
            message.mark("model-form-message")

            async def send() -> None:
                if await self.submit(self._typed(fields), message):
                    dialog.delete()

            with ui.row().classes("justify-end w-full"):
                ui.button(t("common.cancel"), on_click=dialog.delete).props("flat")
                ui.button(t("models.submit"), on_click=send).mark("model-form-submit")
        dialog.on_value_change(lambda e: None if e.value else dialog.delete())
        dialog.open()

    def _fields(self, current: Row | None) -> dict[str, Any]:
        t = self.t
        sampling = current["sampling"] if current else {}
        fields: dict[str, Any] = {}
        name = ui.input(t("models.field.name"), value=current["name"] if current else "")
        name.props("outlined dense" + (" readonly" if current else " autofocus"))
        fields["name"] = name.classes("w-full").mark("model-form-name")
        for key in ("base_url", "model"):
            field = ui.input(t(f"models.field.{key}"), value=current[key] if current else "")
            fields[key] = field.props("outlined dense").classes("w-full").mark(f"model-form-{key}")
        self._key_fields(fields, current)
        with ui.row().classes("gap-3 w-full no-wrap"):
            for key, default, step in (
                ("temperature", 0.2, 0.1),
                ("top_p", 1.0, 0.05),
                ("max_tokens", 2048, 256),
                ("seed", None, 1),
            ):
                figure = ui.number(t(f"models.field.{key}"), value=sampling.get(key, default))
                figure.props(f"outlined dense step={step}").classes("flex-1")
                fields[key] = figure.mark(f"model-form-{key}")
        template = current["prompt_template"] if current else DEFAULT_PROMPT_TEMPLATE
        area = ui.textarea(t("models.field.prompt_template"), value=template)
        area.props("outlined dense rows=8").classes("w-full font-mono text-xs")
        fields["prompt_template"] = area.mark("model-form-prompt_template")
        ui.label(t("models.template_help", names=", ".join(endpoints.PLACEHOLDERS)))
        return fields

    def _key_fields(self, fields: dict[str, Any], current: Row | None) -> None:
        t = self.t
        key = ui.input(t("models.field.api_key"), password=True, password_toggle_button=True)
        key.props("outlined dense autocomplete=new-password").classes("w-full")
        fields["api_key"] = key.mark("model-form-api_key")
        has_key = bool(current and current["has_api_key"])
        keep = ui.checkbox(t("models.keep_key"), value=has_key).mark("model-form-keep-key")
        keep.set_visibility(has_key)
        fields["keep_key"] = keep
        help_key = "models.key_help_kept" if has_key else "models.key_help"
        ui.label(t(help_key)).classes("text-xs opacity-70")
        if has_key:
            ui.label(t("models.key_same_server")).classes("text-xs opacity-70")

    def _typed(self, fields: dict[str, Any]) -> Typed:
        def value(key: str) -> Any:
            return fields[key].value

        return Typed(
            name=value("name") or "",
            base_url=value("base_url") or "",
            model=value("model") or "",
            api_key=value("api_key") or "",
            keep_key=bool(value("keep_key")),
            temperature=value("temperature"),
            top_p=value("top_p"),
            max_tokens=value("max_tokens"),
            seed=value("seed"),
            prompt_template=value("prompt_template") or "",
        )
