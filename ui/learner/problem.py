"""/learn/{slug}: one problem and the learner's work on it. The statement, its examples,
the signature, golden code where the problem shows it, the limits and a bookmark; the
editor with the learner's draft (kept server side: it survives a reload and another
browser), submitted with the button or Ctrl+Enter; the live result panel; the learner's
attempts on it and the problem's leaderboard."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass

import psycopg
from fastapi import Request
from fastapi.responses import RedirectResponse
from nicegui import ui
from psycopg_pool import PoolTimeout

from appliance.db import Connection
from appliance.errors import Invalid, NotFound, Overloaded, PayloadTooLarge, RateLimited
from appliance.learning import history, leaderboard, workspace
from appliance.learning.history import Attempt
from appliance.learning.leaderboard import Standing
from appliance.learning.starter import starter_suite
from appliance.learning.workspace import ProblemPage
from appliance.submissions import intake
from ui.console import Console
from ui.i18n import moment, number
from ui.layout import frame
from ui.learner import widgets
from ui.learner.result import ResultPanel
from ui.session import Page
from ui.tables import Table
from ui.words import difficulty_label

RECENT_ATTEMPTS = 10
UNFINISHED = ("PENDING", "RUNNING")
# PostgreSQL gone while the page is open: said on the page, the editor's text kept.
UNAVAILABLE = (psycopg.OperationalError, PoolTimeout)
# How long typing must pause before the draft is saved, and how often that is checked
# (a server-side timer: nothing is polled over the network).
DRAFT_PAUSE_S = 1.0
DRAFT_CHECK_S = 0.25


@dataclass(frozen=True)
class Workspace:
    """Everything the page shows on open, read in one trip to the database."""

    problem: ProblemPage
    code: str
    attempts: list[Attempt]
    attempt_total: int
    standings: list[Standing]


def load(conn: Connection, user_id: int, slug: str) -> Workspace | None:
    problem = workspace.problem_page(conn, user_id, slug)
    if problem is None:
        return None
    draft = workspace.load_draft(conn, user_id, slug)
    code = (
        draft if draft is not None else starter_suite(problem.function_signature, problem.examples)
    )
    attempts, total = history.attempts(conn, user_id, slug, RECENT_ATTEMPTS, 0)
    return Workspace(problem, code, attempts, total, leaderboard.leaderboard(conn, user_id, slug))


@dataclass(frozen=True)
class Latest:
    """What a verdict changes on the page: the attempts, the leaderboard, and the learner's
    state and best score on the problem (None once the problem is withdrawn)."""

    attempts: list[Attempt]
    attempt_total: int
    standings: list[Standing]
    problem: ProblemPage | None


def recent(conn: Connection, user_id: int, slug: str) -> Latest:
    """The attempts, leaderboard, state and best score again, after a submission or a
    verdict."""
    attempts, total = history.attempts(conn, user_id, slug, RECENT_ATTEMPTS, 0)
    standings = leaderboard.leaderboard(conn, user_id, slug)
    return Latest(attempts, total, standings, workspace.problem_page(conn, user_id, slug))


def register(console: Console) -> None:
    @ui.page("/learn/{slug}")
    async def problem_page(request: Request, slug: str) -> RedirectResponse | None:
        current = await widgets.enter(console, request)
        if isinstance(current, RedirectResponse):
            return current
        loaded = await console.call(load, current.user.id, slug)
        if loaded is None:
            with frame(current, "learn.problem.missing_title"):
                ui.label(current.t("learn.problem.missing")).mark("learn-missing")
                ui.link(current.t("learn.problem.back"), "/learn")
            return None
        with frame(current, "learn.problem.title"):
            await _build(current, loaded)
        return None


async def _build(page: Page, loaded: Workspace) -> None:
    problem = loaded.problem
    ui.page_title(f"{problem.title} · {page.t('app.title')}")  # the tab names the problem
    title = ui.label(problem.title).classes("text-xl font-semibold")
    title.props('role="heading" aria-level="2"').mark("learn-problem-title")
    # Side by side from 1024 px on; stacked (statement first) on a tablet.
    with ui.element("div").classes(
        "w-full flex flex-col lg:flex-row flex-nowrap gap-6 items-start"
    ):
        with ui.column().classes("w-full lg:flex-1 min-w-0 gap-3"):
            standing = _statement(page, problem)
        with ui.column().classes("w-full lg:flex-1 min-w-0 gap-3"):
            submitter = _editor(page, loaded)
    with ui.element("div").classes("w-full grid grid-cols-1 lg:grid-cols-2 gap-6"):
        submitter.lists = Recent(page, problem.slug, standing)
        submitter.lists.fill(Latest(loaded.attempts, loaded.attempt_total, loaded.standings, None))
    if loaded.attempts:
        latest = loaded.attempts[0]
        await submitter.panel.show(latest.id)  # the latest, live if still judged
        if latest.status in UNFINISHED:
            submitter.lists.follow(latest.id)
            await submitter.lists.refresh()


def _statement(page: Page, problem: ProblemPage) -> ui.row:
    """The statement; returns the row of the learner's state and best score, which a
    verdict redraws."""
    t = page.t
    with ui.row().classes("items-center gap-2"):
        ui.badge(difficulty_label(page, problem.difficulty), color="indigo-7")
        for name in problem.tags:
            ui.badge(name, color="grey-3", text_color="grey-9")
        with ui.row().classes("items-center gap-2") as standing:
            _standing(page, problem)
    _bookmark(page, problem)
    # Written by the problem's author (trusted): Markdown is meant for it.
    ui.markdown(problem.description_md).classes("w-full").mark("learn-statement")
    ui.label(t("learn.problem.signature")).classes("font-semibold")
    ui.code(problem.function_signature, language="python").classes("w-full").mark("learn-signature")
    limits = t(
        "learn.problem.limits",
        seconds=number(problem.wall_seconds, page.locale, 1),
        mutants=number(problem.mutant_count, page.locale),
        version=problem.version,
    )
    ui.label(limits).classes("text-sm text-gray-700").mark("learn-limits")
    if problem.golden_code is not None:
        with ui.expansion(t("learn.problem.golden"), icon="visibility").classes("w-full"):
            ui.code(problem.golden_code, language="python").classes("w-full").mark("learn-golden")
    return standing


def _standing(page: Page, problem: ProblemPage) -> None:
    widgets.state_badge(page, problem.state).mark("learn-problem-state")
    ui.label(widgets.score_text(page, problem.best_score)).mark("learn-problem-best")


def _bookmark(page: Page, problem: ProblemPage) -> None:
    async def toggle(on: bool) -> None:
        await page.console.call(workspace.set_bookmark, page.user.id, problem.slug, on)

    switch = ui.switch(page.t("learn.problem.bookmark"), value=problem.bookmarked)
    switch.on_value_change(lambda e: toggle(bool(e.value)))
    switch.mark("learn-bookmark")


class Draft:
    """The editor's text, saved once typing pauses, before a submission, and when the page
    is left with unsaved changes."""

    def __init__(self, page: Page, slug: str, editor: ui.codemirror, status: ui.label) -> None:
        self.page, self.slug, self.editor, self.status = page, slug, editor, status
        self.changed_at: float | None = None

    def touch(self) -> None:
        self.changed_at = time.monotonic()
        self.status.text = self.page.t("learn.draft.unsaved")

    async def tick(self) -> None:
        if self.changed_at is not None and time.monotonic() - self.changed_at >= DRAFT_PAUSE_S:
            await self.save()

    async def save(self) -> None:
        if self.changed_at is None:
            return
        self.changed_at = None
        console, t = self.page.console, self.page.t
        try:
            await console.call(
                workspace.save_draft,
                self.page.user.id,
                self.slug,
                self.editor.value,
                console.settings.max_code_bytes,
            )
        except PayloadTooLarge:
            self.status.text = t("learn.draft.too_large")
            return
        except UNAVAILABLE:
            self.changed_at = time.monotonic()  # tried again after the next pause
            self.status.text = t("learn.draft.unavailable")
            return
        self.status.text = t("learn.draft.saved")

    def submitted(self) -> None:
        """The submission stored the draft: nothing is left to save."""
        self.changed_at = None
        self.status.text = self.page.t("learn.draft.saved")


def _editor(page: Page, loaded: Workspace) -> Submitter:
    t, slug = page.t, loaded.problem.slug
    ui.label(t("learn.editor.label")).classes("font-semibold").props('id="learn-editor-label"')
    wrapper = ui.element("div").classes("w-full border rounded")
    wrapper.props('data-testid="editor" role="group" aria-labelledby="learn-editor-label"')
    with wrapper:
        editor = ui.codemirror(loaded.code, language="Python").classes("w-full h-96")
        editor.mark("learn-editor")
    _label_editor_text(editor, t("learn.editor.label"))
    ui.label(t("learn.editor.keys")).classes("text-sm text-gray-700")
    with ui.row().classes("w-full items-center gap-3"):
        button = ui.button(t("learn.submit"), icon="send").props('data-testid="submit"')
        button.mark("learn-submit")
        ui.label(t("learn.submit.shortcut")).classes("text-sm text-gray-700")
        ui.space()
        status = ui.label("").classes("text-sm text-gray-700").props('aria-live="polite"')
        status.mark("learn-draft-status")
    message = ui.label("").classes("text-negative").props('role="alert"').mark("learn-message")
    draft = Draft(page, slug, editor, status)
    editor.on_value_change(draft.touch)
    ui.timer(DRAFT_CHECK_S, draft.tick)
    ui.context.client.on_disconnect(draft.save)
    submitter = Submitter(page, slug, editor, button, message, draft, ResultPanel(page))
    button.on_click(submitter.run)
    editor.map_key("Ctrl-Enter", submitter.run)
    return submitter


def _label_editor_text(editor: ui.codemirror, label: str) -> None:
    """Names CodeMirror's own text box for screen readers (NiceGUI offers no option for
    it): once the page is connected, retried until the editor has mounted."""
    script = (
        "(function label(tries) {"
        f" const box = document.querySelector('#c{editor.id} .cm-content');"
        f" if (box) box.setAttribute('aria-label', {json.dumps(label)});"
        " else if (tries > 0) setTimeout(() => label(tries - 1), 100);"
        "})(50)"
    )
    client = ui.context.client
    client.on_connect(lambda: client.run_javascript(script))


class Submitter:
    """One submission at a time: the appliance's refusals (rate limit, full backlog, too
    large) are said on the page and the draft stays as it is."""

    def __init__(
        self,
        page: Page,
        slug: str,
        editor: ui.codemirror,
        button: ui.button,
        message: ui.label,
        draft: Draft,
        panel: ResultPanel,
    ) -> None:
        self.page, self.slug, self.editor, self.button = page, slug, editor, button
        self.message, self.draft, self.panel = message, draft, panel
        self.lists: Recent | None = None  # built below the editor, once the page has it
        self.busy = False

    async def run(self) -> None:
        if self.busy:
            return  # a double click or a held Ctrl+Enter judges once
        self.busy = True
        self.button.disable()
        try:
            submission_id = await self._submit()
        finally:
            self.busy = False
            self.button.enable()
        if submission_id is not None:
            self.draft.submitted()
            await self.panel.show(submission_id)
            if self.lists is not None:
                self.lists.follow(submission_id)
                await self.lists.refresh()

    async def _submit(self) -> str | None:
        """The new submission's id, or None when the appliance refused it (said here)."""
        console, t = self.page.console, self.page.t
        try:
            row = await console.call(
                intake.submit,
                console.broker,
                console.settings,
                self.page.user,
                self.slug,
                self.editor.value,
            )
        except RateLimited as exc:
            refusal = t("learn.refused.rate", seconds=exc.retry_after)
        except Overloaded as exc:
            refusal = t("learn.refused.backlog", seconds=exc.retry_after)
        except PayloadTooLarge:
            limit = number(console.settings.max_code_bytes, self.page.locale)
            refusal = t("learn.refused.too_large", limit=limit)
        except NotFound:
            refusal = t("learn.refused.gone")
        except Invalid:
            refusal = t("learn.refused.invalid")
        except UNAVAILABLE:
            refusal = t("learn.refused.unavailable")
        else:
            self.message.text = ""
            return str(row["id"])
        self.message.text = refusal
        ui.notify(refusal, type="warning")
        return None


