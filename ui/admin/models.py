"""/models (admins): the registered model endpoints with their current version (base URL,
model, sampling, prompt template by name and hash, whether a key is set: never the key),
one endpoint's immutable versions (who made each, when), the form that registers an
endpoint or adds a version (model_form.py), a connectivity check per endpoint
(endpoints.check: what answered and how fast, or why not) and the per-version latency of
the appliance's own requests (model_latency.py)."""

from __future__ import annotations

import hashlib

import msgspec
import psycopg
from fastapi import Request
from fastapi.responses import RedirectResponse
from nicegui import ui
from psycopg_pool import PoolTimeout

from appliance.audit.trail import Actor
from appliance.db import Row
from appliance.errors import ArenaError, NotFound
from appliance.models import endpoints, keys
from appliance.models.endpoints import DEFAULT_PROMPT_TEMPLATE, Check
from ui import i18n, session
from ui.admin import model_form
from ui.admin.model_form import ModelForm, Typed
from ui.admin.model_latency import ModelLatency
from ui.console import Console
from ui.i18n import Translate
from ui.layout import frame
from ui.session import Page
from ui.tables import Table

COLUMNS = (
    "models.column.name",
    "models.column.version",
    "models.column.endpoint",
    "models.column.sampling",
    "models.column.template",
    "models.column.api_key",
    "models.column.actions",
)
VERSION_COLUMNS = (
    "models.column.version",
    "models.column.endpoint",
    "models.column.sampling",
    "models.column.template",
    "models.column.api_key",
    "models.column.created",
)
UNAVAILABLE = (psycopg.OperationalError, PoolTimeout)
HASH_CHARS = 12


def register(console: Console) -> None:
    @ui.page("/models")
    async def models_page(request: Request) -> RedirectResponse | None:
        page = await session.guard(console, request, session.ADMIN)
        if isinstance(page, RedirectResponse):
            return page
        with frame(page, "nav.models"):
            await ModelsView(page).build()
        return None


async def acting_admin(page: Page, path: str) -> Actor | None:
    """The admin acting now: the page may have been open since their session ended, so
    each change checks it again (to the login, back to `path`, when it has)."""
    user = await session.current_user(page.console)
    if user is None or not user.is_admin:
        ui.navigate.to(f"/login?next={path}")
        return None
    return Actor(user, page.source)


def unavailable(t: Translate) -> None:
    """Where a section would be when the database cannot be read: said, not a dead page."""
    label = ui.label(t("error.unavailable")).classes("text-negative").props('role="alert"')
    label.mark("unavailable")


def template_words(t: Translate, template: str) -> str:
    """A template has no name: the shipped one is "default", any other "custom"; the hash
    tells two custom ones apart."""
    digest = hashlib.sha256(template.encode()).hexdigest()[:HASH_CHARS]
    kind = (
        "models.template_default"
        if template == DEFAULT_PROMPT_TEMPLATE
        else "models.template_custom"
    )
    return f"{t(kind)} · {digest}"


def sampling_words(t: Translate, sampling: dict[str, object]) -> str:
    seed = sampling.get("seed")
    return t(
        "models.sampling",
        temperature=sampling.get("temperature"),
        top_p=sampling.get("top_p"),
        max_tokens=sampling.get("max_tokens"),
        seed=t("common.none") if seed is None else seed,
    )


def check_words(t: Translate, found: Check) -> str:
    """How the check went, in the admin's language; the server's own words follow."""
    if found.ok:
        listed = " " + t("models.check_unlisted") if found.model_listed is False else ""
        return t("models.check_ok", ms=found.chat_latency_ms) + listed
    return t("models.check_failed", detail=found.detail)


