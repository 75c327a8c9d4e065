"""/submissions: every submission, filtered and paged in SQL (50 a page); and
/submissions/{id}: one submission in full (the API's detail with the mutants' names, the
kill matrix, outputs as stored, the suite's code) and its rejudge. Admins only."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from typing import Any, get_args
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

import psycopg
from fastapi import Request
from fastapi.responses import RedirectResponse
from nicegui import ui
from psycopg_pool import PoolTimeout

from appliance.errors import Conflict, NotFound, Overloaded
from appliance.submissions import intake, queries, reading
from appliance.submissions.detail import GoldenView, MutantView, SubmissionDetail
from appliance.submissions.reading import PAGE_SIZE, Filters, Listed, ListPage, Review
from appliance.vocabulary import STATUSES, FailureReason, Status
from ui import i18n, session
from ui.console import Console
from ui.layout import frame
from ui.session import Page
from ui.tables import KILL_MARK, matrix_rows
from ui.words import STATUS_COLOURS

REASONS: tuple[FailureReason, ...] = get_args(FailureReason)
UNFINISHED: tuple[Status, ...] = ("PENDING", "RUNNING")
FOLLOW_SECONDS = 3.0
# A suite may store up to 2000 tests: the browser draws only the rows in view.
LONG_TABLE = "virtual-scroll"
LONG_TABLE_STYLE = "max-height: 70vh"
# What the database being away looks like from a page (the pool waits, then gives up).
UNAVAILABLE = (psycopg.OperationalError, PoolTimeout)
# Whose submissions the list shows: learners' by default, so that an evaluation's samples
# (source 'model', appliance/evaluations/) are findable without crowding the learners' list.
SOURCES = ("learner", "model", "any")
DEFAULT_SOURCE = "learner"


def register(console: Console) -> None:
    @ui.page("/submissions")
    async def list_page(request: Request) -> RedirectResponse | None:
        page = await session.guard(console, request, session.ADMIN)
        if isinstance(page, RedirectResponse):
            return page
        with frame(page, "nav.submissions"):
            await _SubmissionList(page, _query_state(request.query_params)).build()
        return None

    @ui.page("/submissions/{submission_id}")
    async def detail_page(request: Request, submission_id: str) -> RedirectResponse | None:
        page = await session.guard(console, request, session.ADMIN)
        if isinstance(page, RedirectResponse):
            return page
        found = await console.call(reading.review, submission_id)
        with frame(page, "submissions.detail_title"):
            if found is None:
                _missing(page, submission_id)
            else:
                _detail(page, found)
        return None


# -- the list ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ListState:
    """What the list shows: the filters as the controls hold them (dates as YYYY-MM-DD in
    the display time zone), the page and the order; also the page's address."""

    status: str = ""
    reason: str = ""
    problem: str = ""
    user: str = ""
    since: str = ""
    until: str = ""
    source: str = DEFAULT_SOURCE
    page: int = 1
    newest_first: bool = True

    def query(self) -> str:
        fields = {
            "status": self.status,
            "reason": self.reason,
            "problem": self.problem,
            "user": self.user.strip(),
            "since": self.since,
            "until": self.until,
            "source": "" if self.source == DEFAULT_SOURCE else self.source,
            "page": str(self.page) if self.page > 1 else "",
            "order": "" if self.newest_first else "oldest",
        }
        given = {key: value for key, value in fields.items() if value}
        return "/submissions" + ("?" + urlencode(given) if given else "")


def _query_state(params: Mapping[str, str]) -> ListState:
    """The state a link asks for; a value that is not one the controls offer is dropped."""
    page = params.get("page", "1")
    return ListState(
        status=_one_of(params.get("status", ""), STATUSES),
        reason=_one_of(params.get("reason", ""), REASONS),
        problem=params.get("problem", "")[:100],
        user=params.get("user", "")[:64],
        since=params.get("since", "") if _day(params.get("since", "")) else "",
        until=params.get("until", "") if _day(params.get("until", "")) else "",
        source=_one_of(params.get("source", ""), SOURCES) or DEFAULT_SOURCE,
        page=int(page) if page.isdigit() and 0 < int(page) < 10**6 else 1,
        newest_first=params.get("order") != "oldest",
    )


def _one_of(value: str, allowed: tuple[str, ...]) -> str:
    return value if value in allowed else ""