class Recent:
    """The learner's attempts on this problem and its leaderboard, rebuilt after a
    submission and again when that submission's verdict arrives."""

    def __init__(self, page: Page, slug: str, standing: ui.row) -> None:
        self.page, self.slug, self.standing = page, slug, standing
        self.attempts_box = ui.column().classes("w-full min-w-0 gap-2")
        self.standings_box = ui.column().classes("w-full min-w-0 gap-2")
        self.unsubscribe: Callable[[], None] | None = None
        ui.context.client.on_delete(self._stop)

    def follow(self, submission_id: str) -> None:
        """Rebuild on every change of this submission's status (subscribed before the
        next read, so that no change falls between the two)."""
        self._stop()
        self.unsubscribe = self.page.console.watcher.subscribe(submission_id, self.refresh)

    async def refresh(self) -> None:
        self.fill(await self.page.console.call(recent, self.page.user.id, self.slug))

    def _stop(self) -> None:
        if self.unsubscribe is not None:
            self.unsubscribe()
            self.unsubscribe = None

    def fill(self, latest: Latest) -> None:
        self.attempts_box.clear()
        with self.attempts_box:
            _attempts(self.page, self.slug, latest.attempts, latest.attempt_total)
        self.standings_box.clear()
        with self.standings_box:
            _standings(self.page, latest.standings)
        if latest.problem is not None:
            self.standing.clear()
            with self.standing:
                _standing(self.page, latest.problem)


