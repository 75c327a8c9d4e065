"""/latency (admins): judge-duration p50/p95/p99 per problem over a window, each value in
the colour of its threshold level and the level in words (colour is never the only
signal), stale rows flagged; an hourly history chart of one problem; and the thresholds,
which an admin edits here (stored, audited, and read by the API's latency endpoint too)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from fastapi import Request
from fastapi.responses import RedirectResponse
from nicegui import ui

from appliance.metrics import latency, reports
from appliance.metrics.reports import KeyLatencyView, LatencyHistory, LatencyReport
from appliance.metrics.thresholds import Thresholds, ThresholdsRefused, level
from appliance.vocabulary import KeyKind, LatencyWindow, Level
from ui import session
from ui.console import Console
from ui.i18n import moment, number
from ui.layout import frame
from ui.session import Page

KIND: KeyKind = "problem"
WINDOWS: tuple[LatencyWindow, ...] = tuple(reports.WINDOWS)
HISTORY_HOURS = (24, 72, 168, 720)
# Background and text of a level's cell: readable on both, and the word is shown too.
LEVEL_CLASSES: dict[Level, str] = {
    "good": "bg-green-100 text-green-900",
    "warning": "bg-amber-100 text-amber-900",
    "danger": "bg-red-100 text-red-900",
}
PERCENTILES = ("p50_ms", "p95_ms", "p99_ms")
LINE_COLORS = ("#2e7d32", "#1f5fa8", "#6a1b9a")


def now() -> datetime:
    """The page's clock (tests may move it)."""
    return datetime.now(UTC)


def history_options(history: LatencyHistory, thresholds: Thresholds, page: Page) -> dict[str, Any]:
    """p50, p95 and p99 per UTC hour (labelled in the display zone), an idle hour a gap,
    with the two thresholds as dashed lines."""
    labels = [p.start.astimezone(page.zone).strftime("%m-%d %H:%M") for p in history.points]
    marks = [
        {"yAxis": thresholds.warning_from, "name": page.t("latency.level.warning")},
        {"yAxis": thresholds.danger_from, "name": page.t("latency.level.danger")},
    ]
    series: list[dict[str, Any]] = [
        {
            "name": name.removesuffix("_ms"),
            "type": "line",
            "connectNulls": False,
            # Every hour's dot (one between two gaps has no line to show it), smaller when many.
            "showSymbol": True,
            "showAllSymbol": True,
            "symbolSize": 4 if len(labels) <= 200 else 2,
            "color": LINE_COLORS[index],
            "data": [getattr(p, name) for p in history.points],
        }
        for index, name in enumerate(PERCENTILES)
    ]
    series[1]["markLine"] = {
        "symbol": "none",
        "lineStyle": {"type": "dashed"},
        "label": {"position": "insideEndTop", "formatter": "{b} {c} ms"},
        "data": marks,
    }
    return {
        "animation": False,
        "aria": {"enabled": True},
        "grid": {"left": 64, "right": 24, "top": 36, "bottom": 28},
        "legend": {"top": 0},
        "tooltip": {"trigger": "axis"},
        "xAxis": {"type": "category", "boundaryGap": False, "data": labels},
        "yAxis": {"type": "value", "min": 0, "name": "ms"},
        "series": series,
    }