def _day(text: str) -> date | None:
    try:
        return date.fromisoformat(text) if len(text) == 10 else None
    except ValueError:
        return None


class DateRangeError(ValueError):
    """The end of the date range is before its start."""


def filters_of(state: ListState, zone: ZoneInfo) -> Filters:
    """The query's filters: whole days in the display time zone, `until` included."""
    since, until = _day(state.since), _day(state.until)
    if since and until and until < since:
        raise DateRangeError(state.until)
    return Filters(
        status=state.status or None,  # type: ignore[arg-type]  # checked by the controls
        reason=state.reason or None,  # type: ignore[arg-type]
        problem=state.problem or None,
        user=state.user.strip() or None,
        since=_midnight(since, zone),
        until=_midnight(until + timedelta(days=1), zone) if until else None,
        source=state.source if state.source in ("learner", "model") else None,  # type: ignore[arg-type]
    )


def _midnight(day: date | None, zone: ZoneInfo) -> datetime | None:
    return datetime.combine(day, time(), zone) if day else None


class _SubmissionList:
    """The filter bar, the count and the table of one browser's list page. `state` is
    what the controls ask for, changed at once by each control; every change reloads one
    page from PostgreSQL, and an answer overtaken by a later change is dropped."""

    def __init__(self, page: Page, state: ListState) -> None:
        self.page = page
        self.state = state
        self.loads = itertools.count(1)
        self.latest = 0

    async def build(self) -> None:
        slugs = await self.page.console.call(queries.problem_slugs)
        self._filter_bar(slugs)
        self.message = ui.label("").classes("text-negative").props('role="alert"')
        self.message.mark("submissions-message")
        self.total = ui.label("").classes("opacity-80").mark("submissions-total")
        self.table = self._table()
        await self.load(initial=True)

    def _filter_bar(self, slugs: list[str]) -> None:
        t, state = self.page.t, self.state
        with ui.row().classes("items-end gap-3 flex-wrap"):
            self._select("status", t("submissions.filter_status"), _word_options(t, STATUSES))
            self._select("reason", t("submissions.filter_reason"), _reason_options(t))
            problems = {"": t("submissions.any"), **{slug: slug for slug in slugs}}
            if state.problem and state.problem not in problems:
                problems[state.problem] = state.problem  # a link to a problem not listed
            self._select("problem", t("submissions.filter_problem"), problems)
            sources = {source: t(f"submissions.source_{source}") for source in SOURCES}
            self._select("source", t("submissions.filter_source"), sources)
            user = ui.input(t("submissions.filter_user"), value=state.user)
            user.props("clearable dense debounce=400 maxlength=64").classes("w-40")
            user.on_value_change(lambda e: self._change(user=e.value or ""))
            user.mark("submissions-filter-user")
            for field, key in (("since", "filter_since"), ("until", "filter_until")):
                self._date(field, t(f"submissions.{key}"))
            self.order = ui.select(
                {True: t("submissions.newest_first"), False: t("submissions.oldest_first")},
                label=t("submissions.order"),
                value=state.newest_first,
            )
            self.order.props("dense").classes("w-36").mark("submissions-order")
            self.order.on_value_change(lambda e: self._change(newest_first=bool(e.value)))
            ui.button(t("submissions.clear"), on_click=self._clear).props("flat").mark(
                "submissions-clear"
            )

    def _select(self, field: str, label: str, options: dict[str, str]) -> None:
        select = ui.select(options, label=label, value=getattr(self.state, field))
        select.props("dense options-dense").classes("w-44").mark(f"submissions-filter-{field}")
        select.on_value_change(lambda e: self._change(**{field: e.value or ""}))

    def _date(self, field: str, label: str) -> None:
        picker = ui.input(label, value=getattr(self.state, field)).props(
            "type=date dense stack-label"
        )
        picker.classes("w-40").mark(f"submissions-filter-{field}")
        picker.on_value_change(lambda e: self._change(**{field: e.value or ""}))

    async def _change(self, **changed: Any) -> None:
        if all(getattr(self.state, key) == value for key, value in changed.items()):
            return  # a control set to what the list shows already (the order, after a sort)
        self.state = replace(self.state, page=1, **changed)
        await self.load()

    async def _clear(self) -> None:
        ui.navigate.to("/submissions")

    def _table(self) -> ui.table:
        t = self.page.t
        columns: list[dict[str, Any]] = [
            {"name": "created", "label": t("submissions.col_created"), "field": "created"},
            {"name": "id", "label": t("submissions.col_id"), "field": "short_id"},
            {"name": "user", "label": t("submissions.col_user"), "field": "user"},
            {"name": "problem", "label": t("submissions.col_problem"), "field": "problem"},
            {"name": "status", "label": t("submissions.col_status"), "field": "status_text"},
            {"name": "reason", "label": t("submissions.col_reason"), "field": "reason_text"},
            {"name": "score", "label": t("submissions.col_score"), "field": "score"},
            {"name": "weights", "label": t("submissions.col_weights"), "field": "weights"},
            {"name": "finished", "label": t("submissions.col_finished"), "field": "finished"},
        ]
        columns[0]["sortable"] = True
        table = (
            ui.table(
                rows=[],
                columns=columns,
                column_defaults={"align": "left"},
                row_key="id",
                pagination={"rowsPerPage": PAGE_SIZE, "page": 1, "rowsNumber": 0},
            )
            .classes("w-full")
            .mark("submissions-table")
        )
        table.props(
            f'flat bordered dense binary-state-sort :rows-per-page-options="[{PAGE_SIZE}]"'
            f' no-data-label="{t("submissions.empty")}"'
            " :pagination-label=\"(a, b, n) => a.toLocaleString() + '-' + b.toLocaleString()"
            " + ' / ' + n.toLocaleString()\""
        )
        table.add_slot("body-cell-id", _ID_CELL)
        table.add_slot("body-cell-status", _STATUS_CELL)
        table.on("request", self._requested, ["pagination"])
        return table

    async def _requested(self, event: Any) -> None:
        """The table's own pager or the created column's sort: another page, same filters."""
        asked = event.args.get("pagination") or {}
        newest = bool(asked.get("descending", True)) or asked.get("sortBy") is None
        self.state = replace(self.state, page=int(asked.get("page") or 1), newest_first=newest)
        await self.load()

    async def load(self, initial: bool = False) -> None:
        """Shows the page `state` asks for and keeps the address in step (a link or a reload
        shows the same list); `initial`: the address is the page's own already."""
        t, state = self.page.t, self.state
        number = self.latest = next(self.loads)
        try:
            filters = filters_of(state, self.page.zone)
        except DateRangeError:
            self.message.text = t("submissions.bad_range")
            return
        try:
            found = await self.page.console.call(
                reading.browse, filters, state.page, state.newest_first
            )
        except UNAVAILABLE:
            self.message.text = t("error.unavailable")
            return
        if number != self.latest:
            return  # a later change is on its way
        self.message.text = ""
        self.state = replace(state, page=found.page)
        self._show(found)
        self.order.value = state.newest_first  # a sort by the column header shows here too
        if not initial:
            ui.navigate.history.replace(self.state.query())

    def _show(self, found: ListPage) -> None:
        page = self.page
        self.total.text = page.t("submissions.total", count=i18n.number(found.total, page.locale))
        self.table.rows = [_row(page, listed) for listed in found.rows]
        self.table.pagination = {
            "page": found.page,
            "rowsPerPage": PAGE_SIZE,
            "rowsNumber": found.total,
            "sortBy": "created",
            "descending": self.state.newest_first,
        }
        self.table.update()


