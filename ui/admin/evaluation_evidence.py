"""The evidence browser of a run's page: its samples, filtered by subject, problem and
status in SQL, a page at a time and without the long texts; a sample opens its evidence,
read only then (the prompt, the model's response, the suite taken from it, the verdict of
each variant by a neutral label, the score, the latency, the tokens, why it failed).

A model's response is untrusted text: markup or template syntax in it must never be run.
Every text here is a label's text (set as text, never as HTML, never compiled as a
template), and variants are named by kind and number, never by their name or code."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from nicegui import ui

from appliance.db import Connection, Row
from appliance.evaluations import queries
from appliance.evaluations.leaderboard import subject_key
from appliance.evaluations.queries import SampleFilter
from appliance.vocabulary import SAMPLE_STATUSES, Locale, SampleStatus
from ui import i18n
from ui.admin.evaluations import UNAVAILABLE, counted, subject_label, subjects_of
from ui.i18n import Translate
from ui.session import Page
from ui.tables import Paging, Table

PAGE_SIZE = 25
SAMPLES_TOTAL = ("evaluations.samples_total_one", "evaluations.samples_total")
SAMPLE_COLOURS: dict[SampleStatus, str] = {
    "PENDING": "grey-7",
    "RUNNING": "blue-7",
    "SUCCESS": "positive",
    "FAILURE": "warning",
    "ERROR": "negative",
    "CANCELLED": "grey-5",
}
TEXT_BOX = (
    "font-mono text-xs whitespace-pre-wrap break-all bg-slate-100 p-2 rounded w-full"
    " max-h-96 overflow-auto"
)


@dataclass(frozen=True)
class VariantLine:
    label: str
    verdict: str
    duration_ms: int


def neutral_labels(t: Translate, verdicts: list[Row]) -> list[VariantLine]:
    """Each run of the sample's suite by its kind and its number among that kind, in the
    stored order: a variant's name could say what its mutation is. Pure."""
    counts: dict[str, int] = {}
    lines = []
    for v in verdicts:
        kind = v["kind"]
        counts[kind] = counts.get(kind, 0) + 1
        label = t(f"evaluations.variant.{kind}", n=counts[kind])
        lines.append(VariantLine(label, v["verdict"], v["duration_ms"]))
    return lines


def filtered_samples(
    conn: Connection, run_id: int, wanted: SampleFilter, limit: int, offset: int
) -> tuple[list[Row], int]:
    """A page of the run's samples that match (no texts), and how many match in all."""
    rows = queries.sample_listing(conn, run_id, wanted, limit, offset)
    return rows, queries.count_sample_listing(conn, run_id, wanted)


def sample_evidence(conn: Connection, run_id: int, sample_id: int) -> tuple[Row, list[Row]] | None:
    """One sample of the run with its texts and its submission's verdicts; None when it is
    not a sample of that run."""
    row = queries.sample(conn, run_id, sample_id)
    if row is None:
        return None
    submission = row["submission_id"]
    return row, queries.verdicts(conn, [str(submission)]) if submission is not None else []


