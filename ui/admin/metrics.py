"""/metrics (admins): the six metrics as ECharts charts over the last 7, 30 or 90 days or a
custom range, hourly or daily, optionally beside the range before it (dashed); a missed
collection is a break in the line whose tooltip says so. With nothing collected in the
range, the page says when the next collection runs and offers to collect now. CSV and
PDF exports are plain downloads (ui/downloads.py), linked with the range shown."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import RedirectResponse
from nicegui import ui

from appliance.exports.documents import MAX_RANGE
from appliance.metrics import collect, reports
from appliance.metrics.periods import Span, last_days, local_days
from appliance.metrics.reports import Point, RangeSeries
from appliance.vocabulary import Granularity, Metric
from ui import downloads, session
from ui.console import Console
from ui.i18n import moment
from ui.layout import frame
from ui.session import Page

# The six charts: success and error rate share one, as two lines of the same scale.
CHARTS: tuple[tuple[str, tuple[Metric, ...]], ...] = (
    ("submissions", ("submissions",)),
    ("active_users", ("active_users",)),
    ("judge_duration_p95", ("judge_duration_p95",)),
    ("queue_wait_p95", ("queue_wait_p95",)),
    ("rates", ("success_rate", "error_rate")),
    ("mean_score", ("mean_score",)),
)
METRICS: tuple[Metric, ...] = tuple(m for _, ms in CHARTS for m in ms)
PRESETS = (7, 30, 90)
CUSTOM = "custom"
PERCENT: frozenset[Metric] = frozenset({"success_rate", "error_rate"})
MILLISECONDS: frozenset[Metric] = frozenset({"judge_duration_p95", "queue_wait_p95"})
# Beyond this many buckets full-size dots would hide the line.
MAX_DOTS = 200
COLORS = ("#1f5fa8", "#c0392b")


def now() -> datetime:
    """The page's clock (tests may move it)."""
    return datetime.now(UTC)


@dataclass(frozen=True)
class View:
    """What the page shows: a preset number of days or a custom range of local days."""

    days: int | None = 7
    first: date | None = None
    last: date | None = None
    granularity: Granularity = "hourly"
    compare: bool = False


class RangeRefused(ValueError):
    """A range the page cannot draw; the message key says why."""

    def __init__(self, key: str, **values: object) -> None:
        super().__init__(key)
        self.key = key
        self.values = values


def span_of(view: View, page: Page, at: datetime) -> Span:
    """The range `view` names, checked against what is kept (RangeRefused otherwise)."""
    zone, settings = page.zone, page.console.settings
    if view.days is not None:
        span = last_days(at, view.days, view.granularity, zone)
    elif view.first is None or view.last is None:
        raise RangeRefused("metrics.range_missing")
    elif view.last < view.first:
        raise RangeRefused("metrics.range_order")
    else:
        span = local_days(view.first, view.last, zone)
    if view.granularity == "hourly" and span.end - span.start > timedelta(
        days=settings.metrics_hourly_retention_days
    ):
        raise RangeRefused("metrics.hourly_kept", days=settings.metrics_hourly_retention_days)
    if span.end - span.start > MAX_RANGE[view.granularity]:
        raise RangeRefused("metrics.range_long", days=MAX_RANGE[view.granularity].days)
    return span


# -- the chart options ---------------------------------------------------------------------


def _label(at: datetime | None, page: Page, granularity: Granularity) -> str:
    if at is None:
        return ""
    local = at.astimezone(page.zone)
    return local.strftime("%Y-%m-%d" if granularity == "daily" else "%m-%d %H:%M")


def _shown(metric: Metric, value: float | None) -> float | None:
    """A value as drawn: rates in percent."""
    if value is None:
        return None
    return round(value * 100, 3) if metric in PERCENT else value


