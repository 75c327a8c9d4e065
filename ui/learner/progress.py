"""/learn/progress: how far the learner is, by difficulty and by tag (problems, tried,
solved, mean best score), their bookmarks, and whether other users see their name on the
leaderboards."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import Request
from fastapi.responses import RedirectResponse
from nicegui import ui

from appliance.db import Connection
from appliance.learning import catalog, leaderboard, progress
from appliance.learning.catalog import ProblemRow
from appliance.learning.progress import ProgressRow
from appliance.vocabulary import DIFFICULTIES
from ui.console import Console
from ui.i18n import number
from ui.layout import frame
from ui.learner import widgets
from ui.session import Page
from ui.tables import Table
from ui.words import difficulty_label

MAX_BOOKMARKS = 200
COLUMNS = (
    "learn.column.problems",
    "learn.column.tried",
    "learn.column.solved",
    "learn.column.mean_best",
)


@dataclass(frozen=True)
class Progress:
    by_difficulty: list[ProgressRow]
    by_tag: list[ProgressRow]
    bookmarks: list[ProblemRow]
    name_shown: bool


def load(conn: Connection, user_id: int) -> Progress:
    by_difficulty, by_tag = progress.progress(conn, user_id)
    bookmarks, _ = catalog.browse(conn, user_id, catalog.Filters(bookmarked=True), MAX_BOOKMARKS, 0)
    return Progress(
        by_difficulty, by_tag, bookmarks, leaderboard.shows_leaderboard_name(conn, user_id)
    )


def register(console: Console) -> None:
    @ui.page("/learn/progress")
    async def progress_page(request: Request) -> RedirectResponse | None:
        current = await widgets.enter(console, request)
        if isinstance(current, RedirectResponse):
            return current
        loaded = await console.call(load, current.user.id)
        with frame(current, "learn.progress.title"):
            _name_switch(current, loaded.name_shown)
            with ui.element("div").classes("w-full grid grid-cols-1 lg:grid-cols-2 gap-6"):
                with ui.column().classes("w-full min-w-0 gap-2"):
                    _heading(current.t("learn.progress.by_difficulty"))
                    _table(current, loaded.by_difficulty, "learn-progress-difficulty", True)
                with ui.column().classes("w-full min-w-0 gap-2"):
                    _heading(current.t("learn.progress.by_tag"))
                    _table(current, loaded.by_tag, "learn-progress-tag", False)
            _heading(current.t("learn.progress.bookmarks"))
            _bookmarks(current, loaded.bookmarks)
        return None


def _heading(text: str) -> None:
    ui.label(text).classes("text-lg font-semibold").props('role="heading" aria-level="2"')


def _name_switch(page: Page, shown: bool) -> None:
    t = page.t

    async def choose(value: bool) -> None:
        await page.console.call(leaderboard.set_leaderboard_name, page.user.id, value)
        ui.notify(t("learn.progress.name_on" if value else "learn.progress.name_off"))

    switch = ui.switch(t("learn.progress.show_name", name=page.user.name), value=shown)
    switch.on_value_change(lambda e: choose(bool(e.value)))
    switch.mark("learn-show-name")
    ui.label(t("learn.progress.show_name_help")).classes("text-sm text-gray-700")


def _group_label(page: Page, group: str, difficulties: bool) -> str:
    if difficulties and group in DIFFICULTIES:
        return difficulty_label(page, group)
    return group


def _table(page: Page, rows: list[ProgressRow], marker: str, difficulties: bool) -> None:
    t = page.t
    if not rows:
        ui.label(t("learn.progress.empty")).classes("text-gray-600")
        return
    heading = t("learn.column.difficulty" if difficulties else "learn.column.tag")
    with ui.element("div").classes("w-full overflow-x-auto"):
        table = Table([heading, *(t(key) for key in COLUMNS)], marker)
        for row in rows:
            with table.row(f"{marker}-{row.group}"):
                label = _group_label(page, row.group, difficulties)
                with table.cell(), ui.column().classes("gap-1"):
                    ui.label(label)
                    share = row.solved / row.problems if row.problems else 0.0
                    ui.linear_progress(share, show_value=False).props(
                        f'aria-label="{t("learn.progress.solved_share", group=label)}"'
                    ).classes("w-32")
                table.text(number(row.problems, page.locale))
                table.text(number(row.tried, page.locale))
                table.text(number(row.solved, page.locale))
                table.text(number(row.mean_best, page.locale, 1))


def _bookmarks(page: Page, rows: list[ProblemRow]) -> None:
    if not rows:
        ui.label(page.t("learn.progress.no_bookmarks")).classes("text-gray-600")
        return
    with ui.column().classes("gap-1").mark("learn-bookmarks"):
        for row in rows:
            with ui.row().classes("items-center gap-2"):
                ui.link(row.title, f"/learn/{row.slug}")
                ui.label(row.slug).classes("font-mono text-sm text-gray-600")
                widgets.state_badge(page, row.state)
                ui.label(widgets.score_text(page, row.best_score))