_ID_CELL = """
<q-td :props="props">
  <a :href="'/submissions/' + props.row.id" class="text-primary font-mono"
     :aria-label="props.row.id">{{ props.value }}</a>
  <q-icon v-if="props.row.rejudge" name="replay" size="xs" class="q-ml-xs"
          :aria-label="props.row.rejudge" :title="props.row.rejudge" />
</q-td>
"""
_STATUS_CELL = """
<q-td :props="props">
  <q-badge :color="props.row.colour" :label="props.value" />
</q-td>
"""


def _word_options(t: Callable[..., str], statuses: tuple[Status, ...]) -> dict[str, str]:
    return {"": t("submissions.any"), **{s: t(f"submissions.status_{s.lower()}") for s in statuses}}


def _reason_options(t: Callable[..., str]) -> dict[str, str]:
    return {"": t("submissions.any"), **{r: t(f"submissions.reason_{r}") for r in REASONS}}


def _row(page: Page, listed: Listed) -> dict[str, Any]:
    t, zone, locale = page.t, page.zone, page.locale
    return {
        "id": listed.id,
        "short_id": listed.id[:8],
        "created": i18n.moment(listed.created_at, zone, locale),
        "user": listed.user,
        "problem": t("submissions.problem_version", problem=listed.problem, version=listed.version),
        "status": listed.status,
        "status_text": t(f"submissions.status_{listed.status.lower()}"),
        "colour": STATUS_COLOURS[listed.status],
        "reason_text": t(f"submissions.reason_{listed.reason}") if listed.reason else "",
        "score": "" if listed.score is None else str(listed.score),
        "weights": _fraction(listed.killed_weight, listed.total_weight, locale),
        "finished": i18n.moment(listed.finished_at, zone, locale) if listed.finished_at else "",
        "rejudge": t("submissions.is_rejudge") if listed.rejudge_of else "",
    }


