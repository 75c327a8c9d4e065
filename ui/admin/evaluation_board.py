"""A run's leaderboard and paired comparison on its page (appliance.evaluations.leaderboard:
95% bootstrap intervals over problems, cached once the run finished). Each interval is said
as numbers and drawn as a bar from its low to its high bound with the estimate as a dot, one
small chart per measure on a common scale, so that ranks whose intervals overlap are seen to
be uncertain. The comparison says its verdict in words: better, or not distinguishable."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from nicegui import ui

from appliance.errors import Invalid, NotFound
from appliance.evaluations import leaderboard, statistics
from appliance.vocabulary import BASELINES, Locale
from ui import i18n
from ui.admin.evaluations import UNAVAILABLE, subject_label, subjects_of
from ui.i18n import Translate
from ui.session import Page
from ui.tables import Table
from ui.words import DIFFICULTY_KEYS

BOOTSTRAP_SEED = 0
# (measure, shown as a percentage): scores are points (0-100), the others fractions (0-1).
MEASURES: tuple[tuple[str, bool], ...] = (
    ("mean_score", False),
    ("mutation_score", True),
    ("golden_pass_rate", True),
    ("best_of_k", False),
)
MODEL_COLOUR = "#1f5fa8"
BASELINE_COLOUR = "#78716c"
ESTIMATE_COLOUR = "#0f172a"
ROW_HEIGHT_PX = 34


def scaled(value: float, percent: bool) -> float:
    """On the charts' common 0-100 scale."""
    return value * 100 if percent else value


def interval_text(interval: dict[str, float], percent: bool, locale: Locale) -> str:
    """ "82.3 [75.0, 90.1]": the estimate, then its 95% bounds. Pure."""
    unit = "%" if percent else ""
    low, estimate, high = (
        i18n.number(scaled(interval[k], percent), locale, 1) + unit
        for k in ("low", "estimate", "high")
    )
    return f"{estimate} [{low}, {high}]"


def interval_options(t: Translate, rows: list[dict[str, Any]], measure: str) -> dict[str, Any]:
    """A horizontal interval chart of one measure: per subject (best first, at the top) a
    bar from its low bound to its high one and a dot at its estimate. The bar is drawn on
    top of an invisible one as long as the low bound: no script in the options. Pure."""
    percent = dict(MEASURES)[measure]
    names = [subject_label(t, row["model"]) for row in rows]
    lows, widths, dots = [], [], []
    for index, row in enumerate(rows):
        interval = row[measure]
        low, high = scaled(interval["low"], percent), scaled(interval["high"], percent)
        colour = BASELINE_COLOUR if row["model"] in BASELINES else MODEL_COLOUR
        lows.append(round(low, 2))
        widths.append({"value": round(max(high - low, 0.4), 2), "itemStyle": {"color": colour}})
        dots.append([round(scaled(interval["estimate"], percent), 1), index])
    return {
        "animation": False,
        "aria": {"enabled": True},
        "title": {"text": t(f"evaluations.measure.{measure}"), "textStyle": {"fontSize": 13}},
        "grid": {"left": 8, "right": 28, "top": 30, "bottom": 22, "containLabel": True},
        "xAxis": {"type": "value", "min": 0, "max": 100, "splitNumber": 5},
        "yAxis": {"type": "category", "data": names, "inverse": True},
        "series": [
            {
                "type": "bar",
                "stack": "interval",
                "data": lows,
                "itemStyle": {"color": "transparent"},
                "silent": True,
                "barWidth": 8,
            },
            {"type": "bar", "stack": "interval", "data": widths, "barWidth": 8},
            {
                "type": "scatter",
                "data": dots,
                "symbolSize": 11,
                "itemStyle": {"color": ESTIMATE_COLOUR},
                "label": {"show": True, "position": "top", "formatter": "{@[0]}", "fontSize": 11},
            },
        ],
    }


def verdict_key(difference: dict[str, float]) -> str:
    """Better only when the whole 95% interval of b minus a is on one side of zero. Pure."""
    if difference["low"] > 0:
        return "evaluations.compare.b_better"
    if difference["high"] < 0:
        return "evaluations.compare.a_better"
    return "evaluations.compare.undistinguished"