def _items(
    metric: Metric, points: list[Point], page: Page, granularity: Granularity, previous: bool
) -> list[dict[str, Any]]:
    """ECharts data items: `value` null for a gap (connectNulls false breaks the line),
    `collected` telling the tooltip whether the gap is a missed collection."""
    if previous:
        return [
            {
                "value": _shown(metric, p.previous),
                "collected": p.previous_collected,
                "at": _label(p.previous_at, page, granularity),
            }
            for p in points
        ]
    return [{"value": _shown(metric, p.value), "collected": p.collected} for p in points]


def _series(
    metric: Metric, index: int, points: list[Point], page: Page, view: View, previous: bool
) -> dict[str, Any]:
    name = page.t(f"metrics.metric.{metric}")
    return {
        "name": f"{name} · {page.t('metrics.previous')}" if previous else name,
        "type": "line",
        "connectNulls": False,
        # Every bucket's dot, always: one between two gaps has no line to show it. ECharts
        # would thin them out ("auto") where they crowd; beyond MAX_DOTS they shrink instead.
        "showSymbol": True,
        "showAllSymbol": True,
        "symbolSize": 4 if len(points) <= MAX_DOTS else 2,
        "color": COLORS[index % len(COLORS)],
        "lineStyle": {"type": "dashed", "opacity": 0.6} if previous else {"type": "solid"},
        "data": _items(metric, points, page, view.granularity, previous),
    }


def _tooltip(page: Page, unit: str) -> str:
    """The tooltip, as a JavaScript function: each line's value, or why it has none."""
    words = json.dumps(
        {
            "missed": page.t("metrics.not_collected"),
            "nothing": page.t("metrics.nothing_measured"),
            "unit": unit,
            "locale": "ko-KR" if page.locale == "ko" else "en-US",
        },
        ensure_ascii=False,
    )
    return (
        "(params) => { const w = " + words + "; const rows = params.map((p) => {"
        " const d = p.data || {}; const v = (d.value === null || d.value === undefined)"
        " ? (d.collected ? w.nothing : w.missed)"
        " : Number(d.value).toLocaleString(w.locale, {maximumFractionDigits: 2}) + w.unit;"
        " const at = d.at ? ' (' + d.at + ')' : '';"
        " return p.marker + p.seriesName + at + ': ' + v; });"
        " return (params.length ? params[0].axisValueLabel : '') + '<br>' + rows.join('<br>'); }"
    )


def _unit(metrics: tuple[Metric, ...]) -> str:
    if metrics[0] in PERCENT:
        return "%"
    return " ms" if metrics[0] in MILLISECONDS else ""


def chart_options(
    metrics: tuple[Metric, ...], found: RangeSeries, page: Page, view: View
) -> dict[str, Any]:
    """One chart: a category axis of the range's buckets in the display time zone (so
    the labels are the zone's, not the browser's), a line per metric, and with compare
    a dashed line per metric of the range before, shifted onto the same buckets."""
    points = found.series[metrics[0]]
    series = [_series(m, i, found.series[m], page, view, False) for i, m in enumerate(metrics)]
    if view.compare:
        series += [_series(m, i, found.series[m], page, view, True) for i, m in enumerate(metrics)]
    options: dict[str, Any] = {
        "animation": False,
        "aria": {"enabled": True},
        "grid": {"left": 56, "right": 16, "top": 36, "bottom": 28},
        "legend": {"top": 0, "type": "scroll"},
        "tooltip": {"trigger": "axis", ":formatter": _tooltip(page, _unit(metrics))},
        "xAxis": {
            "type": "category",
            "boundaryGap": False,
            "data": [_label(p.at, page, view.granularity) for p in points],
        },
        "yAxis": {"type": "value", "min": 0},
        "series": series,
    }
    if all(p.value is None for m in metrics for p in found.series[m]):
        options["graphic"] = _note(page.t("metrics.chart_empty"))
    return options


def _note(text: str) -> dict[str, Any]:
    """Words in the middle of a chart without a single value: an empty plot alone would
    look like a chart that failed to load."""
    return {
        "type": "text",
        "left": "center",
        "top": "middle",
        "style": {"text": text, "fill": "#6b7280", "fontSize": 13},
    }