class Evidence:
    """The filters, the samples' table and the opened sample's evidence."""

    def __init__(self, page: Page, run_id: int, manifest: dict[str, Any]) -> None:
        self.page = page
        self.run_id = run_id
        self.subjects = subjects_of(manifest)
        self.problems = sorted({item["slug"] for item in manifest["problem_set"]["items"]})
        self.wanted = SampleFilter()
        self.paging: Paging[Row] = Paging(PAGE_SIZE, self._fetch)
        self.opened: Row | None = None

    async def _fetch(self, limit: int, offset: int) -> tuple[list[Row], int]:
        return await self.page.console.call(
            filtered_samples, self.run_id, self.wanted, limit, offset
        )

    def build(self) -> None:
        t = self.page.t
        with ui.card().classes("w-full gap-3").mark("evaluation-evidence"):
            ui.label(t("evaluations.evidence")).classes("text-lg font-semibold").props(
                'role="heading"'
            )
            with ui.row().classes("items-end gap-3 flex-wrap"):
                any_ = {"": t("evaluations.any")}
                subjects = any_ | {s: subject_label(t, s) for s in self.subjects}
                self._select("subject", t("evaluations.filter_subject"), subjects)
                self._select(
                    "problem", t("evaluations.filter_problem"), any_ | {p: p for p in self.problems}
                )
                statuses = any_ | {s: t(f"evaluations.sample.{s}") for s in SAMPLE_STATUSES}
                self._select("status", t("evaluations.filter_status"), statuses)
            self.listing_area = ui.column().classes("w-full gap-2")
            self.evidence_area = ui.column().classes("w-full gap-2")
        ui.timer(0.05, self.reload, once=True)

    def _select(self, field: str, label: str, options: dict[str, str]) -> None:
        select = ui.select(options, value="", label=label)
        select.props("dense options-dense").classes("w-52").mark(f"evidence-filter-{field}")
        select.on_value_change(lambda e: self.refilter(field, e.value or ""))

    async def refilter(self, field: str, value: str) -> None:
        """An empty choice is "any"."""
        self.wanted = SampleFilter(**{**self.wanted.__dict__, field: value or None})
        self.paging.number = 1
        await self.reload()

    async def reload(self) -> None:
        t = self.page.t
        try:
            if not await self.paging.load():
                return
        except UNAVAILABLE:
            self.listing_area.clear()
            with self.listing_area:
                ui.label(t("error.unavailable")).classes("text-negative").props('role="alert"')
            return
        self.listing_area.clear()
        with self.listing_area:
            self._listing()

    def _listing(self) -> None:
        t, locale = self.page.t, self.page.locale
        total = counted(t, SAMPLES_TOTAL, self.paging.total, locale)
        ui.label(total).classes("text-sm opacity-80").mark("evidence-total")
        if not self.paging.rows:
            return
        keys = ("subject", "problem", "index", "status", "score", "latency", "tokens", "open")
        table = Table([t(f"evaluations.sample_col.{key}") for key in keys], "evidence-table")
        for row in self.paging.rows:
            self._row(table, row, locale)
        self.paging.pager(t("evaluations.pages"), "evidence-pager", self.reload)

    def _row(self, table: Table, row: Row, locale: Locale) -> None:
        t = self.page.t
        with table.row(f"evidence-row-{row['id']}"):
            table.text(subject_label(t, subject_key(row)))
            table.text(f"{row['problem']}@{row['problem_version']}")
            table.text(str(row["sample_index"]))
            with table.cell():
                ui.badge(
                    t(f"evaluations.sample.{row['status']}"), color=SAMPLE_COLOURS[row["status"]]
                )
            table.text(i18n.number(row["score"], locale))
            table.text(_millis(row["latency_ms"], locale))
            table.text(_tokens(t, row, locale))
            with table.cell():
                ui.button(t("evaluations.open"), on_click=lambda i=row["id"]: self.open(i)).props(
                    "flat dense no-caps"
                ).mark(f"evidence-open-{row['id']}")

    # -- one sample's evidence ---------------------------------------------------------

    async def open(self, sample_id: int) -> None:
        """The sample's texts and verdicts, read only now: the listing leaves them out."""
        t = self.page.t
        try:
            found = await self.page.console.call(sample_evidence, self.run_id, sample_id)
        except UNAVAILABLE:
            ui.notify(t("error.unavailable"), type="negative")
            return
        if found is None:
            ui.notify(t("evaluations.sample_missing"), type="warning")
            return
        row, verdicts = found
        self.opened = row
        self.evidence_area.clear()
        with self.evidence_area:
            self._evidence(row, neutral_labels(t, verdicts))

    def _evidence(self, row: Row, lines: list[VariantLine]) -> None:
        t, locale = self.page.t, self.page.locale
        with ui.card().classes("w-full gap-2 bg-slate-50").mark("evidence-sample"):
            ui.label(
                t(
                    "evaluations.sample_title",
                    subject=subject_label(t, subject_key(row)),
                    problem=f"{row['problem']}@{row['problem_version']}",
                    index=row["sample_index"],
                )
            ).classes("font-semibold").props('role="heading"')
            with ui.grid(columns="max-content 1fr").classes("gap-x-6 gap-y-1 text-sm"):
                for key, value in self._facts(row, locale):
                    ui.label(t(f"evaluations.evidence.{key}")).classes("opacity-70")
                    ui.label(value).classes("break-all").mark(f"evidence-{key}")
            for key in ("prompt", "response", "suite"):
                ui.label(t(f"evaluations.evidence.{key}")).classes("font-semibold mt-2")
                text = row[key]
                if text:
                    ui.label(text).classes(TEXT_BOX).mark(f"evidence-{key}-text")
                else:
                    ui.label(t("evaluations.evidence.none")).classes("opacity-60")
            self._verdicts(lines, locale)

    def _facts(self, row: Row, locale: Locale) -> list[tuple[str, str]]:
        t = self.page.t
        facts = [
            ("status", t(f"evaluations.sample.{row['status']}")),
            ("score", _score(t, row, locale)),
            ("latency", _millis(row["latency_ms"], locale)),
            ("tokens", _tokens(t, row, locale)),
            ("duration", _millis(row["duration_ms"], locale)),
            ("seed", str(row["seed"])),
        ]
        if row["reason"]:
            facts.append(("reason", _reason(t, row["reason"])))
        if row["error"]:
            facts.append(("error", str(row["error"])))
        return facts

    def _verdicts(self, lines: list[VariantLine], locale: Locale) -> None:
        t = self.page.t
        ui.label(t("evaluations.evidence.verdicts")).classes("font-semibold mt-2")
        if not lines:
            ui.label(t("evaluations.evidence.no_verdicts")).classes("opacity-60")
            return
        keys = ("variant", "verdict", "duration")
        table = Table([t(f"evaluations.verdict_col.{k}") for k in keys], "evidence-verdicts")
        for line in lines:
            with table.row():
                table.text(line.label)
                table.text(t(f"submissions.verdict_{line.verdict}"))
                table.text(_millis(line.duration_ms, locale))


def _reason(t: Translate, reason: str) -> str:
    return (
        t("evaluations.reason.no_suite")
        if reason == "no_suite"
        else t(f"submissions.reason_{reason}")
    )


def _millis(value: int | None, locale: Locale) -> str:
    return "-" if value is None else f"{i18n.number(value, locale)} ms"


def _tokens(t: Translate, row: Row, locale: Locale) -> str:
    if row["prompt_tokens"] is None and row["completion_tokens"] is None:
        return "-"
    return t(
        "evaluations.tokens",
        prompt=i18n.number(row["prompt_tokens"], locale),
        completion=i18n.number(row["completion_tokens"], locale),
    )


def _score(t: Translate, row: Row, locale: Locale) -> str:
    if row["score"] is None:
        return "-"
    if row["killed_weight"] is None or row["total_weight"] is None:
        return i18n.number(row["score"], locale)
    return t(
        "evaluations.score_detail",
        score=i18n.number(row["score"], locale),
        killed=i18n.number(row["killed_weight"], locale),
        total=i18n.number(row["total_weight"], locale),
    )
