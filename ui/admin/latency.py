"""/latency (admins): judge-duration p50/p95/p99 per problem over a window, each value in
the colour of its threshold level and the level in words (colour is never the only
signal), stale rows flagged; an hourly history chart of one problem; and the thresholds,
which an admin edits here (stored, audited, and read by the API's latency endpoint too)."""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi import Request
from fastapi.responses import RedirectResponse
from nicegui import ui

from appliance.metrics import reports
from appliance.metrics.reports import KeyLatencyView, LatencyHistory, LatencyReport
from appliance.vocabulary import KeyKind
from ui import session
from ui.admin.latency_widgets import LatencyBoard, cell
from ui.console import Console
from ui.i18n import number
from ui.layout import frame

KIND: KeyKind = "problem"


def now() -> datetime:
    """The page's clock (tests may move it)."""
    return datetime.now(UTC)


class LatencyPage(LatencyBoard[LatencyReport, KeyLatencyView]):
    """One browser tab's latency page: the board of latency_widgets.py per problem, and
    the thresholds under it."""

    mark = "latency"
    kind = KIND
    columns = ("problem", "p50", "p95", "p99", "count", "newest", "level")
    column_key = "latency.column.{}"
    caption_key = "latency.caption"
    empty_key = "latency.no_problems"
    stale_help_key = "latency.stale_help"

    thresholds_title_key = "latency.thresholds"
    thresholds_help_key = "latency.thresholds_help"

    def now(self) -> datetime:
        return now()

    async def build(self) -> None:
        await super().build()
        await self.thresholds()

    async def load_report(self) -> LatencyReport:
        return await self.page.console.call(reports.latency_report, KIND, self.window, now())

    async def load_history(self, key: str) -> LatencyHistory:
        return await self.page.console.call(reports.latency_history, KIND, key, self.hours, now())

    def caption_note(self, report: LatencyReport) -> str:
        return "" if report.exact else " " + self.page.t("latency.approximate")

    def middle_cells(self, item: KeyLatencyView) -> None:
        cell("td", number(item.count, self.page.locale), "p-2 text-right")


def register(console: Console) -> None:
    @ui.page("/latency")
    async def latency_page(request: Request) -> RedirectResponse | None:
        page = await session.guard(console, request, session.ADMIN)
        if isinstance(page, RedirectResponse):
            return page
        with frame(page, "nav.latency"):
            await LatencyPage(page).build()
        return None
