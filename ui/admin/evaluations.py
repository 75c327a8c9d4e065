"""/evaluations (admins): the evaluation runs, newest first, a page at a time: status, the
subjects (model versions and baselines), the frozen problem set and its hash, progress with
an estimate of the time left, who started it and when. The planner (/evaluations/new)
starts runs; each run's page is /evaluations/{id} (evaluation_detail.py).

Also the words the evaluation pages share: a run's status, a subject's name, a short hash,
the time left."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import psycopg
from fastapi import Request
from fastapi.responses import RedirectResponse
from nicegui import ui
from psycopg_pool import PoolTimeout

from appliance.db import Connection, Row
from appliance.evaluations import queries, runs
from appliance.evaluations.runs import Progress
from appliance.settings import Settings
from appliance.vocabulary import BASELINES, Locale, RunStatus
from ui import i18n, session
from ui.console import Console
from ui.i18n import Translate
from ui.layout import frame
from ui.session import Page
from ui.tables import Paging, Table

PAGE_SIZE = 20
NEW_RUN = "/evaluations/new"
HASH_SHOWN = 12
RUN_COLOURS: dict[RunStatus, str] = {
    "running": "blue-7",
    "held": "orange-9",
    "finished": "positive",
    "cancelled": "grey-7",
}
UNAVAILABLE = (psycopg.OperationalError, PoolTimeout)


@dataclass(frozen=True)
class ListedRun:
    row: Row
    progress: Progress


def run_path(run_id: int) -> str:
    return f"/evaluations/{run_id}"


def short_hash(content_hash: str) -> str:
    return content_hash[:HASH_SHOWN]


def subject_label(t: Translate, subject: str) -> str:
    """A baseline by its words, a model version as "name@number" (as the API names it)."""
    return t(f"evaluations.baseline.{subject}") if subject in BASELINES else subject


def subjects_of(manifest: dict[str, Any]) -> list[str]:
    """The run's subjects as the leaderboard keys them: model versions, then baselines."""
    models = [f"{m['name']}@{m['version']}" for m in manifest["models"]]
    return [*models, *manifest["baselines"]]


def time_left(t: Translate, seconds: float | None, locale: Locale) -> str:
    """The estimate in words, rounded up to what a person plans by. Pure."""
    if seconds is None:
        return t("evaluations.left_unknown")
    if seconds < 60:
        return t("evaluations.left_seconds", seconds=i18n.number(max(seconds, 1), locale))
    minutes = math.ceil(seconds / 60)  # rather later than sooner
    if minutes < 60:
        return t("evaluations.left_minutes", minutes=i18n.number(minutes, locale))
    return t("evaluations.left_hours", hours=minutes // 60, minutes=minutes % 60)


def counted(t: Translate, keys: tuple[str, str], count: int, locale: Locale, **more: object) -> str:
    """`keys` is (one, many): English says "1 sample" but "2 samples" (Korean has one form,
    which both of its keys hold). Pure."""
    one, many = keys
    return t(one if count == 1 else many, count=i18n.number(count, locale), **more)


def progress_words(t: Translate, progress: Progress, locale: Locale) -> str:
    """ "done / total", then what failed and the time left when there is anything to say."""
    parts = [
        counted(
            t,
            ("evaluations.progress_done_one", "evaluations.progress_done"),
            progress.total,
            locale,
            done=i18n.number(progress.done, locale),
        )
    ]
    if progress.failure or progress.error:
        parts.append(
            t(
                "evaluations.progress_failed",
                failure=i18n.number(progress.failure, locale),
                error=i18n.number(progress.error, locale),
            )
        )
    if progress.cancelled:
        parts.append(
            t("evaluations.progress_cancelled", count=i18n.number(progress.cancelled, locale))
        )
    if progress.pending + progress.running:
        parts.append(time_left(t, progress.seconds_left, locale))
    return " · ".join(parts)


def status_badge(t: Translate, status: RunStatus) -> ui.badge:
    return ui.badge(t(f"evaluations.status.{status}"), color=RUN_COLOURS[status])


def listing(
    conn: Connection, settings: Settings, limit: int, offset: int
) -> tuple[list[ListedRun], int]:
    """A page of runs with their progress, in one connection and four queries."""
    rows = queries.runs(conn, limit, offset)
    progress = runs.progress_of_runs(conn, settings, [row["id"] for row in rows])
    listed = [ListedRun(row, progress[row["id"]]) for row in rows]
    return listed, queries.count_runs(conn)


class RunList:
    """One browser tab's list of runs."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.paging: Paging[ListedRun] = Paging(PAGE_SIZE, self._fetch)

    async def _fetch(self, limit: int, offset: int) -> tuple[list[ListedRun], int]:
        console = self.page.console
        return await console.call(listing, console.settings, limit, offset)

    async def build(self) -> None:
        t = self.page.t
        with ui.row().classes("items-center gap-4 w-full"):
            ui.label(t("evaluations.intro")).classes("opacity-80")
            ui.space()
            # A link (the planner's page), not a handler: it opens in a new tab as well.
            ui.button(t("evaluations.new"), icon="add").props(f"href={NEW_RUN}").mark(
                "evaluations-new"
            )
        await self.table()

    @ui.refreshable_method
    async def table(self) -> None:
        t, locale = self.page.t, self.page.locale
        try:
            if not await self.paging.load():
                return
        except UNAVAILABLE:
            ui.label(t("error.unavailable")).classes("text-negative").props('role="alert"')
            return
        if not self.paging.rows:
            ui.label(t("evaluations.empty")).mark("evaluations-empty")
            return
        runs_total = counted(
            t, ("evaluations.total_one", "evaluations.total"), self.paging.total, locale
        )
        ui.label(runs_total).classes("text-sm opacity-80").mark("evaluations-total")
        headings = [
            t(f"evaluations.col.{key}")
            for key in ("run", "status", "subjects", "set", "progress", "created_by", "created")
        ]
        table = Table(headings, "evaluations-table")
        for listed in self.paging.rows:
            self._row(table, listed)
        self.paging.pager(t("evaluations.pages"), "evaluations-pager", self._turned)

    async def _turned(self) -> None:
        self.table.refresh()

    def _row(self, table: Table, listed: ListedRun) -> None:
        t, zone, locale = self.page.t, self.page.zone, self.page.locale
        row, manifest = listed.row, listed.row["manifest"]
        with table.row(f"evaluations-row-{row['id']}"):
            with table.cell():
                ui.link(f"#{row['id']}", run_path(row["id"])).classes("font-mono")
            with table.cell():
                status_badge(t, row["status"])
            table.text(", ".join(subject_label(t, s) for s in subjects_of(manifest)))
            with table.cell():
                ui.label(row["problem_set"])
                ui.label(short_hash(manifest["problem_set"]["content_hash"])).classes(
                    "font-mono text-xs opacity-70"
                )
            table.text(progress_words(t, listed.progress, locale))
            table.text(row["created_by"])
            table.text(i18n.moment(row["created_at"], zone, locale))


def register(console: Console) -> None:
    @ui.page("/evaluations")
    async def evaluations_page(request: Request) -> RedirectResponse | None:
        page = await session.guard(console, request, session.ADMIN)
        if isinstance(page, RedirectResponse):
            return page
        with frame(page, "nav.evaluations"):
            await RunList(page).build()
        return None
