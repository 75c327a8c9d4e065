"""What /latency (per problem) and the latency part of /models (per model version) show
alike: a window toggle; a table of p50/p95/p99 per key, each value in the colour of its
threshold level and the level in words (colour is never the only signal), stale rows
flagged; and one key's hourly history chart with the thresholds as dashed lines.

`LatencyBoard` holds the state and the drawing; a page's subclass says where its numbers
come from (reading its own clock, which tests move), which columns lie between p99 and the
newest sample, and the words and markers that are its own."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from datetime import datetime
from typing import Any, Generic, Protocol, TypeVar

from nicegui import ui

from appliance.metrics import latency, reports
from appliance.metrics.reports import LatencyHistory
from appliance.metrics.thresholds import Thresholds, ThresholdsRefused, level
from appliance.vocabulary import KeyKind, LatencyWindow, Level
from ui.i18n import moment, number
from ui.session import Page

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


class LatencyRow(Protocol):
    """One key's line of a latency report (metrics.reports' KeyLatencyView and
    ModelLatencyView both are one)."""

    @property
    def key(self) -> str: ...
    @property
    def p50_ms(self) -> float | None: ...
    @property
    def p95_ms(self) -> float | None: ...
    @property
    def p99_ms(self) -> float | None: ...
    @property
    def newest_at(self) -> datetime | None: ...
    @property
    def stale(self) -> bool: ...
    @property
    def level(self) -> Level | None: ...


RowT = TypeVar("RowT", bound=LatencyRow)
_RowT_co = TypeVar("_RowT_co", bound=LatencyRow, covariant=True)


class LatencyTable(Protocol[_RowT_co]):
    """A latency report: its rows under the thresholds they were levelled by."""

    @property
    def warning_from_ms(self) -> float: ...
    @property
    def danger_from_ms(self) -> float: ...
    @property
    def items(self) -> Sequence[_RowT_co]: ...


ReportT = TypeVar("ReportT", bound=LatencyTable[Any])


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


def cell(tag: str, text: str, classes: str) -> None:
    with ui.element(tag).classes(classes):
        ui.label(text)


def value_cell(page: Page, value: float | None, found: Level | None) -> None:
    """A percentile in the colour of its level with the level in words; idle without one."""
    text = page.t("latency.idle")
    if found is not None:
        text = f"{number(value, page.locale)} ms · {page.t(f'latency.level.{found}')}"
    cell("td", text, _level_classes(found))


def level_cell(page: Page, found: Level | None) -> None:
    """The row's level alone: its colour and its word; idle without one."""
    text = page.t("latency.idle") if found is None else page.t(f"latency.level.{found}")
    cell("td", text, _level_classes(found))


def _level_classes(found: Level | None) -> str:
    return "p-2 text-right " + (LEVEL_CLASSES[found] if found else "")


