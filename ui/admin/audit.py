"""/audit: the audit trail for admins, newest first, a page at a time (paged in SQL),
filtered by actor, action and a range of days in the display time zone."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import Request
from fastapi.responses import RedirectResponse
from nicegui import ui

from appliance.audit import trail
from appliance.audit.trail import Event, Filters
from appliance.vocabulary import AUDIT_ACTIONS, AuditAction
from ui import i18n, session
from ui.console import Console
from ui.i18n import CATALOGS, Translate
from ui.layout import frame
from ui.session import Page
from ui.tables import Paging, cell, table_head

PAGE_SIZE = 50
COLUMNS = (
    "audit.when",
    "audit.who",
    "audit.what",
    "audit.target",
    "audit.detail",
    "audit.source",
)


def register(console: Console) -> None:
    @ui.page("/audit")
    async def audit_page(request: Request) -> RedirectResponse | None:
        page = await session.guard(console, request, session.ADMIN)
        if isinstance(page, RedirectResponse):
            return page
        with frame(page, "nav.audit"):
            await AuditView(page).build()
        return None


def action_label(page: Page, action: str) -> str:
    """The action in the admin's words; its code when the catalog has none (an action
    added to the vocabulary before its translation)."""
    key = f"audit.action_{action.replace('.', '_')}"
    return page.t(key) if key in CATALOGS[page.locale] else action


def day_range(first: date | None, last: date | None, zone: ZoneInfo) -> tuple[datetime | None, ...]:
    """From the start of `first` to the end of `last`, both days in `zone` (None: open)."""
    since = datetime.combine(first, time.min, zone) if first else None
    until = datetime.combine(last + timedelta(days=1), time.min, zone) if last else None
    return since, until


def parsed_day(text: str | None) -> date | None:
    """A browser date field's value (ISO), None when empty; ValueError when malformed."""
    return date.fromisoformat(text) if text else None


def detail_text(detail: dict[str, Any]) -> str:
    return ", ".join(f"{key}={value}" for key, value in sorted(detail.items())) or "-"


class AuditView:
    def __init__(self, page: Page) -> None:
        self.page = page
        self.t: Translate = page.t
        self.filters = Filters()
        self.paging: Paging[Event] = Paging(
            PAGE_SIZE,
            lambda limit, offset: page.console.call(trail.page, self.filters, limit, offset),
        )

    async def build(self) -> None:
        self.toolbar()
        await self.paging.load()
        self.listing()

    def toolbar(self) -> None:
        t = self.t
        with ui.row().classes("items-end gap-4 w-full"):
            self.actor = ui.input(t("audit.actor")).props("clearable outlined dense debounce=300")
            self.actor.mark("audit-actor").on_value_change(self.apply)
            actions = {"": t("audit.any_action")}
            actions |= {a: action_label(self.page, a) for a in AUDIT_ACTIONS}
            self.action = ui.select(actions, value="", label=t("audit.action"))
            self.action.props("outlined dense").classes("w-56").mark("audit-action")
            self.action.on_value_change(self.apply)
            self.since = ui.input(t("audit.since")).props("type=date outlined dense stack-label")
            self.since.mark("audit-since").on_value_change(self.apply)
            self.until = ui.input(t("audit.until")).props("type=date outlined dense stack-label")
            self.until.mark("audit-until").on_value_change(self.apply)
        self.message = ui.label("").classes("text-negative").props('role="alert"')
        self.message.mark("audit-message")

    async def apply(self) -> None:
        filters = self.read_filters()
        if filters is None:
            return
        self.filters, self.paging.number = filters, 1
        await self.reload()

    def read_filters(self) -> Filters | None:
        """The filters as typed, or None with the reason shown."""
        try:
            first, last = parsed_day(self.since.value), parsed_day(self.until.value)
        except ValueError:
            self.message.text = self.t("audit.bad_date")
            return None
        if first and last and first > last:
            self.message.text = self.t("audit.reversed")
            return None
        self.message.text = ""
        since, until = day_range(first, last, self.page.zone)
        actor = (self.actor.value or "").strip() or None
        action: AuditAction | None = self.action.value or None
        return Filters(actor, action, since, until)

    async def reload(self) -> None:
        if await self.paging.load():
            self.listing.refresh()

    @ui.refreshable_method
    def listing(self) -> None:
        t = self.t
        ui.label(t("audit.count", count=i18n.number(self.paging.total, self.page.locale)))
        if not self.paging.rows:
            ui.label(t("audit.empty")).classes("opacity-70").mark("audit-empty")
            return
        with ui.element("table").classes("w-full border-collapse").mark("audit-table"):
            table_head(t, COLUMNS)
            with ui.element("tbody"):
                for event in self.paging.rows:
                    self.row(event)
        self.paging.pager(t("audit.pages"), "audit-pages", self.reload)

    def row(self, event: Event) -> None:
        page = self.page
        with ui.element("tr").classes("border-b align-top").mark("audit-row"):
            cell(i18n.moment(event.at, page.zone, page.locale)).classes("whitespace-nowrap")
            cell(event.actor)
            cell(action_label(page, event.action)).props(f'title="{event.action}"')
            cell(event.target or "-")
            cell(detail_text(event.detail)).classes("font-mono text-sm break-all")
            cell(event.source or "-")
