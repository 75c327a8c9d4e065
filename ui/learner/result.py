"""The result panel of one submission, as its learner reads it: live while it waits and is
judged (pushed by the console's watcher, no polling), then the score explained by the
weights, each mutant by neutral label, hints for survivors, the kill matrix, golden's
failures, and what a FAILURE or an ERROR means and what to do next.

For a finished suite (SUCCESS or FAILURE) the learner may ask the feedback champion for AI
feedback (appliance/feedback/service.py, called in-process as the API's POST does) and
reads it here when it is written.

Everything the learner's suite produced (test ids, messages, output) and the model's
feedback are shown as text (ui.label, ui.table cells), never as HTML or Markdown."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import psycopg
from nicegui import background_tasks, ui
from psycopg_pool import PoolTimeout

from appliance import ratelimit
from appliance.errors import Conflict, NotFound, RateLimited
from appliance.feedback import jobs as feedback_jobs
from appliance.feedback import service as feedback
from appliance.feedback.service import FeedbackView
from appliance.submissions import reading
from appliance.submissions.detail import GoldenView, MutantView, SubmissionDetail
from appliance.vocabulary import Status
from ui import i18n
from ui.session import Page
from ui.tables import KILL_MARK, matrix_rows
from ui.words import STATUS_COLOURS

TERMINAL: tuple[Status, ...] = ("SUCCESS", "FAILURE", "ERROR")
# The statuses feedback is written for: a suite that ran (ERROR is the appliance's fault).
FEEDBACK_FOR: tuple[Status, ...] = ("SUCCESS", "FAILURE")
# The failures the service names, in the learner's words (anything else: generic words).
FAILED_KEYS = {
    feedback_jobs.TIMED_OUT: "result.feedback_failed_timeout",
    feedback_jobs.UNREACHABLE: "result.feedback_failed_unreachable",
    feedback_jobs.EMPTY: "result.feedback_failed_empty",
    feedback.QUEUE_DOWN: "result.feedback_failed_queue",
}
# data-status while there is nothing to show: no such submission of this user.
MISSING = "MISSING"
UNAVAILABLE = (psycopg.OperationalError, PoolTimeout)
UNAVAILABLE_RETRY_S = 3.0
MONOSPACE = "font-mono text-sm whitespace-pre-wrap break-all"
# A suite may store up to 2000 tests: the browser draws only the matrix rows in view.
LONG_TABLE_STYLE = "max-height: 60vh"


class Coalesced:
    """`await coalesced()` runs `action`, unless it is running already: then it runs once
    more after the current run ends, however many calls came meanwhile. A burst of
    notifications costs at most one more read and render, not one per notification, and
    the last one always sees the latest state."""

    def __init__(self, action: Callable[[], Awaitable[None]]) -> None:
        self.action = action
        self._running = False
        self._again = False

    async def __call__(self) -> None:
        if self._running:
            self._again = True
            return
        self._running = True
        try:
            self._again = True
            while self._again:
                self._again = False
                await self.action()
        finally:
            self._running = False


class ResultPanel:
    """An empty container at first; `await show(id)` fills it and keeps it current until
    the submission's status is terminal, the page is gone, or another one is shown."""

    def __init__(self, page: Page, link_problem: bool = False) -> None:
        self.page = page
        self.link_problem = link_problem
        self.root = ui.column().classes("w-full gap-3").mark("result")
        # aria-live: a screen reader hears the status change that the page shows.
        self.root.props('data-testid="result" aria-live="polite"')
        self.shown: str | None = None
        self._unsubscribe: Callable[[], None] | None = None
        self.refresh = Coalesced(self._render_once)
        ui.context.client.on_delete(self._stop)

    async def show(self, submission_id: str) -> None:
        """Subscribe first, then read: a change between the two is never lost (at worst
        the panel reads the same state twice)."""
        self._stop()
        self.shown = submission_id
        self.root.props["data-submission"] = submission_id[:64]  # an id has 36
        self.root.props(remove="data-status")  # the previous submission's is not this one's
        self._unsubscribe = self.page.console.watcher.subscribe(submission_id, self.refresh)
        await self.refresh()

    def _stop(self) -> None:
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None

    async def _render_once(self) -> None:
        submission_id = self.shown
        if submission_id is None or self.root.is_deleted:
            return
        try:
            view = await self.page.console.call(
                reading.learner_detail, self.page.user, submission_id
            )
        except UNAVAILABLE:
            self._draw(lambda: _unavailable(self.page, self.refresh))
            return
        if submission_id != self.shown or self.root.is_deleted:
            return  # another submission is shown meanwhile, or the page is gone
        if view is None:
            self._draw(lambda: _missing(self.page, submission_id), MISSING)
            self._stop()
            return
        self._draw(lambda: _result(self.page, view, self.link_problem), view.status)
        if view.status in TERMINAL:
            self._stop()
        if view.status in FEEDBACK_FOR:
            with self.root:
                section = FeedbackSection(self.page, submission_id)
            await section.load()

    def _draw(self, build: Callable[[], None], status: str | None = None) -> None:
        self.root.clear()
        with self.root:
            build()
        if status is not None:
            self.root.props["data-status"] = status