def _fraction(part: int | None, whole: int | None, locale: Any) -> str:
    if part is None or whole is None:
        return ""
    return f"{i18n.number(part, locale)} / {i18n.number(whole, locale)}"


# -- one submission ---------------------------------------------------------------------


def _missing(page: Page, submission_id: str) -> None:
    ui.label(page.t("submissions.not_found", id=submission_id[:64])).mark("submission-missing")
    ui.link(page.t("submissions.back"), "/submissions")


def _detail(page: Page, found: Review) -> None:
    view = found.detail
    with ui.row().classes("items-center gap-3"):
        ui.label(view.id).classes("font-mono text-lg").mark("submission-id")
        _badge(page, view.status)
        ui.space()
        ui.link(page.t("submissions.back"), "/submissions")
        _rejudge_control(page, found)
    if view.status in UNFINISHED:
        _follow(page, view.id, view.status)
    _summary(page, found)
    _golden(page, view.golden, view)
    _kill_matrix(page, view.mutants, view.golden)
    _outputs(page, found)
    with _card(page, "submissions.code"):
        ui.code(found.code, language="python").classes("w-full").mark("submission-code")


def _follow(page: Page, submission_id: str, shown: Status) -> None:
    """While it waits or runs, the page redraws itself once its status moves on (one
    indexed read every few seconds)."""

    async def check() -> None:
        try:
            status = await page.console.call(queries.status_of, submission_id)
        except UNAVAILABLE:
            return  # the next tick tries again
        if status != shown:
            timer.deactivate()
            ui.navigate.reload()

    timer = ui.timer(FOLLOW_SECONDS, check)


def _badge(page: Page, status: Status) -> None:
    label = page.t(f"submissions.status_{status.lower()}")
    ui.badge(label, color=STATUS_COLOURS[status]).mark("submission-status")


def _card(page: Page, title_key: str) -> ui.card:
    card = ui.card().classes("w-full gap-2")
    with card:
        ui.label(page.t(title_key)).classes("text-lg font-semibold").props('role="heading"')
    return card


def _summary(page: Page, found: Review) -> None:
    t, view = page.t, found.detail
    with (
        _card(page, "submissions.summary"),
        ui.grid(columns="max-content 1fr").classes("gap-x-6 gap-y-1"),
    ):
        for key, value, marker in _facts(page, found):
            ui.label(t(key)).classes("opacity-70")
            ui.label(value).mark(f"submission-{marker}")
        _related(page, found)
    if view.status == "ERROR" and view.error:
        ui.label(t("submissions.error", detail=view.error)).classes("text-negative").mark(
            "submission-error"
        )


def _facts(page: Page, found: Review) -> list[tuple[str, str, str]]:
    """(label key, value, marker) of each line of the summary."""
    t, zone, locale, view = page.t, page.zone, page.locale, found.detail
    facts = [
        ("submissions.col_status", t(f"submissions.status_{view.status.lower()}"), "status-word"),
        ("submissions.col_user", found.user, "user"),
        (
            "submissions.col_problem",
            t("submissions.problem_version", problem=view.problem, version=view.version),
            "problem",
        ),
    ]
    if view.reason:
        facts.append(("submissions.col_reason", t(f"submissions.reason_{view.reason}"), "reason"))
    if view.score is not None:
        facts.append(("submissions.col_score", _score(page, view), "score"))
    facts += [
        ("submissions.queued", _duration(view.timings.queued_ms, locale), "queued"),
        ("submissions.run", _duration(view.timings.run_ms, locale), "run"),
        ("submissions.attempts", i18n.number(found.attempts, locale), "attempts"),
        ("submissions.created", i18n.moment(view.created_at, zone, locale), "created"),
        ("submissions.started", i18n.moment(view.started_at, zone, locale), "started"),
        ("submissions.finished", i18n.moment(view.finished_at, zone, locale), "finished"),
    ]
    return facts