class LatencyBoard(ABC, Generic[ReportT, RowT]):
    """One browser tab's latency table and history, and the editor of the key kind's
    thresholds. Every element's marker starts with `mark`."""

    mark: str
    kind: KeyKind  # whose stored thresholds colour the table and the history
    columns: tuple[str, ...]  # the first is the key's; "newest" and it are left-aligned
    column_key: str  # a header's key, {} the column
    caption_key: str  # takes {warning} and {danger}
    empty_key: str
    stale_help_key: str
    thresholds_title_key: str
    thresholds_help_key: str
    scrolls = False  # a table too wide for narrow screens scrolls in its own box

    def __init__(self, page: Page) -> None:
        self.page = page
        self.window: LatencyWindow = "24h"
        self.key: str | None = None
        self.hours = 24

    @abstractmethod
    def now(self) -> datetime:
        """The page's clock (tests may move it)."""

    @abstractmethod
    async def load_report(self) -> ReportT:
        """The report over `self.window`, up to the page's now."""

    @abstractmethod
    async def load_history(self, key: str) -> LatencyHistory:
        """The key's last `self.hours` hours, up to the page's now."""

    @abstractmethod
    def middle_cells(self, item: RowT) -> None:
        """The row's cells between p99 and the newest sample."""

    def caption_note(self, report: ReportT) -> str:
        """Words after the caption (a page whose report can be approximate says so)."""
        return ""

    async def build(self) -> None:
        t = self.page.t
        window = ui.toggle(
            {w: t(f"latency.window.{w}") for w in WINDOWS},
            value=self.window,
            on_change=lambda e: self.set_window(e.value),
        )
        window.props(f'aria-label="{t("latency.window")}"').mark(f"{self.mark}-window")
        await self.table()
        await self.history()

    async def set_window(self, value: LatencyWindow) -> None:
        self.window = value
        self.table.refresh()

    # -- the table ---------------------------------------------------------------------

    @ui.refreshable_method
    async def table(self) -> None:
        report = await self.load_report()
        if self.key is None and report.items:
            self.key = report.items[0].key
        t, locale = self.page.t, self.page.locale
        caption = t(
            self.caption_key,
            warning=number(report.warning_from_ms, locale),
            danger=number(report.danger_from_ms, locale),
        )
        ui.label(caption + self.caption_note(report)).classes("text-sm opacity-80").mark(
            f"{self.mark}-caption"
        )
        if not report.items:
            ui.label(t(self.empty_key)).mark(f"{self.mark}-empty")
            return
        if self.scrolls:
            with ui.element("div").classes("w-full overflow-x-auto"):
                self._table(report)
        else:
            self._table(report)

    def _table(self, report: ReportT) -> None:
        t = self.page.t
        thresholds = Thresholds(report.warning_from_ms, report.danger_from_ms)
        table = ui.element("table").classes("w-full text-sm border-collapse")
        with table.mark(f"{self.mark}-table"):
            with ui.element("thead"), ui.element("tr"):
                for key in self.columns:
                    side = "text-left" if key in (self.columns[0], "newest") else "text-right"
                    cell("th", t(self.column_key.format(key)), f"{side} p-2 border-b")
            with ui.element("tbody"):
                for item in report.items:
                    self._row(item, thresholds)

    def _row(self, item: RowT, thresholds: Thresholds) -> None:
        t, page = self.page.t, self.page
        with ui.element("tr").classes("border-b").mark(f"{self.mark}-row-{item.key}"):
            with ui.element("td").classes("p-2"):
                pick = ui.button(item.key, on_click=lambda: self.show_history(item.key))
                pick.props("flat dense no-caps").mark(f"{self.mark}-pick-{item.key}")
            for name in PERCENTILES:
                value = getattr(item, name)
                value_cell(page, value, level(value, thresholds))
            self.middle_cells(item)
            with ui.element("td").classes("p-2"):
                ui.label(moment(item.newest_at, page.zone, page.locale))
                if item.stale:
                    stale = ui.badge(t("latency.stale"), color="grey-7").mark(f"{self.mark}-stale")
                    stale.tooltip(t(self.stale_help_key))
            level_cell(page, item.level)

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
        if self.key is None:  # nothing to show: the table says so already
            return
        with ui.card().classes("w-full").mark(f"{self.mark}-history"):
            with ui.row().classes("items-center gap-4"):
                ui.label(t("latency.history", problem=self.key)).classes("font-semibold")
                hours = ui.toggle(
                    {h: t("latency.hours", hours=h) for h in HISTORY_HOURS},
                    value=self.hours,
                    on_change=lambda e: self.set_hours(int(e.value)),
                )
                hours.props(f'aria-label="{t("latency.history_span")}"')
            found = await self.load_history(self.key)
            limits = await self.page.console.call(latency.stored_thresholds, self.kind)
            chart = ui.echart(history_options(found, limits, self.page))
            chart.classes("w-full h-72").mark(f"{self.mark}-history-chart")

    # -- the thresholds ----------------------------------------------------------------

    async def thresholds(self) -> None:
        t = self.page.t
        current = await self.page.console.call(latency.stored_thresholds, self.kind)
        with ui.card().classes("w-full max-w-xl gap-2").mark(f"{self.mark}-thresholds"):
            ui.label(t(self.thresholds_title_key)).classes("font-semibold")
            ui.label(t(self.thresholds_help_key)).classes("text-sm opacity-80")
            with ui.row().classes("items-end gap-4"):
                warning = ui.number(
                    t("latency.warning_ms"), value=current.warning_from, min=1, step=100
                ).mark(f"{self.mark}-warning")
                danger = ui.number(
                    t("latency.danger_ms"), value=current.danger_from, min=1, step=100
                ).mark(f"{self.mark}-danger")
                ui.button(
                    t("common.save"), on_click=lambda: self.save(warning.value, danger.value)
                ).mark(f"{self.mark}-save")
            self.message = ui.label("").props('role="alert"').mark(f"{self.mark}-message")

    async def save(self, warning: float | None, danger: float | None) -> None:
        t, page = self.page.t, self.page
        try:
            await page.console.call(
                latency.edit_thresholds,
                page.user,
                page.source,
                self.kind,
                warning,
                danger,
                self.now(),
            )
        except ThresholdsRefused as refused:
            self.message.classes(replace="text-negative")
            self.message.text = t(f"latency.refused.{refused.reason}")
            return
        self.message.classes(replace="text-positive")
        self.message.text = t("latency.saved")
        self.table.refresh()
        self.history.refresh()
