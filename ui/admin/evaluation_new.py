"""/evaluations/new (admins): an evaluation from a sentence. The admin writes what to
evaluate; the planner (the feedback champion when there is one, else the keyword parser)
proposes a plan checked against the published problems and the registry, shown as a table
with who planned it and what the check found; the admin may edit its models, baselines and
samples (checked again), and nothing is created until they confirm. Confirming freezes the
selected problems as a new problem set, starts the run (both audited) and opens it."""

from __future__ import annotations

import asyncio

import psycopg
from fastapi import Request
from fastapi.responses import RedirectResponse
from nicegui import ui
from psycopg_pool import PoolTimeout

from appliance.audit.trail import Actor
from appliance.errors import ArenaError, Conflict, Invalid, NotFound
from appliance.planner import service
from appliance.planner.champion import Refusal
from appliance.planner.plans import Checked, Draft, Facts, Issue
from appliance.planner.service import Origin, Proposal
from appliance.vocabulary import BASELINES, Baseline
from ui import session
from ui.console import Console
from ui.layout import frame
from ui.session import Page
from ui.tables import Table
from ui.words import difficulty_label

MAX_SENTENCE = 2000
BASELINE_KEYS: dict[Baseline, str] = {
    "examples": "planner.baseline.examples",
    "reference": "planner.baseline.reference",
}
LEVEL_CLASSES = {"error": "bg-red-100 text-red-900", "warning": "bg-amber-100 text-amber-900"}
UNAVAILABLE = (psycopg.OperationalError, PoolTimeout)
# What a refused confirmation says, by the kind of refusal (the appliance's own words are
# English): the plan no longer passes the check, its problems changed, or a model version
# or the set is gone.
REFUSALS: tuple[tuple[type[ArenaError], str], ...] = (
    (Invalid, "planner.refused.invalid"),
    (Conflict, "planner.refused.changed"),
    (NotFound, "planner.refused.gone"),
)


def register(console: Console) -> None:
    @ui.page("/evaluations/new")
    async def evaluation_new_page(request: Request) -> RedirectResponse | None:
        page = await session.guard(console, request, session.ADMIN)
        if isinstance(page, RedirectResponse):
            return page
        with frame(page, "planner.title"):
            await NewEvaluation(page).build()
        return None


def run_path(run_id: int) -> str:
    return f"/evaluations/{run_id}"


def issue_text(page: Page, issue: Issue) -> str:
    return page.t(f"planner.issue.{issue.code}", subject=issue.subject or "")


def refusal_text(page: Page, exc: ArenaError) -> str:
    key = next((key for kind, key in REFUSALS if isinstance(exc, kind)), "planner.refused.other")
    return page.t(key)


def fallback_details(page: Page, fallback: Refusal) -> list[str]:
    """Why the champion's plan was not used, beyond its reason, in the admin's language:
    what kept it out of reach, what it answered, or what the check found."""
    t = page.t
    details = [t(f"planner.fallback.cause.{fallback.cause}")] if fallback.cause else []
    if fallback.answer is not None:
        details.append(t("planner.fallback.answer", answer=fallback.answer))
    return details + [issue_text(page, found) for found in fallback.issues]


def filter_text(page: Page, plan: Checked) -> str:
    """The problem filter in words: "difficulty: Hard · tags: boundaries"."""
    t = page.t
    parts = []
    if plan.difficulties:
        names = ", ".join(difficulty_label(page, d) for d in plan.difficulties)
        parts.append(t("planner.filter.difficulties", values=names))
    if plan.tags:
        parts.append(t("planner.filter.tags", values=", ".join(plan.tags)))
    if plan.slugs:
        parts.append(t("planner.filter.slugs", values=", ".join(plan.slugs)))
    return " · ".join(parts) or t("planner.filter.all")