def _score(page: Page, view: SubmissionDetail) -> str:
    locale = page.locale
    return page.t(
        "submissions.score_detail",
        score=i18n.number(view.score, locale),
        weights=_fraction(view.killed_weight, view.total_weight, locale),
        mutants=_fraction(view.killed_count, view.total_count, locale),
    )


def _duration(millis: int | None, locale: Any) -> str:
    if millis is None:
        return "-"
    return f"{i18n.number(millis / 1000, locale, 2)} s"


def _related(page: Page, found: Review) -> None:
    t, zone, locale = page.t, page.zone, page.locale
    if found.detail.rejudge_of:
        ui.label(t("submissions.rejudge_of")).classes("opacity-70")
        ui.link(found.detail.rejudge_of, f"/submissions/{found.detail.rejudge_of}").classes(
            "font-mono"
        ).mark("submission-rejudge-of")
    if found.rejudges:
        ui.label(t("submissions.rejudged_as")).classes("opacity-70")
        with ui.column().classes("gap-0"):
            for other in found.rejudges:
                words = t(f"submissions.status_{other.status.lower()}")
                score = "" if other.score is None else f" · {other.score}"
                when = i18n.moment(other.created_at, zone, locale)
                ui.link(
                    f"{other.id[:8]} · {words}{score} · {when}", f"/submissions/{other.id}"
                ).mark("submission-rejudge")


def _golden(page: Page, golden: GoldenView | None, view: SubmissionDetail) -> None:
    t, locale = page.t, page.locale
    with _card(page, "submissions.golden"):
        if golden is None:
            ui.label(t("submissions.not_judged"))
            return
        ui.label(
            t(
                "submissions.golden_verdict",
                verdict=t(f"submissions.verdict_{golden.verdict}"),
                duration=_duration(golden.duration_ms, locale),
            )
        ).mark("golden-verdict")
        _golden_tests(page, golden)
        if golden.refused:
            ui.label(t("submissions.refused", detail=golden.refused)).classes("text-negative")
        _reruns(page, view)
        _output(page, golden.output, golden.output_truncated, "golden-output")


def _golden_tests(page: Page, golden: GoldenView) -> None:
    t = page.t
    rows = [
        {"name": x.name, "outcome": t(f"submissions.outcome_{x.outcome}"), "message": x.message}
        for x in golden.tests
    ]
    columns = [
        {"name": field, "label": t(f"submissions.{key}"), "field": field, "align": "left"}
        for field, key in (("name", "test"), ("outcome", "outcome"), ("message", "message"))
    ]
    table = ui.table(rows=rows, columns=columns, row_key="name", pagination=None)
    table.classes("w-full").style(LONG_TABLE_STYLE).mark("golden-tests")
    table.props(f'{LONG_TABLE} flat dense wrap-cells no-data-label="{t("submissions.no_tests")}"')


def _reruns(page: Page, view: SubmissionDetail) -> None:
    t = page.t
    for key, verdicts in (
        ("submissions.reruns", view.golden_reruns),
        ("submissions.twins", view.twins),
    ):
        if verdicts:
            words = ", ".join(t(f"submissions.verdict_{v}") for v in verdicts)
            ui.label(t(key, verdicts=words)).classes("opacity-80")


def _output(page: Page, output: str, truncated: bool, marker: str) -> None:
    if not output:
        ui.label(page.t("submissions.no_output")).classes("opacity-60")
        return
    ui.label(output).classes(
        "font-mono text-xs whitespace-pre-wrap break-all bg-slate-100 p-2 rounded w-full"
        " max-h-96 overflow-auto"
    ).mark(marker)
    if truncated:
        ui.label(page.t("submissions.truncated")).classes("opacity-70 text-xs")


