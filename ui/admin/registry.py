"""/registry (admins): the aliases (feedback-champion, challenger) and the model version
each names; an alias's history (every move with who, when, why and the decision's numbers);
the promotion policy's stored decisions with their checks in words; a manual promote with
a required reason, a rollback behind a confirmation, and the policy applied to a finished
evaluation run (registry/decisions.py decides as the API does, registry_actions.py does the
rest of the work and words refusals, registry_words.py says decisions)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import psycopg
from fastapi import Request
from fastapi.responses import RedirectResponse
from nicegui import ui
from psycopg_pool import PoolTimeout

from appliance.errors import ArenaError
from appliance.registry import decisions, store
from appliance.registry.policy import Policy
from appliance.registry.store import AliasView, Move
from appliance.vocabulary import ALIASES, Alias
from ui import i18n, session
from ui.admin import registry_actions as actions
from ui.admin.models import acting_admin
from ui.admin.registry_words import check_lines, number_words
from ui.console import Console
from ui.i18n import Translate
from ui.layout import frame
from ui.session import Page
from ui.tables import Table

UNAVAILABLE = (psycopg.OperationalError, PoolTimeout)
HISTORY_COLUMNS = (
    "registry.column.when",
    "registry.column.kind",
    "registry.column.move",
    "registry.column.by",
    "registry.column.reason",
    "registry.column.decision",
)
ALIAS_COLUMNS = (
    "registry.column.alias",
    "registry.column.names",
    "registry.column.moved_at",
    "registry.column.actions",
)
DEFAULT_MARGIN = 1.0


def register(console: Console) -> None:
    @ui.page("/registry")
    async def registry_page(request: Request) -> RedirectResponse | None:
        page = await session.guard(console, request, session.ADMIN)
        if isinstance(page, RedirectResponse):
            return page
        with frame(page, "nav.registry"):
            await RegistryView(page).build()
        return None


def version_words(t: Translate, model: str | None, version: int | None) -> str:
    return t("registry.no_version") if model is None else f"{model}@{version}"


def move_words(t: Translate, move: Move) -> str:
    before = version_words(t, move.from_model, move.from_version)
    after = version_words(t, move.to_model, move.to_version)
    key = "registry.moved" if move.moved else "registry.stayed"
    return t(key, before=before, after=after)


class RegistryView:
    def __init__(self, page: Page) -> None:
        self.page = page
        self.t = page.t
        self.alias: Alias = store.CHAMPION

    async def build(self) -> None:
        self.anchor = ui.element()  # dialogs: the sections below are rebuilt after changes
        ui.label(self.t("registry.intro")).classes("text-sm opacity-80")
        await self.aliases()
        await DecideForm(self).build()
        await self.history()
        await self.decisions()

    def refresh(self) -> None:
        self.aliases.refresh()
        self.history.refresh()
        self.decisions.refresh()

    async def run(self, message: ui.label, fn: Callable[..., Any], *args: Any) -> tuple[bool, Any]:
        """`fn(conn, *args, by=the admin)`; a refusal is said in `message`."""
        try:
            by = await acting_admin(self.page, "/registry")
            if by is None:
                return False, None
            return True, await self.page.console.call(fn, *args, by)
        except ArenaError as exc:
            message.text = actions.refusal_words(self.t, exc)
        except UNAVAILABLE:
            message.text = self.t("error.unavailable")
        return False, None

    async def read(self, fn: Callable[..., Any], *args: Any) -> tuple[bool, Any]:
        """`fn(conn, *args)` for showing; with the database unreachable the page says so
        where the section would be (a dialog says it in a notification) instead of dying."""
        try:
            return True, await self.page.console.call(fn, *args)
        except UNAVAILABLE:
            ui.label(self.t("error.unavailable")).classes("text-negative").props(
                'role="alert"'
            ).mark("registry-unavailable")
            return False, None

    async def read_for_dialog(self, fn: Callable[..., Any], *args: Any) -> tuple[bool, Any]:
        try:
            return True, await self.page.console.call(fn, *args)
        except UNAVAILABLE:
            ui.notify(self.t("error.unavailable"), type="negative")
            return False, None

    # -- the aliases -------------------------------------------------------------------

    @ui.refreshable_method
    async def aliases(self) -> None:
        t = self.t
        found, views = await self.read(store.aliases)
        if not found:
            return
        table = Table([t(key) for key in ALIAS_COLUMNS], "registry-aliases")
        for view in views:
            self._alias_row(table, view)

    def _alias_row(self, table: Table, view: AliasView) -> None:
        t, page = self.t, self.page
        with table.row(f"alias-{view.alias}"):
            with table.cell():
                ui.label(view.alias).classes("font-mono font-medium")
                ui.label(t(f"registry.alias_help.{view.alias}")).classes("text-xs opacity-70")
            table.text(version_words(t, view.model, view.version), "font-mono")
            table.text(i18n.moment(view.moved_at, page.zone, page.locale))
            with table.cell(), ui.row().classes("gap-1 no-wrap"):
                alias = store.checked_alias(view.alias)
                promote = ui.button(
                    t("registry.promote"), on_click=lambda: self.promote_dialog(alias)
                )
                promote.props("flat dense no-caps").mark(f"promote-{alias}")
                back = ui.button(
                    t("registry.rollback"), on_click=lambda: self.rollback_dialog(alias)
                )
                back.props("flat dense no-caps color=negative").mark(f"rollback-{alias}")

    async def promote_dialog(self, alias: Alias) -> None:
        t = self.t
        found, keys = await self.read_for_dialog(actions.version_keys)
        if not found:
            return
        with self.anchor, ui.dialog() as dialog, ui.card().classes("gap-3 w-[32rem] max-w-full"):
            ui.label(t("registry.promote_title", alias=alias)).classes("text-lg font-semibold")
            if not keys:
                ui.label(t("registry.no_versions")).mark("promote-none")
            version = ui.select(keys, value=keys[0] if keys else None, label=t("registry.version"))
            version.props("outlined dense").classes("w-full").mark("promote-version")
            reason = ui.textarea(t("registry.reason")).props("outlined dense rows=3")
            reason.classes("w-full").mark("promote-reason")
            message = ui.label("").classes("text-negative").props('role="alert"')
            message.mark("promote-message")

            async def send() -> None:
                if not version.value:
                    message.text = t("registry.choose_version")
                    return
                done, _ = await self.run(
                    message, actions.promote, alias, version.value, reason.value or ""
                )
                if done:
                    dialog.delete()
                    ui.notify(
                        t("registry.promoted", alias=alias, version=version.value), type="positive"
                    )
                    self.alias = alias
                    self.refresh()

            with ui.row().classes("justify-end w-full"):
                ui.button(t("common.cancel"), on_click=dialog.delete).props("flat")
                ui.button(t("registry.promote"), on_click=send).mark("promote-submit")
        dialog.on_value_change(lambda e: None if e.value else dialog.delete())
        dialog.open()

    async def rollback_dialog(self, alias: Alias) -> None:
        t = self.t
        found, target = await self.read_for_dialog(actions.undo_target, alias)
        if not found:
            return
        # The move the confirmation names is the one undone: another move since refuses.
        expected = None if target is None else target.id
        with self.anchor, ui.dialog() as dialog, ui.card().classes("gap-3 w-[32rem] max-w-full"):
            ui.label(t("registry.rollback_title", alias=alias)).classes("text-lg font-semibold")
            if target is None:
                ui.label(t("registry.refused.nothing_to_undo", alias=alias)).mark("rollback-none")
            else:
                back = version_words(t, target.from_model, target.from_version)
                now = version_words(t, target.to_model, target.to_version)
                question = t(
                    "registry.rollback_question", alias=alias, now=now, back=back, id=target.id
                )
                ui.label(question).mark("rollback-question")
            reason = ui.textarea(t("registry.reason")).props("outlined dense rows=3")
            reason.classes("w-full").mark("rollback-reason")
            message = ui.label("").classes("text-negative").props('role="alert"')
            message.mark("rollback-message")

            async def send() -> None:
                done, _ = await self.run(
                    message, actions.rollback, alias, reason.value or "", expected
                )
                if done:
                    dialog.delete()
                    ui.notify(t("registry.rolled_back", alias=alias), type="positive")
                    self.alias = alias
                    self.refresh()

            with ui.row().classes("justify-end w-full"):
                ui.button(t("common.cancel"), on_click=dialog.delete).props("flat")
                yes = ui.button(t("registry.rollback_confirm"), on_click=send)
                yes.props("color=negative").mark("rollback-submit")
        dialog.on_value_change(lambda e: None if e.value else dialog.delete())
        dialog.open()

    # -- an alias's history ------------------------------------------------------------

    async def choose(self, alias: Alias) -> None:
        self.alias = alias
        self.history.refresh()

    @ui.refreshable_method
    async def history(self) -> None:
        t = self.t
        found, moves = await self.read(store.history, self.alias)
        if not found:
            return
        with ui.row().classes("items-center gap-4 mt-4"):
            ui.label(t("registry.history")).classes("text-xl font-semibold")
            pick = ui.toggle(
                list(ALIASES), value=self.alias, on_change=lambda e: self.choose(e.value)
            )
            pick.props(f'no-caps aria-label="{t("registry.history_of")}"').mark("history-alias")
        if not moves:
            ui.label(t("registry.history_empty")).classes("opacity-70").mark("history-empty")
            return
        with ui.element("div").classes("w-full overflow-x-auto"):
            table = Table([t(key) for key in HISTORY_COLUMNS], "registry-history")
            for move in moves:
                self._history_row(table, move)

    def _history_row(self, table: Table, move: Move) -> None:
        t, page = self.t, self.page
        with table.row(f"move-{move.id}"):
            table.text(i18n.moment(move.at, page.zone, page.locale))
            with table.cell():
                ui.label(t(f"registry.kind.{move.kind}"))
                if move.undoes is not None:
                    ui.label(t("registry.undoes", id=move.undoes)).classes("text-xs opacity-70")
            table.text(move_words(t, move), "font-mono text-xs")
            table.text(move.actor)
            # The policy's own reason is its outcome in English words: said here instead.
            table.text(self._outcome(move) if move.kind == "policy" else move.reason)
            with table.cell():
                if move.kind == "policy":
                    ui.label(self._checks_passed(move)).classes("text-xs")

    def _outcome(self, move: Move) -> str:
        key = "registry.outcome_promoted" if move.moved else "registry.outcome_refused"
        run = move.evaluation_run_id
        return self.t(key) + ("" if run is None else " " + self.t("registry.of_run", run=run))

    def _checks_passed(self, move: Move) -> str:
        lines = check_lines(self.t, move.decision_reasons, move.decision_numbers)
        passed = sum(1 for line in lines if line.passed)
        return self.t("registry.checks_passed", passed=passed, total=len(lines))

    # -- the policy's decisions --------------------------------------------------------

    @ui.refreshable_method
    async def decisions(self) -> None:
        t = self.t
        found, moves = await self.read(store.history, store.CHAMPION)
        if not found:
            return
        decided = [m for m in moves if m.kind == "policy"]
        ui.label(t("registry.decisions")).classes("text-xl font-semibold mt-4")
        if not decided:
            ui.label(t("registry.decisions_empty")).classes("opacity-70").mark("decisions-empty")
            return
        for move in decided:
            with ui.card().classes("w-full gap-1").mark(f"decision-{move.id}"):
                self._decision_head(move)
                show_decision(self.page, move.decision_reasons, move.decision_numbers)

    def _decision_head(self, move: Move) -> None:
        t, page = self.t, self.page
        challenger = version_words(t, move.to_model, move.to_version)
        champion = version_words(t, move.from_model, move.from_version)
        colour = "text-positive" if move.moved else "text-negative"
        ui.label(self._outcome(move)).classes(f"font-semibold {colour}")
        when = i18n.moment(move.at, page.zone, page.locale)
        ui.label(
            t(
                "registry.decision_head",
                challenger=challenger,
                champion=champion,
                who=move.actor,
                when=when,
            )
        ).classes("text-sm")


def show_decision(page: Page, reasons: list[str], numbers: dict[str, float]) -> None:
    """Each check passed or failed in words, then the numbers it was decided on."""
    t = page.t
    with ui.element("ul").classes("text-sm list-none pl-0").mark("decision-checks"):
        for line in check_lines(t, reasons, numbers):
            result = {True: "registry.passed", False: "registry.failed", None: "registry.as_stored"}
            colour = {True: "text-positive", False: "text-negative", None: ""}[line.passed]
            with ui.element("li"):
                ui.label(f"{line.name} · {t(result[line.passed])}: {line.words}").classes(colour)
    with ui.row().classes("gap-x-4 gap-y-0 text-xs opacity-80").mark("decision-numbers"):
        for label, value in number_words(t, numbers, page.locale):
            ui.label(f"{label} {value}")


class DecideForm:
    """The policy applied to a finished run's challenger: the decision is stored whatever
    it says, and the champion alias moves when it says promote."""

    def __init__(self, parent: RegistryView) -> None:
        self.parent = parent
        self.page = parent.page
        self.t = parent.t

    async def build(self) -> None:
        t = self.t
        with ui.card().classes("w-full gap-2").mark("decide"):
            ui.label(t("registry.decide")).classes("text-xl font-semibold")
            ui.label(t("registry.decide_help")).classes("text-sm opacity-80")
            found, self.runs = await self.parent.read(actions.finished_runs)
            if not found:
                return
            if not self.runs:
                ui.label(t("registry.no_runs")).classes("opacity-70").mark("decide-no-runs")
                return
            self._form()

    def _form(self) -> None:
        t = self.t
        options = {run.id: run.label for run in self.runs}
        with ui.row().classes("items-end gap-3 w-full"):
            self.run_select = ui.select(options, value=self.runs[0].id, label=t("registry.run"))
            self.run_select.props("outlined dense").classes("min-w-[18rem]").mark("decide-run")
            self.challenger = ui.select([], label=t("registry.challenger"))
            self.challenger.props("outlined dense").classes("min-w-[12rem]").mark(
                "decide-challenger"
            )
            self.margin = ui.number(
                t("registry.margin"), value=DEFAULT_MARGIN, min=0, max=100, step=0.5
            )
            self.margin.props("outlined dense").classes("w-36").mark("decide-margin")
            self.budget = ui.number(t("registry.budget"), value=None, min=1, step=100)
            self.budget.props("outlined dense").classes("w-44").mark("decide-budget")
            ui.button(t("registry.decide_submit"), on_click=self.decide).mark("decide-submit")
        self.run_select.on_value_change(lambda _: self._offer_challengers())
        self._offer_challengers()
        self.message = ui.label("").classes("text-negative").props('role="alert"')
        self.message.mark("decide-message")
        self.result = ui.column().classes("w-full gap-1").mark("decide-result")

    def _offer_challengers(self) -> None:
        chosen = next((r for r in self.runs if r.id == self.run_select.value), None)
        models = chosen.models if chosen else []
        self.challenger.set_options(models, value=models[-1] if models else None)

    async def decide(self) -> None:
        t = self.t
        self.message.text = ""
        self.result.clear()
        if not self.challenger.value:
            self.message.text = t("registry.choose_challenger")
            return
        margin = self.margin.value if self.margin.value is not None else DEFAULT_MARGIN
        try:
            policy = Policy(margin=float(margin), max_p95_ms=self.budget.value)
        except ArenaError:
            self.message.text = t("registry.bad_policy")
            return
        done, found = await self.parent.run(
            self.message,
            decisions.decide,
            int(self.run_select.value),
            self.challenger.value,
            policy,
        )
        if not done:
            return
        stored, champion = found
        self._show(stored, champion)
        self.parent.refresh()

    def _show(self, stored: store.Stored, champion: str | None) -> None:
        t, decision = self.t, stored.decision
        key = "registry.decided_promote" if decision.promote else "registry.decided_refuse"
        with self.result:
            challenger = self.challenger.value
            words = t(key, challenger=challenger, champion=champion or t("registry.no_version"))
            colour = "text-positive" if decision.promote else "text-negative"
            ui.label(words).classes(f"font-semibold {colour}").mark("decide-outcome")
            show_decision(self.page, list(decision.reasons), decision.numbers)