class NewEvaluation:
    """One browser tab's planner: the sentence, the proposal and its edits."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.t = page.t
        self.proposal: Proposal | None = None
        self.plan: Checked | None = None  # the proposal's plan, or the admin's edit of it
        self.facts: Facts | None = None
        self.edited = False
        self.busy = False

    async def build(self) -> None:
        t = self.page.t
        ui.label(t("planner.intro")).classes("text-sm opacity-80 max-w-4xl")
        ui.label(await self._who_plans()).classes("text-sm").mark("planner-who-plans")
        with ui.card().classes("w-full max-w-4xl gap-2"):
            self.sentence = ui.textarea(
                t("planner.sentence"), placeholder=t("planner.sentence_placeholder")
            )
            self.sentence.props(f"outlined autogrow maxlength={MAX_SENTENCE}").classes("w-full")
            self.sentence.mark("planner-sentence")
            self.sentence.on("keydown.ctrl.enter", self.propose)
            with ui.row().classes("items-center gap-2 flex-wrap"):
                ui.label(t("planner.examples")).classes("text-sm opacity-80")
                for key in ("planner.example_en", "planner.example_ko"):
                    example = ui.button(t(key), on_click=lambda _, k=key: self._use(t(k)))
                    example.props("flat dense no-caps").classes("text-left")
            with ui.row().classes("items-center gap-3"):
                self.plan_button = ui.button(t("planner.plan"), on_click=self.propose)
                self.plan_button.props("color=primary").mark("planner-plan")
            self.message = ui.label("").props('role="alert"').mark("planner-message")
        self.proposal_view()

    async def _who_plans(self) -> str:
        t = self.t
        try:
            version = await self.page.console.call(service.champion_version)
        except UNAVAILABLE:
            return t("error.unavailable")
        if version is None:
            return t("planner.keywords_plan")
        return t("planner.champion_plans", model=f"{version['name']}@{version['number']}")

    def _use(self, sentence: str) -> None:
        self.sentence.value = sentence

    # -- planning ------------------------------------------------------------------------

    async def propose(self) -> None:
        sentence = (self.sentence.value or "").strip()[:MAX_SENTENCE]
        if not sentence:
            self._say(self.t("planner.empty_sentence"), "text-negative")
            return
        if "\x00" in sentence:  # the API's NO_NUL: PostgreSQL's text (the audit) refuses it
            self._say(self.t("planner.nul_sentence"), "text-negative")
            return
        if self.busy:
            return
        self._busy(True, self.plan_button)
        self._say("", "")
        try:
            console = self.page.console
            found, version = await console.call(service.planning_facts)
            # The champion may think for a while: no pooled connection is held meanwhile.
            proposal = await asyncio.to_thread(
                service.plan_sentence, console.settings, sentence, found, version
            )
        except UNAVAILABLE:
            self._say(self.t("error.unavailable"), "text-negative")
            return
        finally:
            self._busy(False, self.plan_button)
        self.facts, self.proposal = found, proposal
        self.plan, self.edited = proposal.plan, False
        self.proposal_view.refresh()

    def _busy(self, busy: bool, button: ui.button) -> None:
        """One call at a time: a second click while one is in flight does nothing."""
        self.busy = busy
        button.enabled = not busy
        if busy:
            button.props("loading")
        else:
            button.props(remove="loading")

    def _say(self, text: str, classes: str) -> None:
        self.message.text = text
        self.message.classes(replace=classes)

    # -- the proposal --------------------------------------------------------------------

    @ui.refreshable_method
    def proposal_view(self) -> None:
        if self.proposal is None or self.plan is None:
            return
        t, plan = self.t, self.plan
        with ui.card().classes("w-full max-w-4xl gap-3").mark("planner-proposal"):
            ui.label(t("planner.proposal")).classes("text-lg font-semibold")
            self._planner_said(self.proposal)
            self._summary(plan)
            self._issues(plan.issues)
            self._problems(plan)
            with ui.row().classes("items-center gap-3"):
                confirm = ui.button(t("planner.confirm"), on_click=self.confirm)
                confirm.props("color=primary").mark("planner-confirm")
                confirm.enabled = plan.ok
                self.confirm_button = confirm
                ui.button(t("planner.edit"), on_click=self.edit).props("outline").mark(
                    "planner-edit"
                )
                if not plan.ok:
                    ui.label(t("planner.cannot_confirm")).classes("text-sm text-negative")
            self.result = ui.column().classes("gap-1").mark("planner-result")

    def _planner_said(self, proposal: Proposal) -> None:
        t = self.t
        with ui.column().classes("gap-1").mark("planner-planned-by"):
            if proposal.planner == "champion":
                said = t("planner.by_champion", model=proposal.champion)
                ui.badge(said, color="positive").classes("text-sm px-2 py-1")
            else:
                ui.badge(t("planner.by_keywords"), color="grey-8").classes("text-sm px-2 py-1")
            if proposal.fallback is not None:
                reason = t(f"planner.fallback.{proposal.fallback.reason}")
                ui.label(t("planner.fallback", model=proposal.champion, reason=reason)).classes(
                    "text-sm text-amber-900"
                ).mark("planner-fallback")
                for detail in fallback_details(self.page, proposal.fallback):
                    ui.label(detail).classes("text-xs opacity-70 break-all").mark(
                        "planner-fallback-detail"
                    )
            if self.edited:
                ui.label(t("planner.edited")).classes("text-sm").mark("planner-edited")

    def _summary(self, plan: Checked) -> None:
        t = self.t
        subjects = len(plan.models) + len(plan.baselines)
        rows = [
            ("planner.row.models", self._models_text(plan), "models"),
            ("planner.row.baselines", self._baselines_text(plan), "baselines"),
            ("planner.row.filter", filter_text(self.page, plan), "filter"),
            ("planner.row.problems", t("planner.problem_count", count=len(plan.problems)), "count"),
            ("planner.row.samples", str(plan.samples), "samples"),
            (
                "planner.row.total",
                t(
                    "planner.row.total_value",
                    total=f"{plan.total_samples:,}",
                    subjects=subjects,
                    problems=len(plan.problems),
                    samples=plan.samples,
                ),
                "total",
            ),
        ]
        with ui.element("table").classes("text-sm border-collapse").mark("planner-summary"):
            for key, value, name in rows:
                with ui.element("tr").classes("border-b align-top").mark(f"planner-row-{name}"):
                    with ui.element("th").classes("text-left px-2 py-1 pr-6").props('scope="row"'):
                        ui.label(t(key))
                    with ui.element("td").classes("px-2 py-1"):
                        ui.label(value).classes("whitespace-pre-line")

    def _models_text(self, plan: Checked) -> str:
        t = self.t
        if not plan.models:
            return t("planner.none")
        return "\n".join(
            t("planner.alias_note", model=m.key, alias=m.alias) if m.alias else m.key
            for m in plan.models
        )

    def _baselines_text(self, plan: Checked) -> str:
        if not plan.baselines:
            return self.t("planner.none")
        return "\n".join(self.t(BASELINE_KEYS[b]) for b in plan.baselines)

    def _issues(self, issues: tuple[Issue, ...]) -> None:
        if not issues:
            return
        t = self.t
        ui.label(t("planner.issues")).classes("font-semibold")
        with ui.column().classes("gap-1 w-full").mark("planner-issues"):
            for found in sorted(issues, key=lambda i: i.level != "error"):
                with ui.row().classes(
                    f"items-center gap-2 px-2 py-1 rounded {LEVEL_CLASSES[found.level]}"
                ):
                    ui.label(t(f"planner.level.{found.level}")).classes("font-semibold")
                    ui.label(issue_text(self.page, found)).mark(f"planner-issue-{found.code}")

    def _problems(self, plan: Checked) -> None:
        if not plan.problems:
            return
        t = self.t
        with (
            ui.expansion(t("planner.problems_title", count=len(plan.problems)))
            .classes("w-full")
            .props("dense")
            .mark("planner-problems-box") as box
        ):
            box.value = len(plan.problems) <= 10
            headings = [
                t(f"planner.column.{c}") for c in ("slug", "title", "difficulty", "tags", "version")
            ]
            table = Table(headings, "planner-problems")
            for p in plan.problems:
                with table.row(f"planner-problem-{p.slug}"):
                    table.text(p.slug, "font-mono")
                    table.text(p.title)
                    table.text(difficulty_label(self.page, p.difficulty))
                    table.text(", ".join(p.tags))
                    table.text(str(p.version))

    # -- editing -------------------------------------------------------------------------

    async def edit(self) -> None:
        if self.plan is None or self.facts is None:
            return
        t, plan, facts = self.t, self.plan, self.facts
        keys = [
            f"{e.name}@{n}"
            for e in facts.endpoints.values()
            for n in sorted(e.numbers, reverse=True)
        ]
        with ui.dialog() as dialog, ui.card().classes("gap-3 w-[32rem] max-w-full"):
            ui.label(t("planner.edit_title")).classes("text-lg font-semibold")
            models = (
                ui.select(
                    keys,
                    multiple=True,
                    value=[m.key for m in plan.models],
                    label=t("planner.edit_models"),
                )
                .props("use-chips outlined")
                .classes("w-full")
                .mark("planner-edit-models")
            )
            baselines = (
                ui.select(
                    {b: t(BASELINE_KEYS[b]) for b in BASELINES},
                    multiple=True,
                    value=list(plan.baselines),
                    label=t("planner.edit_baselines"),
                )
                .props("use-chips outlined")
                .classes("w-full")
                .mark("planner-edit-baselines")
            )
            samples = (
                ui.number(
                    t("planner.edit_samples"),
                    value=plan.samples,
                    min=1,
                    max=100,
                    step=1,
                    precision=0,
                )
                .classes("w-48")
                .mark("planner-edit-samples")
            )
            with ui.row().classes("justify-end w-full"):
                ui.button(t("common.cancel"), on_click=lambda: dialog.submit(None)).props("flat")
                ui.button(
                    t("planner.apply"),
                    on_click=lambda: dialog.submit((models.value, baselines.value, samples.value)),
                ).props("color=primary").mark("planner-edit-apply")
        dialog.open()
        chosen = await dialog
        dialog.delete()
        if chosen is not None:
            await self._apply(*chosen)

    async def _apply(
        self, models: list[str], baselines: list[Baseline], samples: float | None
    ) -> None:
        plan = self.plan
        assert plan is not None
        draft = Draft(
            models=tuple(models or ()),
            baselines=tuple(baselines or ()),
            difficulties=plan.difficulties,
            tags=plan.tags,
            slugs=plan.slugs,
            all_problems=plan.all_problems,
            samples=int(samples) if samples is not None else None,
        )
        try:
            self.plan = await self.page.console.call(service.recheck, draft)
        except UNAVAILABLE:
            self._show_result(self.t("error.unavailable"), None)
            return
        self.edited = True
        self.proposal_view.refresh()

    # -- confirming ----------------------------------------------------------------------

    async def confirm(self) -> None:
        proposal, plan = self.proposal, self.plan
        if proposal is None or plan is None or not plan.ok or self.busy:
            return
        # Busy from the first click to the answer: a double click asks once and starts one run.
        button = self.confirm_button
        self._busy(True, button)
        try:
            await self._confirm(proposal, plan)
        finally:
            self._busy(False, button)

    async def _confirm(self, proposal: Proposal, plan: Checked) -> None:
        if not await self._confirmed(plan):
            return
        try:
            actor = await self._acting_admin()
            if actor is None:
                return
            origin = Origin(proposal.sentence, proposal.planner, proposal.champion)
            console = self.page.console
            done = await console.call(
                service.confirm,
                console.broker,
                console.settings,
                actor,
                service.draft_of(plan),
                origin,
                service.selection_hash(plan),
            )
        except ArenaError as exc:
            self._show_result(refusal_text(self.page, exc), None)
            return
        except UNAVAILABLE:
            self._show_result(self.t("error.unavailable"), None)
            return
        self._show_result(
            self.t("planner.started", run=done.run_id, problem_set=done.problem_set), done.run_id
        )
        ui.navigate.to(run_path(done.run_id))

    async def _confirmed(self, plan: Checked) -> bool:
        t = self.t
        question = t(
            "planner.confirm_question", problems=len(plan.problems), total=f"{plan.total_samples:,}"
        )
        with ui.dialog() as dialog, ui.card().classes("gap-4"):
            ui.label(question).mark("planner-confirm-question")
            with ui.row().classes("justify-end w-full"):
                ui.button(t("common.cancel"), on_click=lambda: dialog.submit(False)).props(
                    "flat"
                ).mark("planner-confirm-no")
                ui.button(t("planner.confirm_yes"), on_click=lambda: dialog.submit(True)).props(
                    "color=primary"
                ).mark("planner-confirm-yes")
        dialog.open()
        answer = await dialog
        dialog.delete()
        return bool(answer)

    async def _acting_admin(self) -> Actor | None:
        """The admin acting now: the page may have been open since their session ended."""
        user = await session.current_user(self.page.console)
        if user is None or not user.is_admin:
            ui.navigate.to("/login?next=/evaluations/new")
            return None
        return Actor(user, self.page.source)

    def _show_result(self, text: str, run_id: int | None) -> None:
        self.result.clear()
        with self.result:
            colour = "text-positive" if run_id is not None else "text-negative"
            ui.label(text).classes(colour).props('role="alert"').mark("planner-outcome")
            if run_id is not None:
                ui.link(self.t("planner.open_run", run=run_id), run_path(run_id)).mark(
                    "planner-run-link"
                )