class LatencyPage:
    """One browser tab's latency page."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.window: LatencyWindow = "24h"
        self.key: str | None = None
        self.hours = 24

    async def build(self) -> None:
        t = self.page.t
        window = ui.toggle(
            {w: t(f"latency.window.{w}") for w in WINDOWS},
            value=self.window,
            on_change=lambda e: self.set_window(e.value),
        )
        window.props(f'aria-label="{t("latency.window")}"').mark("latency-window")
        await self.table()
        await self.history()
        await self.thresholds()

    async def set_window(self, value: LatencyWindow) -> None:
        self.window = value
        self.table.refresh()

    # -- the table ---------------------------------------------------------------------

    @ui.refreshable_method
    async def table(self) -> None:
        report = await self.page.console.call(reports.latency_report, KIND, self.window, now())
        if self.key is None and report.items:
            self.key = report.items[0].key
        t = self.page.t
        ui.label(
            t(
                "latency.caption",
                warning=number(report.warning_from_ms, self.page.locale),
                danger=number(report.danger_from_ms, self.page.locale),
            )
            + ("" if report.exact else " " + t("latency.approximate"))
        ).classes("text-sm opacity-80").mark("latency-caption")
        if not report.items:
            ui.label(t("latency.no_problems")).mark("latency-empty")
            return
        self._table(report)

    def _table(self, report: LatencyReport) -> None:
        t = self.page.t
        thresholds = Thresholds(report.warning_from_ms, report.danger_from_ms)
        with ui.element("table").classes("w-full text-sm border-collapse").mark("latency-table"):
            with ui.element("thead"), ui.element("tr"):
                for key in ("problem", "p50", "p95", "p99", "count", "newest", "level"):
                    side = "text-left" if key in ("problem", "newest") else "text-right"
                    _cell("th", t(f"latency.column.{key}"), f"{side} p-2 border-b")
            with ui.element("tbody"):
                for item in report.items:
                    self._row(item, thresholds)

    def _row(self, item: KeyLatencyView, thresholds: Thresholds) -> None:
        t, locale = self.page.t, self.page.locale
        with ui.element("tr").classes("border-b").mark(f"latency-row-{item.key}"):
            with ui.element("td").classes("p-2"):
                ui.button(item.key, on_click=lambda: self.show_history(item.key)).props(
                    "flat dense no-caps"
                ).mark(f"latency-pick-{item.key}")
            for name in PERCENTILES:
                value = getattr(item, name)
                self._value_cell(value, level(value, thresholds))
            _cell("td", number(item.count, locale), "p-2 text-right")
            with ui.element("td").classes("p-2"):
                ui.label(moment(item.newest_at, self.page.zone, locale))
                if item.stale:
                    stale = ui.badge(t("latency.stale"), color="grey-7").mark("latency-stale")
                    stale.tooltip(t("latency.stale_help"))
            self._value_cell(None, item.level, words_only=True)

    def _value_cell(
        self, value: float | None, found: Level | None, words_only: bool = False
    ) -> None:
        t, locale = self.page.t, self.page.locale
        classes = "p-2 text-right " + (LEVEL_CLASSES[found] if found else "")
        if found is None:
            text = t("latency.idle")
        elif words_only:
            text = t(f"latency.level.{found}")
        else:
            text = f"{number(value, locale)} ms · {t(f'latency.level.{found}')}"
        _cell("td", text, classes)

    # -- the history -------------------------------------------------------------------

    async def show_history(self, key: str) -> None:
        self.key = key
        self.history.refresh()

    async def set_hours(self, hours: int) -> None:
        self.hours = hours
        self.history.refresh()

    @ui.refreshable_method
    async def history(self) -> None:
        t = self.page.t
        if self.key is None:  # no problem to show: the table says so already
            return
        with ui.card().classes("w-full").mark("latency-history"):
            with ui.row().classes("items-center gap-4"):
                ui.label(t("latency.history", problem=self.key)).classes("font-semibold")
                hours = ui.toggle(
                    {h: t("latency.hours", hours=h) for h in HISTORY_HOURS},
                    value=self.hours,
                    on_change=lambda e: self.set_hours(int(e.value)),
                )
                hours.props(f'aria-label="{t("latency.history_span")}"')
            found = await self.page.console.call(
                reports.latency_history, KIND, self.key, self.hours, now()
            )
            limits = await self.page.console.call(latency.stored_thresholds, KIND)
            chart = ui.echart(history_options(found, limits, self.page))
            chart.classes("w-full h-72").mark("latency-history-chart")

    # -- the thresholds ----------------------------------------------------------------

    async def thresholds(self) -> None:
        t = self.page.t
        current = await self.page.console.call(latency.stored_thresholds, KIND)
        with ui.card().classes("w-full max-w-xl gap-2").mark("latency-thresholds"):
            ui.label(t("latency.thresholds")).classes("font-semibold")
            ui.label(t("latency.thresholds_help")).classes("text-sm opacity-80")
            with ui.row().classes("items-end gap-4"):
                warning = ui.number(
                    t("latency.warning_ms"), value=current.warning_from, min=1, step=100
                ).mark("latency-warning")
                danger = ui.number(
                    t("latency.danger_ms"), value=current.danger_from, min=1, step=100
                ).mark("latency-danger")
                ui.button(
                    t("common.save"), on_click=lambda: self.save(warning.value, danger.value)
                ).mark("latency-save")
            self.message = ui.label("").props('role="alert"').mark("latency-message")

    async def save(self, warning: float | None, danger: float | None) -> None:
        t, page = self.page.t, self.page
        try:
            await page.console.call(
                latency.edit_thresholds, page.user, page.source, KIND, warning, danger, now()
            )
        except ThresholdsRefused as refused:
            self.message.classes(replace="text-negative")
            self.message.text = t(f"latency.refused.{refused.reason}")
            return
        self.message.classes(replace="text-positive")
        self.message.text = t("latency.saved")
        self.table.refresh()
        self.history.refresh()


def _cell(tag: str, text: str, classes: str) -> None:
    with ui.element(tag).classes(classes):
        ui.label(text)


def register(console: Console) -> None:
    @ui.page("/latency")
    async def latency_page(request: Request) -> RedirectResponse | None:
        page = await session.guard(console, request, session.ADMIN)
        if isinstance(page, RedirectResponse):
            return page
        with frame(page, "nav.latency"):
            await LatencyPage(page).build()
        return None