# -- what is drawn ------------------------------------------------------------------------


def _missing(page: Page, submission_id: str) -> None:
    """The same words whether the id is not one, is unknown or is another user's."""
    ui.label(page.t("result.not_found", id=submission_id[:64])).mark("result-missing")


def _unavailable(page: Page, retry: Callable[[], Awaitable[None]]) -> None:
    """Said, and tried again a little later: after a server restart the watcher calls
    again by itself, but a pool that only timed out sends no notification."""
    ui.label(page.t("result.unavailable")).classes("text-negative").props('role="alert"')
    ui.timer(UNAVAILABLE_RETRY_S, retry, once=True)


def _result(page: Page, view: SubmissionDetail, link_problem: bool) -> None:
    _heading(page, view, link_problem)
    if view.status == "SUCCESS":
        _score(page, view)
    elif view.status == "FAILURE":
        _failure(page, view)
    elif view.status == "ERROR":
        _error(page, view)
    if view.mutants:
        _mutants(page, view.mutants)
        _kill_matrix(page, view.mutants, view.golden)
    if view.golden is not None and view.status in ("SUCCESS", "FAILURE"):
        _golden(page, view.golden, show_output=view.status == "FAILURE")


def _heading(page: Page, view: SubmissionDetail, link_problem: bool) -> None:
    t = page.t
    with ui.row().classes("items-center gap-3 flex-wrap"):
        ui.badge(t(f"result.status_{view.status.lower()}"), color=STATUS_COLOURS[view.status])
        words = ui.label(t(_progress_key(view.status))).classes("text-lg")
        words.mark("result-progress")
        if view.status not in TERMINAL:
            ui.spinner(size="sm").props(f'aria-label="{t("result.working")}"')
    with ui.row().classes("items-center gap-3 flex-wrap text-sm opacity-80"):
        problem = t("result.problem", problem=view.problem, version=view.version)
        if link_problem:
            ui.link(problem, f"/learn/{view.problem}").mark("result-problem")
        else:
            ui.label(problem).mark("result-problem")
        when = i18n.moment(view.created_at, page.zone, page.locale)
        ui.label(t("result.submitted_at", moment=when))
        if view.rejudge_of:
            ui.label(t("result.rejudge"))


def _progress_key(status: Status) -> str:
    """Queued, being judged, or done."""
    if status == "PENDING":
        return "result.queued"
    if status == "RUNNING":
        return "result.judging"
    return "result.done"


def _score(page: Page, view: SubmissionDetail) -> None:
    t, locale = page.t, page.locale
    ui.label(t("result.score", score=i18n.number(view.score, locale))).classes(
        "text-3xl font-bold"
    ).mark("result-score")
    if view.killed_weight is None or view.total_weight is None:
        return
    ui.label(
        t(
            "result.explained",
            killed=i18n.number(view.killed_weight, locale),
            total=i18n.number(view.total_weight, locale),
            killed_count=i18n.number(view.killed_count, locale),
            total_count=i18n.number(view.total_count, locale),
            score=i18n.number(view.score, locale),
        )
    ).mark("result-explained")
    ui.label(t("result.rule")).classes("text-sm opacity-80")


def _failure(page: Page, view: SubmissionDetail) -> None:
    t = page.t
    ui.label(t("result.score", score=i18n.number(0, page.locale))).classes(
        "text-3xl font-bold"
    ).mark("result-score")
    with ui.card().classes("w-full gap-1 bg-orange-1").props('role="alert"'):
        if view.reason is None:  # not stored by any judge so far; said plainly all the same
            ui.label(t("result.reason_unknown")).classes("font-semibold")
            return
        ui.label(t(f"result.reason_{view.reason}")).classes("font-semibold").mark("result-reason")
        ui.label(t(f"result.next_{view.reason}")).mark("result-next")


def _error(page: Page, view: SubmissionDetail) -> None:
    t = page.t
    with ui.card().classes("w-full gap-1 bg-red-1").props('role="alert"'):
        ui.label(t("result.error")).classes("font-semibold").mark("result-error")
        ui.label(t("result.error_next"))
        if view.error:
            ui.label(t("result.error_detail", detail=view.error)).classes(f"{MONOSPACE} opacity-80")