class Board:
    """The leaderboard card and the comparison card of one run's page."""

    def __init__(self, page: Page, run_id: int, manifest: dict[str, Any]) -> None:
        self.page = page
        self.run_id = run_id
        self.subjects = subjects_of(manifest)
        self.max_k = int(manifest["samples"])
        self.k: int | None = None  # None: the samples every problem has (the default)
        self.a = self.subjects[0]
        self.b = self.subjects[1] if len(self.subjects) > 1 else self.subjects[0]
        self._boards = self._compares = 0  # loads asked for; only the latest one draws

    def build(self) -> None:
        t = self.page.t
        with ui.card().classes("w-full gap-3").mark("evaluation-leaderboard"):
            with ui.row().classes("items-center gap-4 w-full"):
                ui.label(t("evaluations.leaderboard")).classes("text-lg font-semibold").props(
                    'role="heading"'
                )
                ui.space()
                if self.max_k > 1:
                    choices = {0: t("evaluations.k_default")} | {
                        k: t("evaluations.k_value", k=k) for k in range(1, self.max_k + 1)
                    }
                    pick = ui.select(choices, value=0, label=t("evaluations.k"))
                    pick.props("dense options-dense").classes("w-40").mark("evaluation-k")
                    pick.on_value_change(lambda e: self.set_k(int(e.value or 0)))
            self.table_area = ui.column().classes("w-full gap-3")
            with self.table_area:
                ui.spinner().props(f'aria-label="{t("evaluations.computing")}"')
        if len(self.subjects) > 1:
            self._comparison_card()
        # After the page is sent: bootstrapping a large run takes longer than a page may.
        ui.timer(0.05, self.reload, once=True)

    async def set_k(self, k: int) -> None:
        self.k = k or None
        await self.reload()

    async def reload(self) -> None:
        await self._board()
        if len(self.subjects) > 1:
            await self._compare()

    # -- the leaderboard ---------------------------------------------------------------

    async def _board(self) -> None:
        t = self.page.t
        asked = self._boards = self._boards + 1
        try:
            found = await self.page.console.call(
                leaderboard.leaderboard,
                self.run_id,
                self.k,
                BOOTSTRAP_SEED,
                statistics.DEFAULT_RESAMPLES,
            )
        except Invalid:
            found, failure = None, t("evaluations.k_too_large", k=self.k)
        except UNAVAILABLE:
            found, failure = None, t("error.unavailable")
        if asked != self._boards:
            return  # a later choice of k is on its way
        if found is None:
            self._replace(failure, "evaluation-board-message")
            return
        self.table_area.clear()
        with self.table_area:
            self._draw(found.result, found.cached)

    def _replace(self, text: str, marker: str) -> None:
        self.table_area.clear()
        with self.table_area:
            ui.label(text).classes("text-negative").props('role="alert"').mark(marker)

    def _draw(self, result: dict[str, Any], cached: bool) -> None:
        t, locale = self.page.t, self.page.locale
        rows = result["rows"]
        notes = [t("evaluations.board_caption", k=result["k"], resamples=result["resamples"])]
        if result["partial"]:
            notes.append(t("evaluations.partial"))
        if cached:
            notes.append(t("evaluations.cached"))
        ui.label(" ".join(notes)).classes("text-sm opacity-80").mark("evaluation-board-caption")
        if not rows:
            ui.label(t("evaluations.no_results")).mark("evaluation-board-empty")
            return
        self._table(rows, "leaderboard-table", "leaderboard-row")
        with ui.grid().classes("w-full gap-3 grid-cols-1 lg:grid-cols-2"):
            for measure, _ in MEASURES:
                chart = ui.echart(interval_options(t, rows, measure))
                chart.classes("w-full").style(f"height: {60 + ROW_HEIGHT_PX * len(rows)}px")
                chart.mark(f"interval-chart-{measure}")
        for by in ("by_difficulty", "by_tag"):
            self._groups(by, result[by], locale)

    def _table(self, rows: list[dict[str, Any]], marker: str, row_marker: str) -> None:
        t, locale = self.page.t, self.page.locale
        keys = ("rank", "subject", "problems", "samples", *dict(MEASURES), "errors")
        table = Table([t(f"evaluations.board.{key}") for key in keys], marker)
        for rank, row in enumerate(rows, start=1):
            with table.row(f"{row_marker}-{row['model']}"):
                table.text(str(rank))
                table.text(subject_label(t, row["model"]), "font-medium")
                table.text(i18n.number(row["problems"], locale))
                table.text(i18n.number(row["samples"], locale))
                for measure, percent in MEASURES:
                    table.text(interval_text(row[measure], percent, locale), "whitespace-nowrap")
                table.text(i18n.number(row["error_rate"] * 100, locale, 1) + "%")

    def _groups(self, by: str, groups: list[dict[str, Any]], locale: Locale) -> None:
        t = self.page.t
        if not groups:
            return
        with ui.expansion(t(f"evaluations.{by}")).classes("w-full").mark(f"evaluation-{by}"):
            for group in groups:
                name = group["name"]
                shown = t(DIFFICULTY_KEYS[name]) if by == "by_difficulty" else name
                ui.label(shown).classes("font-semibold mt-2")
                self._table(group["rows"], f"{by}-{name}", f"{by}-{name}-row")

    # -- the paired comparison ---------------------------------------------------------

    def _comparison_card(self) -> None:
        t = self.page.t
        options = {s: subject_label(t, s) for s in self.subjects}
        with ui.card().classes("w-full gap-3").mark("evaluation-compare"):
            ui.label(t("evaluations.compare")).classes("text-lg font-semibold").props(
                'role="heading"'
            )
            ui.label(t("evaluations.compare_help")).classes("text-sm opacity-80")
            with ui.row().classes("items-end gap-3"):
                a = ui.select(options, value=self.a, label=t("evaluations.compare_a"))
                a.props("dense").classes("w-60").mark("evaluation-compare-a")
                a.on_value_change(lambda e: self.pick(a=e.value))
                b = ui.select(options, value=self.b, label=t("evaluations.compare_b"))
                b.props("dense").classes("w-60").mark("evaluation-compare-b")
                b.on_value_change(lambda e: self.pick(b=e.value))
            self.compare_area = ui.column().classes("gap-1")

    async def pick(self, a: str | None = None, b: str | None = None) -> None:
        self.a, self.b = a or self.a, b or self.b
        await self._compare()

    async def _compare(self) -> None:
        t, locale = self.page.t, self.page.locale
        asked = self._compares = self._compares + 1
        if self.a == self.b:
            self._compared(asked, lambda: _result(t("evaluations.compare_same")))
            return
        try:
            found = await self.page.console.call(
                leaderboard.compare,
                self.run_id,
                self.a,
                self.b,
                BOOTSTRAP_SEED,
                statistics.DEFAULT_RESAMPLES,
            )
        except (Invalid, NotFound):
            self._compared(asked, lambda: _result(t("evaluations.compare_none")))
            return
        except UNAVAILABLE:
            self._compared(asked, lambda: ui.label(t("error.unavailable")).props('role="alert"'))
            return
        self._compared(asked, lambda: self._comparison(found.result, locale))

    def _compared(self, asked: int, draw: Callable[[], Any]) -> None:
        """Draws an answer unless a later pick overtook it (each runs in a thread)."""
        if asked != self._compares:
            return
        self.compare_area.clear()
        with self.compare_area:
            draw()

    def _comparison(self, result: dict[str, Any], locale: Locale) -> None:
        t = self.page.t
        a, b = subject_label(t, result["a"]), subject_label(t, result["b"])
        if result["problems"] == 0:
            _result(t("evaluations.compare_none"))
            return
        difference = result["difference"]
        ui.label(t(verdict_key(difference), a=a, b=b)).classes("font-semibold").mark(
            "evaluation-compare-result"
        )
        ui.label(
            t(
                "evaluations.compare_difference",
                a=a,
                b=b,
                difference=interval_text(difference, False, locale),
            )
        ).mark("evaluation-compare-difference")
        ui.label(
            t(
                "evaluations.compare_counts",
                problems=result["problems"],
                wins=result["wins"],
                losses=result["losses"],
                ties=result["ties"],
                b=b,
            )
        ).classes("text-sm opacity-80").mark("evaluation-compare-counts")
        if result["partial"]:
            ui.label(t("evaluations.partial")).classes("text-sm opacity-80")


def _result(text: str) -> None:
    ui.label(text).mark("evaluation-compare-result")