class ModelsView:
    def __init__(self, page: Page) -> None:
        self.page = page
        self.t = page.t
        self.chosen: str | None = None
        self.checks: dict[str, ui.label] = {}

    async def build(self) -> None:
        # Dialogs live here: the listing is rebuilt after each change.
        self.anchor = ui.element()
        with ui.row().classes("items-center w-full"):
            ui.label(self.t("models.intro")).classes("text-sm opacity-80")
            ui.space()
            new = ui.button(self.t("models.new"), icon="add", on_click=lambda: self.open_form(None))
            new.mark("models-new")
        await self.listing()
        await self.versions()
        await ModelLatency(self.page).build()

    # -- the endpoints -----------------------------------------------------------------

    @ui.refreshable_method
    async def listing(self) -> None:
        self.checks = {}
        try:
            rows = await self.page.console.call(endpoints.all_endpoints)
        except UNAVAILABLE:
            unavailable(self.t)
            return
        if not rows:
            ui.label(self.t("models.empty")).classes("opacity-70").mark("models-empty")
            return
        if self.chosen is None:
            self.chosen = rows[0]["name"]
        with ui.element("div").classes("w-full overflow-x-auto"):
            table = Table([self.t(key) for key in COLUMNS], "models-table")
            for row in rows:
                self._row(table, row)

    def _row(self, table: Table, row: Row) -> None:
        t, name = self.t, row["name"]
        with table.row(f"model-{name}"):
            table.text(name, "font-medium whitespace-nowrap")
            table.text(t("models.version_of", number=row["number"], count=row["version_count"]))
            with table.cell():
                ui.label(row["base_url"]).classes("font-mono text-xs break-all")
                ui.label(t("models.model_name", model=row["model"]))
            table.text(sampling_words(t, row["sampling"]))
            table.text(template_words(t, row["prompt_template"]), "font-mono text-xs")
            table.text(t("models.key_set" if row["has_api_key"] else "models.key_unset"))
            with table.cell():
                with ui.row().classes("gap-1 no-wrap"):
                    self._actions(row)
                # The check's answer, under the buttons that asked for it.
                shown = ui.label("").classes("text-xs max-w-xs").props('role="status"')
                self.checks[name] = shown.mark(f"model-check-{name}")

    def _actions(self, row: Row) -> None:
        t, name = self.t, row["name"]
        for key, icon, handler in (
            ("models.check", "network_check", lambda: self.check(name)),
            ("models.show_versions", "history", lambda: self.show_versions(name)),
            ("models.add_version", "add", lambda: self.open_form(row)),
        ):
            button = ui.button(t(key), icon=icon, on_click=handler)
            label = t(f"{key}_named", name=name)
            button.props(f'flat dense no-caps no-wrap aria-label="{label}"')
            button.mark(f"{key.removeprefix('models.').replace('_', '-')}-{name}")

    async def check(self, name: str) -> None:
        t, shown = self.t, self.checks.get(name)
        if shown is None:
            return
        shown.classes(replace="text-xs max-w-xs")
        shown.text = t("models.checking")
        try:
            found = await self.page.console.call(endpoints.check, self.page.console.settings, name)
        except ArenaError as exc:  # the URL policy now, an unreadable key, a name gone
            shown.classes(replace="text-xs max-w-xs text-negative")
            shown.text = t("models.check_refused", detail=_check_refusal(t, exc))
            return
        except UNAVAILABLE:
            shown.text = t("error.unavailable")
            return
        colour = "text-positive" if found.ok else "text-negative"
        shown.classes(replace=f"text-xs max-w-xs {colour}")
        shown.text = check_words(t, found)

    # -- one endpoint's versions -------------------------------------------------------

    async def show_versions(self, name: str) -> None:
        self.chosen = name
        self.versions.refresh()

    @ui.refreshable_method
    async def versions(self) -> None:
        if self.chosen is None:
            return
        t, page = self.t, self.page
        try:
            found, rows = await page.console.call(endpoints.endpoint_with_versions, self.chosen)
        except NotFound:
            return
        except UNAVAILABLE:
            unavailable(t)
            return
        with ui.card().classes("w-full gap-2").mark("model-versions"):
            ui.label(t("models.versions_of", name=found["name"])).classes("font-semibold")
            ui.label(t("models.versions_help")).classes("text-sm opacity-80")
            with ui.element("div").classes("w-full overflow-x-auto"):
                table = Table([t(key) for key in VERSION_COLUMNS], "model-versions-table")
                for row in rows:
                    self._version_row(table, row, row["number"] == found["current_version"])

    def _version_row(self, table: Table, row: Row, current: bool) -> None:
        t, page = self.t, self.page
        with table.row(f"model-version-{row['number']}"):
            with table.cell():
                ui.label(f"#{row['number']}").classes("font-medium")
                if current:
                    ui.badge(t("models.current"), color="positive").mark("model-version-current")
            with table.cell():
                ui.label(row["base_url"]).classes("font-mono text-xs break-all")
                ui.label(t("models.model_name", model=row["model"]))
            table.text(sampling_words(t, row["sampling"]))
            table.text(template_words(t, row["prompt_template"]), "font-mono text-xs")
            table.text(t("models.key_set" if row["has_api_key"] else "models.key_unset"))
            who = row["created_by"] or t("models.by_command_line")
            when = i18n.moment(row["created_at"], page.zone, page.locale)
            table.text(t("models.created_by", who=who, when=when))

    # -- registering ---------------------------------------------------------------------

    def open_form(self, current: Row | None) -> None:
        ModelForm(self.t, current, self.submit).open(self.anchor)

    async def submit(self, typed: Typed, message: ui.label) -> bool:
        """Whether the version was registered; a refusal is said in `message`."""
        t = self.t
        try:
            body = model_form.request_body(typed)
        except msgspec.ValidationError as error:
            message.text = model_form.invalid_words(t, error)
            return False
        settings = self.page.console.settings
        try:
            by = await acting_admin(self.page, "/models")
            if by is None:
                return False
            done = await self.page.console.call(
                model_form.register_typed, settings, body, typed.keep_key, by
            )
        except ArenaError as exc:
            message.text = _refusal(t, exc)
            return False
        except UNAVAILABLE:
            message.text = t("error.unavailable")
            return False
        notice = "models.registered" if done.created else "models.registered_again"
        ui.notify(t(notice, name=body.name, number=done.number), type="positive")
        self.chosen = body.name
        self.listing.refresh()
        self.versions.refresh()
        return True


def _check_refusal(t: Translate, exc: ArenaError) -> str:
    """Why a check could not start: a key needs the model key to be read, not written."""
    if isinstance(exc, keys.NoModelKey) and "cannot be decrypted" not in exc.detail:
        return t("models.refused.check_no_model_key")
    return _refusal(t, exc)


def _refusal(t: Translate, exc: ArenaError) -> str:
    if isinstance(exc, NotFound):
        return t("models.gone")
    return model_form.refusal_words(t, exc)