def _section(page: Page, title_key: str) -> ui.card:
    card = ui.card().classes("w-full gap-2")
    with card:
        ui.label(page.t(title_key)).classes("text-lg font-semibold").props('role="heading"')
    return card


def _mutants(page: Page, mutants: list[MutantView]) -> None:
    """One row per mutant by its neutral label: verdict, weight, and a hint for a
    survivor only (the detail carries none for the others; checked here again)."""
    t = page.t
    with (
        _section(page, "result.mutants"),
        ui.element("table").classes("w-full text-left").mark("result-mutants"),
    ):
        with ui.element("thead"), ui.element("tr"):
            for key in ("mutant", "verdict", "weight", "hint"):
                with ui.element("th").classes("pr-4"):
                    ui.label(t(f"result.col_{key}"))
        with ui.element("tbody"):
            for mutant in mutants:
                _mutant_row(page, mutant)


def _mutant_row(page: Page, mutant: MutantView) -> None:
    t = page.t
    survived = mutant.verdict == "survived"
    with ui.element("tr").classes("text-negative" if survived else "").mark("result-mutant"):
        for text in (
            _label(page, mutant.label),
            t(f"result.verdict_{mutant.verdict}"),
            i18n.number(mutant.weight, page.locale),
        ):
            with ui.element("td").classes("pr-4 align-top whitespace-nowrap"):
                ui.label(text)
        with ui.element("td").classes("align-top"):
            if survived and mutant.hint:
                ui.label(mutant.hint).mark("hint").props('data-testid="hint"')


def _kill_matrix(page: Page, mutants: list[MutantView], golden: GoldenView | None) -> None:
    """Tests golden collected (rows) by mutants (columns): a mark where the test killed it."""
    t = page.t
    tests = [test.name for test in golden.tests] if golden else []
    if not tests:
        return
    with _section(page, "result.matrix"):
        ui.label(t("result.matrix_legend", mark=KILL_MARK)).classes("text-sm opacity-70")
        columns: list[dict[str, Any]] = [
            {"name": "test", "label": t("result.col_test"), "field": "test", "align": "left"}
        ]
        columns += [
            {"name": f"m{i}", "label": _label(page, m.label), "field": f"m{i}", "align": "center"}
            for i, m in enumerate(mutants)
        ]
        table = ui.table(
            rows=matrix_rows(tests, mutants), columns=columns, row_key="test", pagination=None
        )
        table.classes("w-full").style(LONG_TABLE_STYLE).mark("result-matrix")
        table.props("virtual-scroll flat bordered dense separator=cell")


def _golden(page: Page, golden: GoldenView, show_output: bool) -> None:
    """What the suite did on the correct code: every failing test with its message."""
    t = page.t
    failing = [test for test in golden.tests if test.outcome in ("failed", "error")]
    with _section(page, "result.golden"):
        ui.label(
            t(
                "result.golden_summary",
                verdict=t(f"result.verdict_{golden.verdict}"),
                tests=i18n.number(len(golden.tests), page.locale),
                failing=i18n.number(len(failing), page.locale),
            )
        ).mark("result-golden")
        for test in failing:
            with ui.column().classes("w-full gap-1").mark("result-golden-failure"):
                ui.label(f"{test.name} · {t(f'result.outcome_{test.outcome}')}").classes(
                    "font-mono font-semibold break-all"
                )
                if test.message:
                    ui.label(test.message).classes(
                        f"{MONOSPACE} bg-slate-100 p-2 rounded w-full"
                    ).mark("result-message")
        if golden.refused:
            ui.label(t("result.refused", detail=golden.refused)).classes("text-negative")
        if show_output and golden.output:
            with ui.expansion(t("result.output")).classes("w-full"):
                ui.label(golden.output).classes(
                    f"{MONOSPACE} text-xs bg-slate-100 p-2 rounded w-full max-h-96 overflow-auto"
                ).mark("result-output")
                if golden.output_truncated:
                    ui.label(t("result.truncated")).classes("text-xs opacity-70")


def _label(page: Page, label: str) -> str:
    """The API's neutral label ("mutant 3") in the page's language."""
    number = label.removeprefix("mutant ")
    return page.t("result.mutant", number=number) if number.isdigit() else label


# -- AI feedback --------------------------------------------------------------------------