def _attempts(page: Page, slug: str, attempts: list[Attempt], total: int) -> None:
    t = page.t
    ui.label(t("learn.problem.attempts")).classes("text-lg font-semibold").props(
        'role="heading" aria-level="2"'
    )
    if not attempts:
        ui.label(t("learn.problem.no_attempts")).classes("text-gray-600")
        return
    table = Table(
        [t("learn.column.when"), t("learn.column.status"), t("learn.column.score")],
        "learn-problem-attempts",
    )
    for attempt in attempts:
        with table.row(f"learn-attempt-{attempt.id}"):
            with table.cell():
                ui.link(
                    moment(attempt.created_at, page.zone, page.locale),
                    f"/learn/results/{attempt.id}",
                )
            with table.cell():
                widgets.status_badge(page, attempt.status)
            table.text(widgets.score_text(page, attempt.score))
    if total > len(attempts):
        ui.link(t("learn.problem.all_attempts", total=total), f"/learn/attempts?problem={slug}")


def _standings(page: Page, standings: list[Standing]) -> None:
    t = page.t
    ui.label(t("learn.leaderboard.title")).classes("text-lg font-semibold").props(
        'role="heading" aria-level="2"'
    )
    if not standings:
        ui.label(t("learn.leaderboard.empty")).classes("text-gray-600")
        return
    table = Table(
        [
            t("learn.column.rank"),
            t("learn.column.name"),
            t("learn.column.best"),
            t("learn.column.attempts"),
            t("learn.column.reached"),
        ],
        "learn-leaderboard",
    )
    for standing in standings:
        with table.row(f"learn-rank-{standing.rank}"):
            table.text(str(standing.rank))
            table.text(
                _standing_name(page, standing), "font-semibold" if standing.is_viewer else ""
            )
            table.text(widgets.score_text(page, standing.best_score))
            table.text(number(standing.attempts, page.locale))
            table.text(moment(standing.reached_at, page.zone, page.locale))


def _standing_name(page: Page, standing: Standing) -> str:
    name = standing.name or page.t("learn.leaderboard.anonymous")
    return page.t("learn.leaderboard.you", name=name) if standing.is_viewer else name
