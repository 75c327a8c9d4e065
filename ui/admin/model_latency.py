"""The latency part of /models: per model version, the p50/p95/p99 of the requests the
appliance made to it (evaluation samples and AI feedback) over a window, its tokens per
second, its errors, each value in the colour and the words of its threshold level, stale
rows flagged; and the hourly history of one version. The numbers are metrics.reports' (what
GET /api/v1/metrics/models/latency and its /history answer), under the stored thresholds
of key kind `model`."""

from __future__ import annotations

from datetime import UTC, datetime

from nicegui import ui

from appliance.metrics import latency, reports
from appliance.metrics.reports import ModelLatencyReport, ModelLatencyView
from appliance.metrics.thresholds import Thresholds, level
from appliance.vocabulary import KeyKind, LatencyWindow, Level
from ui.admin.latency import HISTORY_HOURS, LEVEL_CLASSES, PERCENTILES, WINDOWS, history_options
from ui.i18n import moment, number
from ui.session import Page

KIND: KeyKind = "model"
COLUMNS = ("model", "p50", "p95", "p99", "tokens", "count", "errors", "newest", "level")


def now() -> datetime:
    """The section's clock (tests may move it)."""
    return datetime.now(UTC)


class ModelLatency:
    """One browser tab's model latency section."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.window: LatencyWindow = "24h"
        self.key: str | None = None
        self.hours = 24

    async def build(self) -> None:
        t = self.page.t
        ui.label(t("models.latency")).classes("text-xl font-semibold mt-4")
        window = ui.toggle(
            {w: t(f"latency.window.{w}") for w in WINDOWS},
            value=self.window,
            on_change=lambda e: self.set_window(e.value),
        )
        window.props(f'aria-label="{t("latency.window")}"').mark("model-latency-window")
        await self.table()
        await self.history()

    async def set_window(self, value: LatencyWindow) -> None:
        self.window = value
        self.table.refresh()

    @ui.refreshable_method
    async def table(self) -> None:
        report = await self.page.console.call(reports.model_latency_report, self.window, now())
        if self.key is None and report.items:
            self.key = report.items[0].key
        t, locale = self.page.t, self.page.locale
        caption = t(
            "models.latency_caption",
            warning=number(report.warning_from_ms, locale),
            danger=number(report.danger_from_ms, locale),
        )
        ui.label(caption).classes("text-sm opacity-80").mark("model-latency-caption")
        if not report.items:
            ui.label(t("models.latency_empty")).mark("model-latency-empty")
            return
        self._table(report)

    def _table(self, report: ModelLatencyReport) -> None:
        t = self.page.t
        thresholds = Thresholds(report.warning_from_ms, report.danger_from_ms)
        with ui.element("div").classes("w-full overflow-x-auto"):
            table = ui.element("table").classes("w-full text-sm border-collapse")
            with table.mark("model-latency-table"):
                with ui.element("thead"), ui.element("tr"):
                    for key in COLUMNS:
                        side = "text-left" if key in ("model", "newest") else "text-right"
                        _cell("th", t(f"models.latency.column.{key}"), f"{side} p-2 border-b")
                with ui.element("tbody"):
                    for item in report.items:
                        self._row(item, thresholds)

    def _row(self, item: ModelLatencyView, thresholds: Thresholds) -> None:
        t, locale = self.page.t, self.page.locale
        with ui.element("tr").classes("border-b").mark(f"model-latency-row-{item.key}"):
            with ui.element("td").classes("p-2"):
                pick = ui.button(item.key, on_click=lambda: self.show_history(item.key))
                pick.props("flat dense no-caps").mark(f"model-latency-pick-{item.key}")
            for name in PERCENTILES:
                value = getattr(item, name)
                self._value_cell(value, level(value, thresholds))
            _cell("td", self._tokens(item), "p-2 text-right")
            _cell("td", number(item.count, locale), "p-2 text-right")
            _cell("td", number(item.error_count, locale), "p-2 text-right")
            with ui.element("td").classes("p-2"):
                ui.label(moment(item.newest_at, self.page.zone, locale))
                if item.stale:
                    stale = ui.badge(t("latency.stale"), color="grey-7").mark("model-latency-stale")
                    stale.tooltip(t("models.latency_stale_help"))
            self._value_cell(None, item.level, words_only=True)

    def _tokens(self, item: ModelLatencyView) -> str:
        if item.tokens_per_s_p50 is None:
            return "-"
        median = number(item.tokens_per_s_p50, self.page.locale, 1)
        mean = number(item.tokens_per_s_mean, self.page.locale, 1)
        return self.page.t("models.latency_tokens", median=median, mean=mean)

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

    async def show_history(self, key: str) -> None:
        self.key = key
        self.history.refresh()

    async def set_hours(self, hours: int) -> None:
        self.hours = hours
        self.history.refresh()

    @ui.refreshable_method
    async def history(self) -> None:
        t = self.page.t
        if self.key is None:  # no model version: the table says so already
            return
        with ui.card().classes("w-full").mark("model-latency-history"):
            with ui.row().classes("items-center gap-4"):
                ui.label(t("latency.history", problem=self.key)).classes("font-semibold")
                hours = ui.toggle(
                    {h: t("latency.hours", hours=h) for h in HISTORY_HOURS},
                    value=self.hours,
                    on_change=lambda e: self.set_hours(int(e.value)),
                )
                hours.props(f'aria-label="{t("latency.history_span")}"')
            found = await self.page.console.call(
                reports.model_latency_history, self.key, self.hours, now()
            )
            limits = await self.page.console.call(latency.stored_thresholds, KIND)
            chart = ui.echart(history_options(found, limits, self.page))
            chart.classes("w-full h-72").mark("model-latency-history-chart")


def _cell(tag: str, text: str, classes: str) -> None:
    with ui.element(tag).classes(classes):
        ui.label(text)
