"""/problems/{slug}: one version of a problem as its authors need it (statement, examples,
golden code, reference suite, mutants with their code, the validation report), its history
with a diff between any two versions, and the actions publish and retire."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

from fastapi import Request
from fastapi.responses import RedirectResponse
from nicegui import ui

from appliance.audit.trail import Actor
from appliance.db import Connection, Row
from appliance.errors import ArenaError
from appliance.problems import changes, queries, versions
from appliance.problems.examples import parse_examples, render_examples_md
from appliance.vocabulary import VersionStatus
from ui import session
from ui.admin.problem_widgets import STATUS_KEYS, status_badge
from ui.console import Console
from ui.i18n import moment, number
from ui.layout import frame
from ui.session import Page
from ui.tables import Table
from ui.words import difficulty_label

# While a version validates, the page asks this often whether it is done.
POLL_SECONDS = 3.0
VARIANT_COLUMNS = (
    "problems.variant.kind",
    "problems.variant.name",
    "problems.variant.verdict",
    "problems.variant.duration",
    "problems.variant.failed_tests",
)
HISTORY_COLUMNS = (
    "problems.history.version",
    "problems.history.status",
    "problems.history.created",
    "problems.history.by",
    "problems.history.validated",
    "problems.history.published",
)
KIND_KEYS = {
    "golden": "problems.kind.golden",
    "twin": "problems.kind.twin",
    "mutant": "problems.kind.mutant",
}


@dataclass(frozen=True)
class Detail:
    version: Row
    mutants: list[Row]
    history: list[Row]  # newest first

    @property
    def slug(self) -> str:
        return str(self.version["slug"])

    @property
    def number(self) -> int:
        return int(self.version["number"])

    @property
    def status(self) -> VersionStatus:
        status: VersionStatus = self.version["status"]
        return status

    @property
    def published(self) -> int | None:
        return next((h["number"] for h in self.history if h["status"] == "published"), None)


def load(conn: Connection, slug: str, number: int | None) -> Detail | None:
    """The version asked for (the latest when none or an unknown one is), or None when the
    problem does not exist."""
    history = queries.history(conn, slug)
    if not history:
        return None
    numbers = {h["number"] for h in history}
    chosen = number if number is not None and number in numbers else history[0]["number"]
    version = queries.version(conn, slug, chosen)
    assert version is not None
    return Detail(version, queries.mutants_of(conn, version["id"]), history)


def status_of(conn: Connection, slug: str, number: int) -> VersionStatus | None:
    version = queries.version(conn, slug, number)
    return version["status"] if version else None


def diff(conn: Connection, slug: str, old: int, new: int) -> list[changes.FileChange]:
    """What changed from version `old` to version `new`, file by file."""
    files = []
    for wanted in (old, new):
        version = queries.version(conn, slug, wanted)
        if version is None:
            return []
        files.append(changes.catalog_files(version, queries.mutants_of(conn, version["id"])))
    return changes.changes(files[0], files[1], f"v{old}", f"v{new}")


def register(console: Console) -> None:
    @ui.page("/problems/{slug}")
    async def problem_page(
        request: Request, slug: str, version: str | None = None
    ) -> RedirectResponse | None:
        page = await session.guard(console, request, session.AUTHORS)
        if isinstance(page, RedirectResponse):
            return page
        wanted = int(version) if version and version.isdigit() else None
        detail = await console.call(load, slug, wanted)
        with frame(page, "problems.detail.title"):
            if detail is None:
                ui.label(page.t("problems.detail.missing", slug=slug)).mark("problem-missing")
                ui.link(page.t("problems.back"), "/problems")
                return None
            _show(page, detail)
        return None


def _show(page: Page, detail: Detail) -> None:
    _heading(page, detail)
    _actions(page, detail)
    if detail.status == "validating":
        _awaiting_validation(page, detail)
    _statement(page, detail)
    _code(page, detail)
    _mutants(page, detail)
    _validation(page, detail)
    _history(page, detail)


def _section(page: Page, key: str, marker: str) -> ui.card:
    card = ui.card().classes("w-full gap-2").mark(marker)
    with card:
        ui.label(page.t(key)).classes("text-lg font-semibold").props(
            'role="heading" aria-level="2"'
        )
    return card


def _heading(page: Page, detail: Detail) -> None:
    t, version = page.t, detail.version
    with ui.row().classes("items-center gap-3"):
        ui.link(t("problems.back"), "/problems")
        ui.label(version["title"]).classes("text-xl font-semibold").mark("problem-title")
        ui.label(detail.slug).classes("font-mono text-gray-600")
        status_badge(page, detail.status, f"v{detail.number} · ").mark("problem-status")
    with ui.row().classes("items-center gap-4 text-sm"):
        ui.label(
            t("problems.detail.difficulty", value=difficulty_label(page, version["difficulty"]))
        )
        ui.label(t("problems.detail.tags", value=", ".join(version["tags"]) or t("common.none")))
        ui.label(
            t("problems.detail.limit", seconds=number(version["wall_seconds"], page.locale, 1))
        )
        published = detail.published
        ui.label(
            t("problems.detail.published", version=f"v{published}")
            if published
            else t("problems.detail.unpublished")
        ).mark("problem-published")
        ui.label(
            t(
                "problems.detail.show_golden_yes"
                if version["show_golden"]
                else "problems.detail.show_golden_no"
            )
        )


def _actions(page: Page, detail: Detail) -> None:
    t = page.t
    console = page.console
    by = Actor(page.user, page.source)
    message = ui.label("").classes("text-negative").props('role="alert"')

    async def act(call: Any, *args: Any) -> None:
        try:
            await console.call(call, *args)
        except ArenaError as exc:
            message.text = t("problems.action.failed", detail=exc.detail)
            return
        ui.navigate.reload()

    with ui.row().classes("items-center gap-2"):
        version_choice = (
            ui.select(
                {
                    h["number"]: f"v{h['number']} · {t(STATUS_KEYS[h['status']])}"
                    for h in detail.history
                },
                value=detail.number,
                label=t("problems.detail.version"),
            )
            .classes("w-56")
            .mark("problem-version")
        )
        version_choice.on_value_change(
            lambda e: ui.navigate.to(f"/problems/{detail.slug}?version={e.value}")
        )
        publish = ui.button(
            t("problems.action.publish", version=detail.number),
            icon="publish",
            on_click=lambda: act(versions.publish_by, detail.slug, detail.number, by),
        ).mark("problem-publish")
        publish.set_enabled(detail.status in ("valid", "retired"))
        retire = ui.button(
            t("problems.action.retire"),
            icon="archive",
            color="negative",
            on_click=lambda: _confirm_retire(page, detail, act, by),
        ).mark("problem-retire")
        retire.set_enabled(detail.published is not None)
        ui.button(
            t("problems.action.new_version"),
            icon="edit",
            on_click=lambda: ui.navigate.to(
                f"/problems/{detail.slug}/new-version?base={detail.number}"
            ),
        ).props("outline").mark("problem-new-version")
        ui.button(t("common.refresh"), icon="refresh", on_click=ui.navigate.reload).props("flat")
    if detail.status not in ("valid", "retired", "published"):
        ui.label(t("problems.action.publish_needs_valid")).classes("text-sm text-gray-600")


def _confirm_retire(page: Page, detail: Detail, act: Any, by: Actor) -> None:
    t = page.t
    with ui.dialog() as dialog, ui.card():
        ui.label(t("problems.retire.question", slug=detail.slug, version=detail.published))
        ui.label(t("problems.retire.effect")).classes("text-sm text-gray-600")
        with ui.row():
            ui.button(t("common.cancel"), on_click=dialog.close).props("flat")

            async def confirmed() -> None:
                dialog.close()
                await act(versions.retire, detail.slug, by)

            ui.button(t("problems.retire.confirm"), color="negative", on_click=confirmed).mark(
                "problem-retire-confirm"
            )
    dialog.open()


def _awaiting_validation(page: Page, detail: Detail) -> None:
    """A banner, and a poll that reloads the page once the worker has judged the version."""
    with ui.row().classes("items-center gap-2 text-amber-900").mark("problem-validating"):
        ui.spinner(size="sm")
        ui.label(page.t("problems.validating"))

    async def check() -> None:
        status = await page.console.call(status_of, detail.slug, detail.number)
        if status != "validating":
            timer.deactivate()
            ui.navigate.reload()

    timer = ui.timer(POLL_SECONDS, check)


def _statement(page: Page, detail: Detail) -> None:
    t, version = page.t, detail.version
    with _section(page, "problems.section.statement", "problem-statement"):
        ui.label(t("problems.detail.signature")).classes("text-sm text-gray-600")
        ui.code(version["function_signature"], language="python").classes("w-full")
        ui.markdown(version["description_md"]).classes("w-full")
        examples = parse_examples(version["examples"])
        ui.label(t("problems.section.examples")).classes("font-semibold")
        if examples:
            ui.markdown(render_examples_md(examples)).classes("w-full").mark("problem-examples")
        else:
            ui.label(t("problems.examples.none"))


def _code(page: Page, detail: Detail) -> None:
    with _section(page, "problems.section.golden", "problem-golden"):
        ui.code(detail.version["golden_code"], language="python").classes("w-full")
    with _section(page, "problems.section.reference", "problem-reference"):
        ui.code(detail.version["reference_tests"], language="python").classes("w-full")


def _mutants(page: Page, detail: Detail) -> None:
    t = page.t
    with _section(page, "problems.section.mutants", "problem-mutants"):
        for mutant in detail.mutants:
            title = t(
                "problems.mutant.summary",
                name=mutant["name"],
                label=mutant["label"],
                weight=mutant["weight"],
            )
            with (
                ui.expansion(title)
                .classes("w-full border rounded")
                .mark(f"mutant-{mutant['name']}")
            ):
                ui.label(t("problems.mutant.hint", hint=mutant["hint"] or t("common.none")))
                ui.code(mutant["code"], language="python").classes("w-full")


def _validation(page: Page, detail: Detail) -> None:
    t = page.t
    report: dict[str, Any] | None = detail.version["validation"]
    with _section(page, "problems.section.validation", "problem-validation"):
        if report is None:
            ui.label(t("problems.validation.pending"))
            return
        verdict = "problems.validation.ok" if report.get("ok") else "problems.validation.failed"
        ui.label(t(verdict)).classes("font-semibold").mark("validation-verdict")
        ui.label(
            t(
                "problems.validation.at",
                at=moment(detail.version["validated_at"], page.zone, page.locale),
            )
        )
        for reason in report.get("reasons") or ():
            ui.label(f"• {reason}").classes("text-negative")
        if report.get("appliance_fault"):
            ui.label(t("problems.validation.appliance_fault"))
        score = report.get("examples_score")
        ui.label(
            t("problems.validation.examples_score", score=score)
            if score is not None
            else t("problems.validation.no_examples_score")
        ).mark("validation-examples-score")
        suite = report.get("smallest_killing_suite")
        ui.label(
            t("problems.validation.smallest", tests=", ".join(suite))
            if suite
            else t("problems.validation.no_smallest")
        ).mark("validation-smallest")
        _variants(page, report.get("variants") or [])


def _variants(page: Page, variants: list[dict[str, Any]]) -> None:
    t = page.t
    if not variants:
        return
    # The golden code runs several times (flakiness is judged on repeats): number its runs.
    runs = Counter((v["kind"], v["name"]) for v in variants)
    seen: Counter[tuple[str, str]] = Counter()
    table = Table([t(key) for key in VARIANT_COLUMNS], "validation-variants")
    for variant in variants:
        key = (variant["kind"], variant["name"])
        seen[key] += 1
        name = variant["name"] + (f" #{seen[key]}" if runs[key] > 1 else "")
        refused = f" ({variant['refused']})" if variant.get("refused") else ""
        with table.row(f"variant-{variant['kind']}-{variant['name']}"):
            table.text(t(KIND_KEYS[variant["kind"]]))
            table.text(name, "font-mono")
            table.text(variant["verdict"] + refused)
            table.text(number(variant["duration_ms"], page.locale))
            table.text(", ".join(variant.get("failed_tests") or ()) or "-", "font-mono text-xs")


def _history(page: Page, detail: Detail) -> None:
    t = page.t
    with _section(page, "problems.section.history", "problem-history"):
        table = Table([t(key) for key in HISTORY_COLUMNS], "history-table")
        for entry in detail.history:
            with table.row(f"history-v{entry['number']}"):
                with table.cell():
                    ui.link(
                        f"v{entry['number']}", f"/problems/{detail.slug}?version={entry['number']}"
                    )
                with table.cell():
                    status_badge(page, entry["status"])
                table.text(moment(entry["created_at"], page.zone, page.locale))
                table.text(entry["created_by"] or t("problems.history.catalog"))
                table.text(moment(entry["validated_at"], page.zone, page.locale))
                table.text(moment(entry["published_at"], page.zone, page.locale))
        if len(detail.history) > 1:
            _diff_chooser(page, detail)


def _diff_chooser(page: Page, detail: Detail) -> None:
    t = page.t
    numbers = {h["number"]: f"v{h['number']}" for h in detail.history}
    older = [n for n in numbers if n < detail.number]
    with ui.row().classes("items-end gap-2"):
        old = (
            ui.select(
                numbers,
                value=older[0] if older else detail.history[-1]["number"],
                label=t("problems.diff.from"),
            )
            .classes("w-32")
            .mark("diff-from")
        )
        new = (
            ui.select(
                numbers,
                value=detail.number if older else detail.history[0]["number"],
                label=t("problems.diff.to"),
            )
            .classes("w-32")
            .mark("diff-to")
        )
        button = ui.button(t("problems.diff.show"), icon="difference").mark("diff-show")
    area = ui.column().classes("w-full gap-2").mark("diff-area")

    async def show() -> None:
        found = await page.console.call(diff, detail.slug, int(old.value), int(new.value))
        area.clear()
        with area:
            if not found:
                ui.label(t("problems.diff.none")).mark("diff-none")
            for change in found:
                ui.label(change.path).classes("font-mono font-semibold")
                ui.code(change.diff, language="diff").classes("w-full").mark(f"diff-{change.path}")

    button.on_click(show)
