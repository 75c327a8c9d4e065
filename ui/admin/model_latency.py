"""The latency part of /models: per model version, the p50/p95/p99 of the requests the
appliance made to it (evaluation samples and AI feedback) over a window, its tokens per
second, its errors, each value in the colour and the words of its threshold level, stale
rows flagged; the hourly history of one version; and the thresholds of key kind `model`,
which an admin edits here. The numbers are metrics.reports' (what
GET /api/v1/metrics/models/latency and its /history answer), under the stored thresholds
of key kind `model`."""

from __future__ import annotations

from datetime import UTC, datetime

from nicegui import ui

from appliance.metrics import reports
from appliance.metrics.reports import LatencyHistory, ModelLatencyReport, ModelLatencyView
from appliance.vocabulary import KeyKind
from ui.admin.latency_widgets import LatencyBoard, cell
from ui.i18n import number

KIND: KeyKind = "model"


def now() -> datetime:
    """The section's clock (tests may move it)."""
    return datetime.now(UTC)


class ModelLatency(LatencyBoard[ModelLatencyReport, ModelLatencyView]):
    """One browser tab's model latency section: the board of latency_widgets.py per model
    version, with its tokens per second and its errors."""

    mark = "model-latency"
    kind = KIND
    columns = ("model", "p50", "p95", "p99", "tokens", "count", "errors", "newest", "level")
    column_key = "models.latency.column.{}"
    caption_key = "models.latency_caption"
    empty_key = "models.latency_empty"
    stale_help_key = "models.latency_stale_help"
    thresholds_title_key = "models.latency_thresholds"
    thresholds_help_key = "models.latency_thresholds_help"
    scrolls = True

    def now(self) -> datetime:
        return now()

    async def build(self) -> None:
        ui.label(self.page.t("models.latency")).classes("text-xl font-semibold mt-4")
        await super().build()
        await self.thresholds()

    async def load_report(self) -> ModelLatencyReport:
        return await self.page.console.call(reports.model_latency_report, self.window, now())

    async def load_history(self, key: str) -> LatencyHistory:
        return await self.page.console.call(reports.model_latency_history, key, self.hours, now())

    def middle_cells(self, item: ModelLatencyView) -> None:
        locale = self.page.locale
        cell("td", self._tokens(item), "p-2 text-right")
        cell("td", number(item.count, locale), "p-2 text-right")
        cell("td", number(item.error_count, locale), "p-2 text-right")

    def _tokens(self, item: ModelLatencyView) -> str:
        if item.tokens_per_s_p50 is None:
            return "-"
        median = number(item.tokens_per_s_p50, self.page.locale, 1)
        mean = number(item.tokens_per_s_mean, self.page.locale, 1)
        return self.page.t("models.latency_tokens", median=median, mean=mean)