def _kill_matrix(page: Page, mutants: list[MutantView], golden: GoldenView | None) -> None:
    """Tests (rows) by mutants (columns): a mark where the test killed the mutant, as the
    stored runs say (killed_by); a survivor's column is marked as such."""
    t = page.t
    with _card(page, "submissions.matrix"):
        tests = [test.name for test in golden.tests] if golden else []
        if not mutants or not tests:
            ui.label(t("submissions.matrix_empty"))
            return
        ui.label(t("submissions.matrix_legend", mark=KILL_MARK)).classes("opacity-70 text-sm")
        table = (
            ui.table(
                rows=matrix_rows(tests, mutants),
                columns=_matrix_columns(page, mutants),
                row_key="test",
                pagination=None,
            )
            .classes("w-full")
            .style(LONG_TABLE_STYLE)
            .props(f"{LONG_TABLE} flat bordered dense separator=cell")
            .mark("kill-matrix")
        )
        table.add_slot("header-cell", _MATRIX_HEADER)


_MATRIX_HEADER = """
<q-th :props="props" :class="props.col.survived ? 'bg-red-1 text-negative' : ''">
  <div class="font-mono">{{ props.col.label }}</div>
  <div class="text-caption">{{ props.col.caption }}</div>
</q-th>
"""


def _matrix_columns(page: Page, mutants: list[MutantView]) -> list[dict[str, Any]]:
    t = page.t
    columns: list[dict[str, Any]] = [
        {
            "name": "test",
            "label": t("submissions.test"),
            "field": "test",
            "align": "left",
            "caption": "",
        }
    ]
    for i, mutant in enumerate(mutants):
        name = mutant.name if isinstance(mutant.name, str) else mutant.label
        columns.append(
            {
                "name": f"m{i}",
                "label": name,
                "field": f"m{i}",
                "align": "center",
                "caption": f"{mutant.label} · {t(f'submissions.verdict_{mutant.verdict}')}",
                "survived": mutant.verdict == "survived",
            }
        )
    return columns


def _outputs(page: Page, found: Review) -> None:
    t = page.t
    with _card(page, "submissions.outputs"):
        if not found.outputs:
            ui.label(t("submissions.no_output"))
        for run in found.outputs:
            title = t(
                "submissions.run_title",
                name=run.name,
                label=run.label,
                verdict=t(f"submissions.verdict_{run.verdict}"),
                duration=_duration(run.duration_ms, page.locale),
            )
            with ui.expansion(title).classes("w-full").mark(f"output-{run.name}"):
                if run.refused:
                    ui.label(t("submissions.refused", detail=run.refused)).classes("text-negative")
                _output(page, run.output, run.output_truncated, f"output-text-{run.name}")


# -- rejudge ----------------------------------------------------------------------------


def _rejudge_control(page: Page, found: Review) -> None:
    """The button and its confirmation; refused, saying why, while this suite is being
    judged (itself or a rejudge of it)."""
    t = page.t
    with ui.dialog() as dialog, ui.card().classes("gap-3"):
        ui.label(t("submissions.rejudge_confirm"))
        with ui.row().classes("justify-end w-full"):
            ui.button(t("common.cancel"), on_click=dialog.close).props("flat")
            ui.button(
                t("submissions.rejudge"), on_click=lambda: _rejudge(page, found.detail.id, dialog)
            ).mark("submission-rejudge-confirm")
    button = ui.button(t("submissions.rejudge"), icon="replay", on_click=dialog.open)
    button.mark("submission-rejudge-button")
    if found.detail.status in UNFINISHED or any(r.status in UNFINISHED for r in found.rejudges):
        button.disable()
        ui.label(t("submissions.rejudge_waiting")).classes("text-sm opacity-70").mark(
            "submission-rejudge-waiting"
        )


async def _rejudge(page: Page, submission_id: str, dialog: ui.dialog) -> None:
    t, console = page.t, page.console
    try:
        new_id = await console.call(
            intake.rejudge,
            console.broker,
            page.user,
            submission_id,
            page.source,
            console.settings.max_pending,
        )
    except (NotFound, Conflict, Overloaded) as exc:
        dialog.close()
        ui.notify(t(_REFUSALS[type(exc)]), type="warning")
        return
    except UNAVAILABLE:
        dialog.close()
        ui.notify(t("error.unavailable"), type="negative")
        return
    dialog.close()
    ui.notify(t("submissions.rejudged"), type="positive")
    ui.navigate.to(f"/submissions/{new_id}")


_REFUSALS: dict[type[Exception], str] = {
    NotFound: "submissions.rejudge_missing",
    Conflict: "submissions.rejudge_waiting",
    Overloaded: "submissions.rejudge_overloaded",
}
