"""/evaluations/{id} (admins): one run. Its manifest (what it measured, enough to run it
again), its progress kept live, the controls (cancel after a confirmation, hold, resume,
retry the failed samples, run the manifest again: each through appliance.evaluations.runs,
which audits it), the exports (JSON and CSV, served by the console under the page's own
address, built by appliance.evaluations.documents as for the API), the leaderboard with its
intervals and a paired comparison (evaluation_board.py), and the samples' evidence
(evaluation_evidence.py)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import Request
from fastapi.responses import PlainTextResponse, RedirectResponse, Response
from nicegui import app, ui

from appliance.db import Row
from appliance.errors import Conflict, Invalid, NotFound
from appliance.evaluations import documents, exports, runs
from appliance.evaluations.runs import Progress
from appliance.vocabulary import EvaluationExportFormat, RunStatus
from ui import i18n, session
from ui.admin.evaluation_board import Board
from ui.admin.evaluation_evidence import Evidence
from ui.admin.evaluations import (
    UNAVAILABLE,
    progress_words,
    run_path,
    short_hash,
    status_badge,
    subject_label,
)
from ui.admin.models import acting_admin
from ui.console import Console
from ui.layout import frame
from ui.session import Page

FOLLOW_SECONDS = 3.0
EXPORT_FORMATS: tuple[EvaluationExportFormat, ...] = ("json", "csv")
ENDED: tuple[RunStatus, ...] = ("finished", "cancelled")
# The controls, in the order shown, and the run statuses each one applies to.
CONTROLS: dict[str, tuple[RunStatus, ...]] = {
    "hold": ("running",),
    "resume": ("held",),
    "retry": ("running", "held", "finished"),
    "cancel": ("running", "held"),
    "rerun": ("running", "held", "finished", "cancelled"),
}


def export_path(run_id: int, export_format: EvaluationExportFormat) -> str:
    return f"{run_path(run_id)}/export?format={export_format}"


def allowed_controls(status: RunStatus, progress: Progress) -> list[str]:
    """What may be asked of a run now: retry only when a sample errored. Pure."""
    return [
        name
        for name, statuses in CONTROLS.items()
        if status in statuses and (name != "retry" or progress.error > 0)
    ]


# -- the page --------------------------------------------------------------------------


class RunPage:
    """One browser tab's page of one run."""

    def __init__(self, page: Page, run_id: int) -> None:
        self.page = page
        self.run_id = run_id
        self.status: RunStatus = "running"
        self.progress: Progress | None = None
        self._follows = 0  # checks started
        self._drawn = 0  # the latest check whose answer was drawn
        # A control in flight: the controls stay disabled until it answers, so a double
        # click does not hold twice or start two reruns.
        self.busy = False
        self.buttons: list[ui.button] = []

    async def build(self, row: Row, progress: Progress) -> None:
        self.status, self.progress = row["status"], progress
        manifest = row["manifest"]
        self._head(row)
        self.message = ui.label("").props('role="alert"').mark("evaluation-message")
        with ui.row().classes("w-full gap-4 items-stretch flex-wrap lg:flex-nowrap"):
            self._manifest(row)
            with ui.card().classes("grow gap-2 min-w-80").mark("evaluation-live"):
                self.live()
        self.board = Board(self.page, self.run_id, manifest)
        self.board.build()
        self.evidence = Evidence(self.page, self.run_id, manifest)
        self.evidence.build()
        ui.timer(FOLLOW_SECONDS, self.follow)

    def _head(self, row: Row) -> None:
        t = self.page.t
        with ui.row().classes("items-center gap-3 w-full"):
            ui.label(t("evaluations.run_title", id=row["id"])).classes("text-xl font-mono")
            ui.label(row["problem_set"]).classes("opacity-80")
            if row["rerun_of"]:
                ui.link(
                    t("evaluations.rerun_of", id=row["rerun_of"]), run_path(row["rerun_of"])
                ).mark("evaluation-rerun-of")
            ui.space()
            for export_format in EXPORT_FORMATS:
                ui.link(
                    t(f"evaluations.export_{export_format}"),
                    export_path(self.run_id, export_format),
                ).props("download").mark(f"evaluation-export-{export_format}")
            ui.link(t("evaluations.back"), "/evaluations")

    def _manifest(self, row: Row) -> None:
        t, manifest = self.page.t, row["manifest"]
        with ui.card().classes("gap-2 grow").mark("evaluation-manifest"):
            ui.label(t("evaluations.manifest")).classes("text-lg font-semibold").props(
                'role="heading"'
            )
            with ui.grid(columns="max-content 1fr").classes("gap-x-6 gap-y-1 text-sm"):
                for key, value, marker in self._facts(row, manifest):
                    ui.label(t(f"evaluations.manifest.{key}")).classes("opacity-70")
                    ui.label(value).classes("break-all").mark(f"manifest-{marker}")

    def _facts(self, row: Row, manifest: dict[str, Any]) -> list[tuple[str, str, str]]:
        t, zone, locale = self.page.t, self.page.zone, self.page.locale
        models = [
            f"{m['name']}@{m['version']} ({m['model']}, {short_hash(m['content_hash'])})"
            for m in manifest["models"]
        ]
        problem_set = manifest["problem_set"]
        image_id = manifest["judge_image_id"]
        return [
            ("models", "; ".join(models) or "-", "models"),
            (
                "baselines",
                ", ".join(subject_label(t, b) for b in manifest["baselines"]) or "-",
                "baselines",
            ),
            (
                "problem_set",
                t(
                    "evaluations.set_hash",
                    name=problem_set["name"],
                    items=len(problem_set["items"]),
                    hash=problem_set["content_hash"],
                ),
                "set",
            ),
            ("samples", i18n.number(manifest["samples"], locale), "samples"),
            ("seed", str(manifest["seed"]), "seed"),
            ("judge_image", f"{manifest['judge_image']} · {_image_ids(image_id)}", "judge-image"),
            ("app_version", str(manifest["app_version"]), "app-version"),
            ("git_sha", str(manifest["git_sha"] or "-"), "git-sha"),
            (
                "created",
                f"{row['created_by']} · {i18n.moment(row['created_at'], zone, locale)}",
                "created",
            ),
            ("finished", i18n.moment(row["finished_at"], zone, locale), "finished"),
        ]

    # -- progress and controls (redrawn as the run moves) ------------------------------

    @ui.refreshable_method
    def live(self) -> None:
        t, locale, progress = self.page.t, self.page.locale, self.progress
        assert progress is not None
        with ui.row().classes("items-center gap-3"):
            ui.label(t("evaluations.progress")).classes("text-lg font-semibold").props(
                'role="heading"'
            )
            status_badge(t, self.status).mark("evaluation-status")
        ui.label(progress_words(t, progress, locale)).mark("evaluation-progress")
        ui.linear_progress(
            value=progress.done / progress.total if progress.total else 0, show_value=False
        ).props(f'aria-label="{t("evaluations.progress")}"')
        ui.label(
            t(
                "evaluations.counts",
                pending=progress.pending,
                running=progress.running,
                success=progress.success,
                failure=progress.failure,
                error=progress.error,
                cancelled=progress.cancelled,
            )
        ).classes("text-sm opacity-80").mark("evaluation-counts")
        self._controls()

    def _controls(self) -> None:
        t = self.page.t
        assert self.progress is not None
        allowed = allowed_controls(self.status, self.progress)
        self.buttons = []
        with ui.row().classes("gap-2 flex-wrap"):
            for name in CONTROLS:
                button = ui.button(
                    t(f"evaluations.control.{name}"), on_click=self._handler(name)
                ).props("outline" if name != "cancel" else "outline color=negative")
                button.mark(f"evaluation-{name}")
                self.buttons.append(button)
                if name not in allowed or self.busy:
                    button.disable()

    def _handler(self, name: str) -> Callable[[], Any]:
        if name == "cancel":
            return self._confirm_cancel
        return lambda: self.act(name)

    def _confirm_cancel(self) -> None:
        t = self.page.t
        if self.busy:
            return
        with ui.dialog() as dialog, ui.card().classes("gap-3").mark("evaluation-cancel-dialog"):
            ui.label(t("evaluations.cancel_confirm", id=self.run_id))
            with ui.row().classes("justify-end w-full"):
                ui.button(t("evaluations.cancel_keep"), on_click=dialog.close).props("flat").mark(
                    "evaluation-cancel-keep"
                )

                async def confirmed() -> None:
                    dialog.close()
                    await self.act("cancel")

                ui.button(t("evaluations.control.cancel"), on_click=confirmed).props(
                    "color=negative"
                ).mark("evaluation-cancel-confirm")
        dialog.open()

    async def act(self, name: str) -> None:
        """The control through runs (audited there), one at a time; refusals said on the
        page."""
        if self.busy:
            return
        self.busy = True
        for button in self.buttons:
            button.disable()
        try:
            await self._act(name)
        finally:
            self.busy = False
            self.live.refresh()  # the controls again, as the run's status allows

    async def _act(self, name: str) -> None:
        t, page = self.page.t, self.page
        console = page.console
        settings, broker = console.settings, console.broker
        try:
            # The page may have been open since the admin's session ended or their role
            # changed: the change is made as the admin acting now, or not at all.
            actor = await acting_admin(page, run_path(self.run_id))
            if actor is None:
                return
            if name == "rerun":
                new_id = await console.call(runs.rerun, broker, settings, actor, self.run_id)
                ui.navigate.to(run_path(new_id))
                return
            action = {
                "hold": runs.hold,
                "resume": runs.resume,
                "retry": runs.retry_failed,
                "cancel": runs.cancel,
            }[name]
            await console.call(action, broker, actor, self.run_id)
        except Conflict:
            await self.follow(force=True)
            self._say(
                t("evaluations.refused.conflict", status=t(f"evaluations.status.{self.status}"))
            )
            return
        except (NotFound, Invalid):
            self._say(t("evaluations.refused.missing"))
            return
        except UNAVAILABLE:
            self._say(t("error.unavailable"))
            return
        await self.follow(force=True)
        self._say(t(f"evaluations.done.{name}"), ok=True)

    def _say(self, text: str, ok: bool = False) -> None:
        self.message.text = text
        self.message.classes(replace="text-positive" if ok else "text-negative")

    async def follow(self, force: bool = False) -> None:
        """Each tick: the run's status and progress, redrawn when they moved; the
        leaderboard once the run ended (its numbers are final then). Reads run in threads
        and may end out of order (a tick's read begun before a control's): an answer older
        than the one drawn already is dropped."""
        self._follows += 1
        mine = self._follows
        try:
            row, progress = await self.page.console.call(
                runs.show, self.page.console.settings, self.run_id
            )
        except UNAVAILABLE:
            return  # the next tick tries again
        if mine < self._drawn:
            return
        self._drawn = mine
        moved = force or (row["status"], progress) != (self.status, self.progress)
        ended = row["status"] in ENDED and self.status not in ENDED
        self.status, self.progress = row["status"], progress
        if moved:
            self.live.refresh()
        if ended:
            await self.board.reload()