# -- the page ------------------------------------------------------------------------------


def export_url(view: View, span: Span, export_format: str, bom: bool) -> str:
    query = {
        "format": export_format,
        "granularity": view.granularity,
        "start": span.start.isoformat(),
        "end": span.end.isoformat(),
    }
    if bom and export_format == "csv":
        query["bom"] = "1"
    return f"{downloads.METRICS_EXPORT}?{urlencode(query)}"


class MetricsPage:
    """One browser tab's metrics page: its controls, and the part they redraw."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.view = View()
        self.bom = True

    async def build(self) -> None:
        t = self.page.t
        with ui.row().classes("items-end gap-4 flex-wrap"):
            self._range_controls()
            granularity = ui.toggle(
                {"hourly": t("metrics.hourly"), "daily": t("metrics.daily")},
                value=self.view.granularity,
                on_change=lambda e: self.change(granularity=e.value),
            ).props(f'aria-label="{t("metrics.granularity")}"')
            granularity.mark("metrics-granularity")
            ui.switch(
                t("metrics.compare"), on_change=lambda e: self.change(compare=bool(e.value))
            ).mark("metrics-compare")
        await self.body()

    def _range_controls(self) -> None:
        t = self.page.t
        choices: dict[Any, str] = {d: t("metrics.last_days", days=d) for d in PRESETS}
        choices[CUSTOM] = t("metrics.custom")
        toggle = ui.toggle(
            choices, value=self.view.days, on_change=lambda e: self.choose_range(e.value)
        )
        toggle.props(f'aria-label="{t("metrics.range")}"').mark("metrics-range")
        with ui.row().classes("items-end gap-2") as self.custom_row:
            today = now().astimezone(self.page.zone).date()
            self.first = ui.input(t("metrics.first_day"), value=str(today - timedelta(days=6)))
            self.first.props("type=date dense").mark("metrics-first-day")
            self.last = ui.input(t("metrics.last_day"), value=str(today))
            self.last.props("type=date dense").mark("metrics-last-day")
            for day in (self.first, self.last):
                day.on("keydown.enter", self.show_custom)
            ui.button(t("metrics.show"), on_click=self.show_custom).props("dense").mark(
                "metrics-show"
            )
        self.custom_row.set_visibility(False)

    def choose_range(self, value: Any) -> None:
        self.custom_row.set_visibility(value == CUSTOM)
        if value != CUSTOM:
            self.change(days=int(value), first=None, last=None)

    def show_custom(self) -> None:
        self.change(days=None, first=_day(self.first.value), last=_day(self.last.value))

    def change(self, **fields: Any) -> None:
        self.view = replace(self.view, **fields)
        self.body.refresh()

    @ui.refreshable_method
    async def body(self) -> None:
        t, console = self.page.t, self.page.console
        at = now()
        status = await console.call(reports.collection_status, at, 5)
        self._status_row(status)
        try:
            span = span_of(self.view, self.page, at)
        except RangeRefused as refused:
            ui.label(t(refused.key, **refused.values)).classes("text-negative").props(
                'role="alert"'
            ).mark("metrics-message")
            return
        found = await console.call(
            reports.range_series,
            METRICS,
            self.view.granularity,
            span,
            self.page.zone,
            self.view.compare,
        )
        self._range_caption(span, found)
        self._exports(span)
        if found.empty:
            self._empty(status.next_collection_at)
            return
        with ui.grid().classes("w-full gap-4 grid-cols-1 lg:grid-cols-2"):
            for key, metrics in CHARTS:
                with ui.card().classes("w-full"):
                    ui.label(t(f"metrics.chart.{key}")).classes("font-semibold")
                    chart = ui.echart(chart_options(metrics, found, self.page, self.view))
                    chart.classes("w-full h-64").mark(f"metrics-chart-{key}")

    def _status_row(self, status: reports.CollectionStatusReport) -> None:
        t, zone, locale = self.page.t, self.page.zone, self.page.locale
        with ui.row().classes("items-center gap-4 text-sm").mark("metrics-status"):
            colour = {"healthy": "positive", "degraded": "warning", "failing": "negative"}
            ui.badge(t(f"metrics.status.{status.status}"), color=colour[status.status])
            ui.label(
                t("metrics.last_collection", at=moment(status.last_collection_at, zone, locale))
            )
            ui.label(
                t("metrics.next_collection", at=moment(status.next_collection_at, zone, locale))
            )
            self._collect_button("metrics-collect", flat=True)

    def _range_caption(self, span: Span, found: RangeSeries) -> None:
        t, zone, locale = self.page.t, self.page.zone, self.page.locale
        text = t(
            "metrics.showing",
            start=moment(span.start, zone, locale),
            end=moment(span.end, zone, locale),
            zone=zone.key,
        )
        if found.previous is not None:
            text += " · " + t(
                "metrics.against",
                start=moment(found.previous.start, zone, locale),
                end=moment(found.previous.end, zone, locale),
            )
        ui.label(text).classes("text-sm opacity-80").mark("metrics-range-caption")

    def _exports(self, span: Span) -> None:
        """Plain links: the browser downloads over HTTP, never through the websocket."""
        t = self.page.t
        with ui.row().classes("items-center gap-2"):
            links = {}
            for export_format in ("csv", "pdf"):
                url = export_url(self.view, span, export_format, self.bom)
                link = ui.link(t(f"metrics.export_{export_format}"), url)
                link.props("download").classes("q-btn q-btn--outline px-3 py-1 rounded border")
                links[export_format] = link.mark(f"metrics-export-{export_format}")
            ui.checkbox(
                t("metrics.excel_bom"),
                value=self.bom,
                on_change=lambda e: self._set_bom(links["csv"], span, bool(e.value)),
            ).mark("metrics-bom")

    def _set_bom(self, link: ui.link, span: Span, bom: bool) -> None:
        self.bom = bom
        link.props["href"] = export_url(self.view, span, "csv", bom)
        link.update()

    def _empty(self, next_at: datetime) -> None:
        t, zone, locale = self.page.t, self.page.zone, self.page.locale
        with ui.card().classes("w-full items-center gap-2 py-8").mark("metrics-empty"):
            ui.label(t("metrics.empty")).classes("text-lg")
            ui.label(t("metrics.empty_next", at=moment(next_at, zone, locale)))
            self._collect_button("metrics-collect-empty", flat=False)

    def _collect_button(self, marker: str, flat: bool) -> None:
        button = ui.button(self.page.t("metrics.collect_now")).mark(marker)
        button.props("flat dense" if flat else "unelevated")
        button.on_click(lambda: self.collect(button))

    async def collect(self, button: ui.button) -> None:
        """The scheduler's snapshot job, now: the button waits (and cannot be pressed
        twice) until the job is over, then the page shows what it stored."""
        t, page = self.page.t, self.page
        button.props("loading").disable()
        try:
            stored = await page.console.call(
                collect.collect_now,
                page.console.settings,
                page.user,
                page.source,
                now,
                time.sleep,
            )
        except Exception as exc:  # the job's own error, shown; it is in the audit trail
            ui.notify(t("metrics.collect_failed", error=str(exc)), type="negative")
            button.props(remove="loading").enable()
            return
        ui.notify(t("metrics.collected", count=stored), type="positive")
        self.body.refresh()


def _day(text: Any) -> date | None:
    try:
        return date.fromisoformat(str(text))
    except ValueError:
        return None


def register(console: Console) -> None:
    downloads.register(console)

    @ui.page("/metrics")
    async def metrics_page(request: Request) -> RedirectResponse | None:
        page = await session.guard(console, request, session.ADMIN)
        if isinstance(page, RedirectResponse):
            return page
        with frame(page, "nav.metrics"):
            await MetricsPage(page).build()
        return None
