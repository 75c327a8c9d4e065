"""/learn/attempts: every attempt of the learner, newest first (optionally of one problem),
each with its score and what changed since the previous attempt on the same problem.
The learner's code is shown as text only."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import RedirectResponse
from nicegui import ui

from appliance.db import Connection
from appliance.learning import catalog, history
from appliance.learning.history import Attempt
from appliance.problems.bundle import SLUG
from ui.console import Console
from ui.i18n import moment
from ui.layout import frame
from ui.learner import widgets
from ui.session import Page

PAGE_SIZE = 10
MAX_PAGE = 100_000
# The filter offers every published problem: one page of the browser holds a catalog.
MAX_PROBLEMS = catalog.MAX_PAGE


@dataclass(frozen=True)
class History:
    attempts: list[Attempt]
    total: int
    problems: dict[str, str]  # slug -> title, for the filter
    slug: str | None
    page: int


def address(slug: str | None, page: int = 1) -> str:
    params = {"problem": slug or "", "page": page if page > 1 else ""}
    query = urlencode({key: value for key, value in params.items() if value})
    return f"/learn/attempts?{query}" if query else "/learn/attempts"


def load(conn: Connection, user_id: int, slug: str | None, page: int) -> History:
    attempts, total = history.attempts(conn, user_id, slug, PAGE_SIZE, (page - 1) * PAGE_SIZE)
    last = max(1, -(-total // PAGE_SIZE))
    if page > last:
        page = last
        attempts, total = history.attempts(conn, user_id, slug, PAGE_SIZE, (page - 1) * PAGE_SIZE)
    rows, _ = catalog.browse(conn, user_id, catalog.Filters(), MAX_PROBLEMS, 0)
    return History(attempts, total, {row.slug: row.title for row in rows}, slug, page)


def register(console: Console) -> None:
    @ui.page("/learn/attempts")
    async def attempts_page(
        request: Request, problem: str | None = None, page: str | None = None
    ) -> RedirectResponse | None:
        current = await widgets.enter(console, request)
        if isinstance(current, RedirectResponse):
            return current
        slug = problem if problem and SLUG.fullmatch(problem) else None
        number_ = min(max(int(page), 1), MAX_PAGE) if page and page.isdigit() else 1
        loaded = await console.call(load, current.user.id, slug, number_)
        with frame(current, "learn.attempts.title"):
            _filter(current, loaded)
            if not loaded.attempts:
                ui.label(current.t("learn.attempts.empty")).classes("text-gray-600").mark(
                    "learn-attempts-empty"
                )
            for attempt in loaded.attempts:
                _attempt(current, attempt)
            widgets.pager(
                current,
                "learn.attempts.count",
                "learn-attempts-count",
                (loaded.page, PAGE_SIZE, loaded.total),
                lambda number_: address(loaded.slug, number_),
            )
        return None


def _filter(page: Page, loaded: History) -> None:
    t = page.t
    options = {"": t("learn.filter.any")} | {
        slug: f"{title} ({slug})" for slug, title in loaded.problems.items()
    }
    if loaded.slug and loaded.slug not in options:
        options[loaded.slug] = loaded.slug  # a problem since withdrawn keeps its attempts
    select = ui.select(
        options, value=loaded.slug or "", label=t("learn.attempts.problem"), with_input=True
    ).classes("w-96 max-w-full")
    select.mark("learn-attempts-problem")
    select.on_value_change(lambda e: ui.navigate.to(address(e.value or None)))


def _attempt(page: Page, attempt: Attempt) -> None:
    t = page.t
    with ui.card().classes("w-full gap-2").mark(f"learn-attempt-{attempt.id}"):
        with ui.row().classes("w-full items-center gap-3"):
            ui.link(attempt.title, f"/learn/{attempt.problem}").classes("font-semibold")
            ui.label(attempt.problem).classes("font-mono text-xs text-gray-600")
            ui.label(f"v{attempt.version}").classes("text-gray-600")
            widgets.status_badge(page, attempt.status)
            ui.label(widgets.score_text(page, attempt.score)).classes("font-semibold")
            if attempt.rejudge_of:
                ui.badge(t("learn.attempts.rejudge"), color="grey-6")
            ui.space()
            ui.label(moment(attempt.created_at, page.zone, page.locale)).classes("text-sm")
            ui.link(t("learn.attempts.result"), f"/learn/results/{attempt.id}")
        if attempt.previous_id is None:
            ui.label(t("learn.attempts.first")).classes("text-sm text-gray-700")
            with ui.expansion(t("learn.attempts.code")).classes("w-full"):
                widgets.code_block(attempt.code)
        elif attempt.diff:
            ui.label(t("learn.attempts.diff")).classes("text-sm text-gray-700")
            widgets.diff_block(attempt.diff, page, f"learn-diff-{attempt.id}")
        else:
            ui.label(t("learn.attempts.same")).classes("text-sm text-gray-700")