def _image_ids(found: Any) -> str:
    if isinstance(found, list):
        return ", ".join(str(i) for i in found)
    return str(found)


def _missing(page: Page, run_id: int) -> None:
    ui.label(page.t("evaluations.not_found", id=run_id)).mark("evaluation-missing")
    ui.link(page.t("evaluations.back"), "/evaluations")


def register(console: Console) -> None:
    @ui.page("/evaluations/{run_id:int}")
    async def evaluation_page(request: Request, run_id: int) -> RedirectResponse | None:
        page = await session.guard(console, request, session.ADMIN)
        if isinstance(page, RedirectResponse):
            return page
        with frame(page, "evaluations.detail_title"):
            try:
                row, progress = await console.call(runs.show, console.settings, run_id)
            except NotFound:
                _missing(page, run_id)
                return None
            except UNAVAILABLE:
                ui.label(page.t("error.unavailable")).classes("text-negative").props(
                    'role="alert"'
                ).mark("evaluation-unavailable")
                return None
            await RunPage(page, run_id).build(row, progress)
        return None

    @app.get("/evaluations/{run_id:int}/export", include_in_schema=False)
    async def evaluation_export(request: Request, run_id: int) -> Response:
        try:
            return await _export(request, run_id)
        except UNAVAILABLE:
            # A download has no page to say it on: the answer's status and words do.
            return PlainTextResponse(
                "the database cannot be reached right now; try again shortly", status_code=503
            )

    async def _export(request: Request, run_id: int) -> Response:
        user = await session.current_user(console)
        if user is None:
            return PlainTextResponse("log in to the console first", status_code=401)
        if user.role not in session.ADMIN:
            return PlainTextResponse("evaluation exports are for admins", status_code=403)
        export_format = request.query_params.get("format", "json")
        if export_format not in EXPORT_FORMATS:
            return PlainTextResponse("format is json or csv", status_code=400)
        try:
            body = await console.call(documents.export, console.settings, run_id, export_format)
        except NotFound:
            return PlainTextResponse(f"no evaluation run {run_id}", status_code=404)
        disposition = f'attachment; filename="{exports.file_name(run_id, export_format)}"'
        return Response(
            body,
            media_type=exports.MEDIA_TYPES[export_format],
            headers={"Content-Disposition": disposition},
        )