class FeedbackSection:
    """The feedback card of a finished submission of the learner's own: its state as the
    service reads it, the button that asks for it, and, while it is being written, a
    subscription to the submission's announcements (migration 0014 announces feedback's
    state changes on the submissions' channel) until it is done or the card is gone (the
    page closed, another submission shown, the panel redrawn)."""

    def __init__(self, page: Page, submission_id: str) -> None:
        self.page = page
        self.submission_id = submission_id
        self._unsubscribe: Callable[[], None] | None = None
        self.card = _section(page, "result.feedback").mark("feedback")
        with self.card:
            self.body = ui.column().classes("w-full gap-2").mark("feedback-body")
        # Heard by a screen reader when the state changes (written, failed, the wait).
        self.body.props('aria-live="polite"')
        ui.context.client.on_delete(self._stop)

    async def load(self) -> None:
        """The feedback as it stands (an existing one is shown when the panel opens)."""
        try:
            found = await self.page.console.call(feedback.view, self.page.user, self.submission_id)
        except UNAVAILABLE:
            self._draw(self._database_away)
            return
        except NotFound:  # the panel showed it a moment ago: it is the learner's own
            self.card.set_visibility(False)
            return
        self.show(found)

    async def ask(self) -> None:
        """As the API's POST: the same service function, in-process."""
        console = self.page.console
        try:
            found = await console.call(
                feedback.request,
                console.broker,
                self.page.user,
                self.submission_id,
                ratelimit.clock(),
            )
        except RateLimited as exc:
            wait = exc.retry_after
            self._draw(lambda: self._rate_limited(wait))
            return
        except (Conflict, NotFound):
            self._draw(lambda: _feedback_words(self.page, "result.feedback_not_offered"))
            return
        except UNAVAILABLE:
            self._draw(self._database_away)
            return
        self.show(found)

    def show(self, found: FeedbackView) -> None:
        if self.card.is_deleted:
            return
        self._draw(lambda: self._state(found))
        self.card.props(f'data-feedback="{found.status}"')  # sent to the browser at once
        if found.status == "pending" and self._unsubscribe is None:
            # Subscribed first, then read: an answer between the two is not missed.
            watcher = self.page.console.watcher
            self._unsubscribe = watcher.subscribe(self.submission_id, self._reread)
            background_tasks.create(self._reread(), name="feedback-reread")

    async def _reread(self) -> None:
        """Reads the state again when the submission is announced; shows it once it left
        pending."""
        if self.card.is_deleted:
            self._stop()
            return
        try:
            found = await self.page.console.call(feedback.view, self.page.user, self.submission_id)
        except UNAVAILABLE:
            return  # the watcher calls again once it hears the database again
        if found.status != "pending":
            self._stop()
            self.show(found)

    def _stop(self) -> None:
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None

    def _draw(self, build: Callable[[], None]) -> None:
        if self.body.is_deleted:
            return
        self.body.clear()
        with self.body:
            build()

    def _state(self, found: FeedbackView) -> None:
        t = self.page.t
        if found.status == "not_requested":
            _feedback_words(self.page, "result.feedback_offer")
            self._ask_button()
        elif found.status == "pending":
            with ui.row().classes("items-center gap-2"):
                ui.spinner(size="sm").props(f'aria-label="{t("result.working")}"')
                ui.label(t("result.feedback_pending")).mark("feedback-pending")
        elif found.status == "ready":
            ui.label(found.text or "").classes("whitespace-pre-wrap break-words w-full").mark(
                "feedback-text"
            )
            model = t("result.feedback_model", model=found.model or "?")
            ui.label(model).classes("text-sm opacity-70").mark("feedback-model")
            ui.label(t("result.feedback_score_unchanged")).classes("text-sm opacity-70")
        elif found.status == "refused":
            _feedback_words(self.page, "result.feedback_refused", negative=True)
        elif found.status == "failed":
            key = FAILED_KEYS.get(found.reason or "", "result.feedback_failed")
            _feedback_words(self.page, key, negative=True)
            self._ask_button("result.feedback_retry")
        else:  # unavailable: no champion, nothing to ask
            _feedback_words(self.page, "result.feedback_unavailable")

    def _ask_button(self, key: str = "result.feedback_ask") -> None:
        """A real button: focusable, Enter and Space press it; disabled while it asks."""

        async def pressed() -> None:
            button.disable()
            await self.ask()

        button = ui.button(self.page.t(key), icon="auto_awesome", on_click=pressed)
        button.props(f'aria-label="{self.page.t(key)}"').mark("feedback-ask")

    def _rate_limited(self, retry_after: int) -> None:
        minutes = max(1, -(-retry_after // 60))
        words = self.page.t(
            "result.feedback_rate_limited", minutes=i18n.number(minutes, self.page.locale)
        )
        ui.label(words).classes("text-warning").props('role="alert"').mark("feedback-wait")

    def _database_away(self) -> None:
        _feedback_words(self.page, "result.unavailable", negative=True)


def _feedback_words(page: Page, key: str, negative: bool = False) -> None:
    label = ui.label(page.t(key)).mark("feedback-words")
    if negative:
        label.classes("text-negative").props('role="alert"')
