"""/problems/new and /problems/{slug}/new-version: author a problem, or a new version of
one, through a form of the catalog's fields or by uploading a catalog folder as a .zip.
Both end in versions.create, as POST /api/v1/problems does: the version is recorded in
the audit trail and its validation is queued for a worker."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

from fastapi import Request
from fastapi.responses import RedirectResponse
from nicegui import events, ui

from appliance.audit.trail import Actor
from appliance.db import Connection, Row
from appliance.errors import ArenaError, Invalid
from appliance.problems import archive, bundle, queries, versions
from appliance.problems.bundle import MAX_MUTANTS, MAX_WALL_SECONDS, ProblemBundle
from appliance.vocabulary import DIFFICULTIES
from ui import session
from ui.console import Console
from ui.i18n import number
from ui.layout import frame
from ui.session import Page
from ui.words import difficulty_label

CODE = "font-mono text-sm"


def register(console: Console) -> None:
    @ui.page("/problems/new")
    async def new_problem_page(request: Request) -> RedirectResponse | None:
        page = await session.guard(console, request, session.AUTHORS)
        if isinstance(page, RedirectResponse):
            return page
        with frame(page, "problems.form.new_title"):
            Authoring(page, None, None).build()
        return None

    @ui.page("/problems/{slug}/new-version")
    async def new_version_page(
        request: Request, slug: str, base: str | None = None
    ) -> RedirectResponse | None:
        page = await session.guard(console, request, session.AUTHORS)
        if isinstance(page, RedirectResponse):
            return page
        wanted = int(base) if base and base.isdigit() else None
        found = await console.call(starting_point, slug, wanted)
        with frame(page, "problems.form.version_title"):
            if found is None:
                ui.label(page.t("problems.detail.missing", slug=slug)).mark("problem-missing")
                return None
            Authoring(page, slug, found).build()
        return None


def starting_point(conn: Connection, slug: str, number: int | None) -> tuple[Row, list[Row]] | None:
    """The version a new one starts from (the latest unless `number` names one) and its
    mutants; None when the problem does not exist."""
    history = queries.history(conn, slug)
    if not history:
        return None
    numbers = {h["number"] for h in history}
    chosen = number if number is not None and number in numbers else history[0]["number"]
    version = queries.version(conn, slug, chosen)
    assert version is not None
    return version, queries.mutants_of(conn, version["id"])


@dataclass
class MutantFields:
    container: ui.element
    name: ui.input
    weight: ui.number
    hint: ui.input
    code: ui.textarea


@dataclass
class ExampleFields:
    container: ui.element
    call: ui.input
    result: ui.input
    raises: ui.input
    setup: ui.textarea


@dataclass
class Authoring:
    """The form and the upload of one authoring page. `slug` is fixed for a new version."""

    page: Page
    slug: str | None
    base: tuple[Row, list[Row]] | None
    mutants: list[MutantFields] = field(default_factory=list)
    examples: list[ExampleFields] = field(default_factory=list)

    def build(self) -> None:
        t = self.page.t
        if self.base is not None:
            ui.label(
                t("problems.form.based_on", slug=self.slug, version=self.base[0]["number"])
            ).classes("text-gray-600")
        self.message = ui.label("").classes("text-negative whitespace-pre-wrap")
        self.message.props('role="alert"').mark("problem-form-message")
        self._upload_card()
        self._form_card()

    # -- upload ------------------------------------------------------------------------

    def _upload_card(self) -> None:
        t = self.page.t
        with ui.card().classes("w-full gap-2"):
            ui.label(t("problems.upload.title")).classes("text-lg font-semibold")
            ui.label(
                t(
                    "problems.upload.help",
                    size=number(archive.MAX_ARCHIVE_BYTES // 1024, self.page.locale),
                )
            ).classes("text-sm text-gray-600")
            upload = ui.upload(
                label=t("problems.upload.label"),
                auto_upload=True,
                max_file_size=archive.MAX_ARCHIVE_BYTES,
                max_files=1,
                on_upload=self._uploaded,
                on_rejected=lambda: self._refuse(t("problems.upload.too_large")),
            )
            upload.props(f'accept=".zip,application/zip" aria-label="{t("problems.upload.label")}"')
            upload.classes("w-96").mark("problem-upload")

    async def _uploaded(self, event: events.UploadEventArguments) -> None:
        if event.file.size() > archive.MAX_ARCHIVE_BYTES:  # the browser's check can be skipped
            self._refuse(self.page.t("problems.upload.too_large"))
            return
        data = await event.file.read()
        try:
            parsed = await asyncio.to_thread(archive.from_zip, data)
        except Invalid as exc:
            self._refuse(
                self.page.t("problems.upload.invalid", name=event.file.name, detail=exc.detail)
            )
            return
        await self._create(parsed)

    # -- the form ----------------------------------------------------------------------

    def _form_card(self) -> None:
        t = self.page.t
        version = self.base[0] if self.base else None
        with ui.card().classes("w-full gap-3").mark("problem-form"):
            ui.label(t("problems.form.title")).classes("text-lg font-semibold")
            with ui.row().classes("w-full gap-3"):
                self.slug_input = (
                    ui.input(
                        t("problems.form.slug"),
                        value=self.slug or "",
                        validation={
                            t("problems.form.slug_rule"): lambda v: bool(bundle.SLUG.match(v or ""))
                        },
                    )
                    .classes("w-64")
                    .mark("form-slug")
                )
                if self.slug:
                    self.slug_input.props("readonly")
                self.title_input = ui.input(
                    t("problems.form.problem_title"), value=_get(version, "title", "")
                )
                self.title_input.classes("grow").mark("form-title")
            with ui.row().classes("w-full gap-3 items-end"):
                self.difficulty = (
                    ui.select(
                        {d: difficulty_label(self.page, d) for d in DIFFICULTIES},
                        value=_get(version, "difficulty", "Easy"),
                        label=t("problems.form.difficulty"),
                    )
                    .classes("w-40")
                    .mark("form-difficulty")
                )
                self.tags = (
                    ui.input(
                        t("problems.form.tags"),
                        value=", ".join(_get(version, "tags", [])),
                    )
                    .classes("w-80")
                    .mark("form-tags")
                )
                self.wall = (
                    ui.number(
                        t("problems.form.wall_seconds"),
                        value=_get(version, "wall_seconds", 5.0),
                        min=0.1,
                        max=MAX_WALL_SECONDS,
                        step=0.5,
                    )
                    .classes("w-40")
                    .mark("form-wall")
                )
                self.show_golden = ui.checkbox(
                    t("problems.form.show_golden"), value=_get(version, "show_golden", True)
                ).mark("form-show-golden")
            self.signature = (
                ui.input(
                    t("problems.form.signature"), value=_get(version, "function_signature", "")
                )
                .classes(f"w-full {CODE}")
                .mark("form-signature")
            )
            self.description = _code_area(
                t("problems.form.description"), _get(version, "description_md", "")
            )
            self.description.mark("form-description")
            self.golden = _code_area(t("problems.form.golden"), _get(version, "golden_code", ""))
            self.golden.mark("form-golden")
            self.reference = _code_area(
                t("problems.form.reference"), _get(version, "reference_tests", "")
            )
            self.reference.mark("form-reference")
            self._mutant_rows()
            self._example_rows()
            ui.button(t("problems.form.submit"), icon="send", on_click=self._submit).mark(
                "form-submit"
            )

    def _mutant_rows(self) -> None:
        t = self.page.t
        ui.label(t("problems.form.mutants")).classes("font-semibold")
        self.mutant_area = ui.column().classes("w-full gap-2")
        for mutant in self.base[1] if self.base else []:
            self._add_mutant(mutant)
        if not self.mutants:
            self._add_mutant({})
        ui.button(
            t("problems.form.add_mutant"), icon="add", on_click=lambda: self._add_mutant({})
        ).props("outline").mark("form-add-mutant")

    def _add_mutant(self, mutant: dict[str, Any]) -> None:
        t = self.page.t
        if len(self.mutants) >= MAX_MUTANTS:
            self._refuse(t("problems.form.too_many_mutants", count=MAX_MUTANTS))
            return
        index = len(self.mutants)
        with self.mutant_area, ui.card().classes("w-full gap-2 bg-gray-50") as container:
            with ui.row().classes("w-full gap-3 items-end"):
                name = ui.input(t("problems.form.mutant_name"), value=mutant.get("name", ""))
                name.classes(f"w-64 {CODE}").mark(f"form-mutant-name-{index}")
                weight = (
                    ui.number(
                        t("problems.form.mutant_weight"),
                        value=mutant.get("weight", 1),
                        min=1,
                        max=5,
                        step=1,
                    )
                    .classes("w-28")
                    .mark(f"form-mutant-weight-{index}")
                )
                hint = ui.input(t("problems.form.mutant_hint"), value=mutant.get("hint", ""))
                hint.classes("grow").mark(f"form-mutant-hint-{index}")
                remove = ui.button(icon="delete").props(
                    f'flat round aria-label="{t("problems.form.remove_mutant")}"'
                )
            code = _code_area(t("problems.form.mutant_code"), mutant.get("code", ""))
            code.mark(f"form-mutant-code-{index}")
        fields = MutantFields(container, name, weight, hint, code)
        remove.on_click(lambda: self._remove(self.mutants, fields))
        self.mutants.append(fields)

    def _example_rows(self) -> None:
        t = self.page.t
        ui.label(t("problems.form.examples")).classes("font-semibold")
        ui.label(t("problems.form.examples_help")).classes("text-sm text-gray-600")
        self.example_area = ui.column().classes("w-full gap-2")
        for example in (self.base[0]["examples"] if self.base else None) or []:
            self._add_example(example)
        ui.button(
            t("problems.form.add_example"), icon="add", on_click=lambda: self._add_example({})
        ).props("outline").mark("form-add-example")

    def _add_example(self, example: dict[str, Any]) -> None:
        t = self.page.t
        with self.example_area, ui.card().classes("w-full gap-2 bg-gray-50") as container:
            with ui.row().classes("w-full gap-3 items-end"):
                call = ui.input(t("problems.form.example_call"), value=example.get("call", ""))
                call.classes(f"grow {CODE}")
                result = ui.input(
                    t("problems.form.example_result"), value=example.get("result") or ""
                )
                result.classes(f"w-64 {CODE}")
                raises = ui.input(
                    t("problems.form.example_raises"), value=example.get("raises") or ""
                )
                raises.classes(f"w-48 {CODE}")
                remove = ui.button(icon="delete").props(
                    f'flat round aria-label="{t("problems.form.remove_example")}"'
                )
            setup = ui.textarea(t("problems.form.example_setup"), value=example.get("setup") or "")
            setup.classes(f"w-full {CODE}").props("autogrow")
        fields = ExampleFields(container, call, result, raises, setup)
        remove.on_click(lambda: self._remove(self.examples, fields))
        self.examples.append(fields)

    @staticmethod
    def _remove(rows: list[Any], fields: Any) -> None:
        rows.remove(fields)
        fields.container.delete()

    def mapping(self) -> dict[str, Any]:
        """The form as problem.toml fields with the files' contents, for bundle.from_mapping
        (which checks it exactly as it checks an uploaded folder)."""
        return {
            "slug": (self.slug_input.value or "").strip(),
            "title": self.title_input.value or "",
            "difficulty": self.difficulty.value,
            "tags": [tag.strip() for tag in (self.tags.value or "").split(",") if tag.strip()],
            "function_signature": self.signature.value or "",
            "show_golden": bool(self.show_golden.value),
            "limits": {"wall_seconds": float(self.wall.value or 0)},
            "description_md": self.description.value or "",
            "golden_code": self.golden.value or "",
            "reference_tests": self.reference.value or "",
            "mutants": [_mutant_entry(m) for m in self.mutants],
            "examples": [_example_entry(e) for e in self.examples],
        }

    async def _submit(self) -> None:
        try:
            parsed = bundle.from_mapping(self.mapping())
        except Invalid as exc:
            self._refuse(self.page.t("problems.form.invalid", detail=exc.detail))
            return
        await self._create(parsed)

    # -- both ------------------------------------------------------------------------

    async def _create(self, parsed: ProblemBundle) -> None:
        t = self.page.t
        if self.slug is not None and parsed.slug != self.slug:
            self._refuse(t("problems.upload.other_slug", slug=parsed.slug, expected=self.slug))
            return
        by = Actor(self.page.user, self.page.source)
        console = self.page.console
        try:
            ref = await console.call(versions.create, console.broker, parsed, by)
        except ArenaError as exc:
            self._refuse(t("problems.form.invalid", detail=exc.detail))
            return
        if not ref.created:
            ui.notify(t("problems.form.unchanged", version=ref.number), type="info")
        ui.navigate.to(f"/problems/{ref.slug}?version={ref.number}")

    def _refuse(self, text: str) -> None:
        self.message.text = text
        ui.notify(text, type="negative", multi_line=True)


def _get(version: Row | None, key: str, default: Any) -> Any:
    return version[key] if version is not None else default


def _code_area(label: str, value: str) -> ui.textarea:
    area = ui.textarea(label, value=value).classes(f"w-full {CODE}")
    area.props('autogrow spellcheck="false" input-style="min-height: 6rem"')
    return area


def _mutant_entry(fields: MutantFields) -> dict[str, Any]:
    weight = fields.weight.value
    return {
        "name": (fields.name.value or "").strip(),
        # A number field holds a float; the catalog's weights are integers.
        "weight": int(weight)
        if isinstance(weight, float | int) and weight == int(weight)
        else weight,
        "hint": fields.hint.value or "",
        "code": fields.code.value or "",
    }


def _example_entry(fields: ExampleFields) -> dict[str, str]:
    values = {
        "call": fields.call.value or "",
        "result": fields.result.value or "",
        "raises": fields.raises.value or "",
        "setup": fields.setup.value or "",
    }
    return {key: value for key, value in values.items() if value.strip() or key == "call"}
