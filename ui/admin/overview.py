"""/: whether the appliance is healthy and what it has been doing, at a glance (admins).

The health report is the API's own (appliance/health/report.py) and the activity beside
it is appliance/health/activity.py; this module only draws them, every state as a colour
and words, and reads them again every few seconds unless the operator pauses it."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from fastapi import Request
from fastapi.responses import RedirectResponse
from nicegui import ui

from appliance import migrate
from appliance.db import Row
from appliance.health import activity as health_activity
from appliance.health.activity import Activity, Overview
from appliance.health.report import HealthReport
from appliance.vocabulary import Locale
from ui import i18n, session
from ui.console import Console
from ui.i18n import Translate, translator
from ui.layout import frame

REFRESH_S = 5.0
# A PENDING submission waiting this long means no worker takes jobs: judging itself
# starts within seconds of a submission when a worker is free.
LONG_WAIT = timedelta(minutes=5)
# An error text longer than this is cut, with the whole of it in a tooltip.
ERROR_CHARS = 200
SHORT_IMAGE_ID = len("sha256:") + 12

Tone = Literal["good", "warning", "danger", "neutral"]
# Quasar colours that keep text readable on their light background (WCAG AA).
_TONE_CLASSES: dict[Tone, str] = {
    "good": "bg-green-100 text-green-900",
    "warning": "bg-amber-100 text-amber-900",
    "danger": "bg-red-100 text-red-900",
    "neutral": "bg-slate-100 text-slate-800",
}
_TONE_ICONS: dict[Tone, str] = {
    "good": "check_circle",
    "warning": "warning",
    "danger": "error",
    "neutral": "info",
}
_STATE_TONES: dict[str, Tone] = {
    "healthy": "good",
    "degraded": "warning",
    "unhealthy": "danger",
    "alive": "good",
    "late": "warning",
    "dead": "danger",
    "ok": "good",
    "failed": "danger",
    "running": "neutral",
    "never": "neutral",
}


def now() -> datetime:
    """The page's clock (tests may move it)."""
    return datetime.now(UTC)


@dataclass(frozen=True)
class Words:
    """How the page speaks: the translator, and moments and ages in the reader's zone."""

    t: Translate
    locale: Locale
    zone: ZoneInfo

    def moment(self, value: datetime | None) -> str:
        return i18n.moment(value, self.zone, self.locale)

    def number(self, value: int | None) -> str:
        return i18n.number(value, self.locale)

    def age(self, delta: timedelta) -> str:
        seconds = max(int(delta.total_seconds()), 0)
        minutes, s = divmod(seconds, 60)
        hours, m = divmod(minutes, 60)
        days, h = divmod(hours, 24)
        if days:
            return self.t("overview.age_dh", d=days, h=h)
        if hours:
            return self.t("overview.age_hm", h=hours, m=m)
        if minutes:
            return self.t("overview.age_ms", m=minutes, s=s)
        return self.t("overview.age_s", s=s)


async def read(console: Console) -> Overview:
    """The health and activity, read off the event loop."""
    return await asyncio.to_thread(
        health_activity.overview, console.pool, console.broker, console.settings, now()
    )


def register(console: Console) -> None:
    @ui.page("/unavailable")
    async def unavailable_page(request: Request, next: str | None = None) -> None:
        """Where session.guard sends any page while PostgreSQL does not answer."""
        _database_down(console, request, session.safe_next(next) or "/")

    @ui.page("/")
    async def overview_page(request: Request) -> RedirectResponse | None:
        page = await session.guard(console, request, session.ADMIN)
        if isinstance(page, RedirectResponse):
            return page
        words = Words(page.t, page.locale, page.zone)
        first = await read(console)
        # keep-all: Korean words wrap whole, never mid-word.
        with frame(page, "nav.overview"), ui.column().classes("w-full gap-4 break-keep"):
            _live_overview(console, words, first)
        return None


def _live_overview(console: Console, words: Words, first: Overview) -> None:
    """The controls (outside the refreshed part, so they keep their focus) and the
    content, read again every REFRESH_S seconds while the live switch is on."""
    t = words.t

    @ui.refreshable
    def content(data: Overview) -> None:
        _content(words, data)

    async def refresh() -> None:
        data = await read(console)
        content.refresh(data)
        refreshed.text = t("overview.refreshed_at", at=words.moment(data.at))

    with ui.row().classes("items-center gap-4 w-full"):
        live = ui.switch(t("overview.live", seconds=int(REFRESH_S)), value=True)
        live.mark("overview-live")
        ui.button(t("common.refresh"), icon="refresh", on_click=refresh).props("outline").mark(
            "overview-refresh"
        )
        ui.space()
        refreshed = ui.label(t("overview.refreshed_at", at=words.moment(first.at)))
        refreshed.mark("overview-refreshed")
    content(first)
    timer = ui.timer(REFRESH_S, refresh, immediate=False)
    live.bind_value_to(timer, "active")


def _content(words: Words, data: Overview) -> None:
    t = words.t
    _overall(words, data.health)
    with ui.grid().classes("w-full gap-4 grid-cols-1 lg:grid-cols-3"):
        with _section(t("overview.components"), "overview-components", "lg:col-span-2"):
            _components(words, data.health)
        with _section(t("overview.queue"), "overview-queue"):
            if data.activity is None:
                _unknown(t)
            else:
                _queue(words, data.activity.queue, data.at)
    if data.activity is None:
        return
    _activity(words, data.activity, data.at)


def _activity(words: Words, activity: Activity, at: datetime) -> None:
    t = words.t
    with _section(t("overview.workers"), "overview-workers"):
        _workers(words, activity)
    with _section(t("overview.jobs"), "overview-jobs"):
        _jobs(words, activity)
    with _section(t("overview.in_flight"), "overview-in-flight"):
        _in_flight(words, activity.in_flight, at)
    with _section(t("overview.failures"), "overview-failures"):
        _errors(words, activity.errors)
        _failed_collections(words, activity.failed_collections)
        _failed_runs(words, activity.failed_runs)


# -- health --------------------------------------------------------------------------------


def _overall(words: Words, health: HealthReport) -> None:
    with ui.row().classes("items-center gap-3").mark("overview-overall"):
        ui.label(words.t("overview.overall")).classes("text-lg")
        _status(_STATE_TONES[health.status], words.t(f"overview.status_{health.status}"))


def _components(words: Words, health: HealthReport) -> None:
    t = words.t
    with _table([t("overview.col_component"), t("overview.col_status"), t("overview.col_detail")]):
        for name, tone, state, detail in _component_rows(words, health):
            with _row():
                _cell(name)
                with _cell():
                    _status(tone, state)
                _cell(detail)


def _component_rows(words: Words, health: HealthReport) -> list[tuple[str, Tone, str, str]]:
    t = words.t
    return [
        (t("overview.postgresql"), *_service(t, health.database_status)),
        _schema_row(t, health),
        (t("overview.redis"), *_service(t, health.redis_status)),
        _docker_row(t, health),
        _image_row(t, health),
        _workers_row(t, health),
        _scheduler_row(t, health),
        _selftest_row(words, health),
    ]


def _service(t: Translate, status: str) -> tuple[Tone, str, str]:
    if status == "ok":
        return "good", t("overview.up"), ""
    return "danger", t("overview.down"), _short(status)


def _schema_row(t: Translate, health: HealthReport) -> tuple[str, Tone, str, str]:
    name, version, head = t("overview.schema"), health.schema_version, migrate.head_version()
    if version is None:
        return name, "neutral", t("overview.unknown"), ""
    if version == head:
        return name, "good", t("overview.schema_current"), t("overview.version", n=version)
    return (
        name,
        "danger",
        t("overview.schema_behind"),
        t("overview.version_of", n=version, head=head),
    )


def _docker_row(t: Translate, health: HealthReport) -> tuple[str, Tone, str, str]:
    name, detail = t("overview.docker"), t("overview.docker_detail")
    if health.docker_status == "ok":
        return name, "good", t("overview.reachable"), detail
    return name, "danger", t("overview.docker_missing"), detail


def _image_row(t: Translate, health: HealthReport) -> tuple[str, Tone, str, str]:
    name = t("overview.judge_image")
    if health.judge_image is None:
        return name, "danger", t("overview.image_missing"), ""
    # Docker's short form; the workers' table has each one's full id.
    return name, "good", t("overview.image_present"), health.judge_image[:SHORT_IMAGE_ID]


def _workers_row(t: Translate, health: HealthReport) -> tuple[str, Tone, str, str]:
    name = t("overview.workers")
    if health.workers == 0:
        return name, "danger", t("overview.workers_none"), t("overview.workers_none_detail")
    return name, "good", t("overview.workers_live", n=health.workers), ""


def _scheduler_row(t: Translate, health: HealthReport) -> tuple[str, Tone, str, str]:
    name = t("overview.scheduler")
    if health.scheduler == "running":
        return name, "good", t("overview.scheduler_running"), ""
    return name, "warning", t("overview.scheduler_absent"), t("overview.scheduler_absent_detail")


def _selftest_row(words: Words, health: HealthReport) -> tuple[str, Tone, str, str]:
    t, selftest = words.t, health.judge_selftest
    name = t("overview.selftest")
    if selftest is None:
        return name, "neutral", t("overview.selftest_never"), ""
    when = words.moment(selftest.finished_at)
    if selftest.status == "passed":
        return name, "good", t("overview.selftest_passed"), when
    return name, "danger", t("overview.selftest_failed"), f"{when}: {_short(selftest.detail)}"


# -- activity ------------------------------------------------------------------------------


def _queue(words: Words, queue: health_activity.Queue, at: datetime) -> None:
    t = words.t
    waited = None if queue.oldest_pending is None else at - queue.oldest_pending
    with ui.grid(columns=2).classes("gap-x-6 gap-y-2 items-center"):
        ui.label(t("overview.queue_length"))
        if queue.length is None:  # Redis does not answer
            _status("danger", t("overview.unknown"))
        else:
            ui.label(words.number(queue.length)).classes("font-mono").mark("overview-queued")
        ui.label(t("overview.pending"))
        ui.label(words.number(queue.pending)).classes("font-mono").mark("overview-pending")
        ui.label(t("overview.running"))
        ui.label(words.number(queue.running)).classes("font-mono").mark("overview-running")
        ui.label(t("overview.oldest_pending"))
        if waited is None:
            ui.label(t("overview.nothing_waits"))
        else:
            long = waited > LONG_WAIT
            text = t("overview.waiting_long" if long else "overview.waiting", age=words.age(waited))
            _status("warning" if long else "neutral", text, wrap=True)


def _workers(words: Words, activity: Activity) -> None:
    t = words.t
    if not activity.workers:
        _empty(t("overview.no_workers"))
        return
    headers = ["name", "host", "state", "heartbeat", "docker", "image", "started"]
    with _table([t(f"overview.col_{h}") for h in headers]):
        for worker in activity.workers:
            with _row():
                _cell(worker.name)
                _cell(f"{worker.hostname} · {worker.pid}")
                with _cell():
                    _status(_STATE_TONES[worker.state], t(f"overview.worker_{worker.state}"))
                _cell(
                    t(
                        "overview.ago",
                        age=words.age(worker.age),
                        at=words.moment(worker.heartbeat_at),
                    )
                )
                with _cell():
                    _docker_status(t, worker.docker_ok)
                _cell(worker.judge_image_id or "-").classes("font-mono break-all")
                _cell(words.moment(worker.started_at))


def _docker_status(t: Translate, reachable: bool) -> None:
    if reachable:
        _status("good", t("overview.reachable"))
    else:
        _status("danger", t("overview.unreachable"))


def _jobs(words: Words, activity: Activity) -> None:
    t = words.t
    headers = ["job", "state", "last_run", "finished", "rows", "next_run"]
    with _table([t(f"overview.col_{h}") for h in headers]):
        for job in activity.jobs:
            with _row():
                _cell(t(f"overview.job_{job.job}"))
                with _cell():
                    _status(_STATE_TONES[job.state], t(f"overview.job_state_{job.state}"))
                    if job.error:
                        _error_text(job.error)
                _cell(words.moment(job.started_at))
                _cell(words.moment(job.finished_at))
                _cell(words.number(job.rows))
                _cell(words.moment(job.next_at) if job.next_at else t("overview.next_unknown"))


def _in_flight(words: Words, rows: Sequence[Row], at: datetime) -> None:
    t = words.t
    if not rows:
        _empty(t("overview.no_in_flight"))
        return
    headers = ["submission", "problem", "user", "worker", "started", "state"]
    with _table([t(f"overview.col_{h}") for h in headers]):
        for row in rows:
            with _row():
                _submission_link(row["id"])
                _cell(row["problem"])
                _cell(row["user_name"])
                _cell(row["claimed_by"] or "-")
                started = row["started_at"]
                _cell(
                    t("overview.ago", age=words.age(at - started), at=words.moment(started))
                    if started
                    else "-"
                )
                with _cell():
                    _attempt(t, row["attempts"])


def _attempt(t: Translate, attempts: int) -> None:
    """A second attempt means a worker died under this submission once already."""
    if attempts > 1:
        _status("warning", t("overview.retrying", n=attempts))
    else:
        _status("neutral", t("overview.judging"))


def _errors(words: Words, rows: Sequence[Row]) -> None:
    t = words.t
    _subheading(t("overview.errors"))
    if not rows:
        _empty(t("overview.no_errors"))
        return
    headers = ["finished", "submission", "problem", "user", "reason"]
    with _table([t(f"overview.col_{h}") for h in headers]):
        for row in rows:
            with _row():
                _cell(words.moment(row["finished_at"]))
                _submission_link(row["id"])
                _cell(row["problem"])
                _cell(row["user_name"])
                with _cell():
                    _status("danger", t("overview.error"))
                    _error_text(row["error_detail"] or t("overview.no_detail"))


def _failed_collections(words: Words, rows: Sequence[Row]) -> None:
    t = words.t
    _subheading(t("overview.failed_collections"))
    if not rows:
        _empty(t("overview.no_failed_collections"))
        return
    headers = ["failed_at", "metric", "bucket", "attempts", "reason"]
    with _table([t(f"overview.col_{h}") for h in headers]):
        for row in rows:
            with _row():
                _cell(words.moment(row["failed_at"]))
                _cell(row["metric"])
                granularity = t(f"overview.{row['granularity']}")
                _cell(f"{words.moment(row['bucket_start'])} ({granularity})")
                _cell(words.number(row["attempts"]))
                with _cell():
                    _status("danger", t("overview.job_state_failed"))
                    _error_text(row["error"])


def _failed_runs(words: Words, rows: Sequence[Row]) -> None:
    t = words.t
    _subheading(t("overview.failed_runs"))
    if not rows:
        _empty(t("overview.no_failed_runs"))
        return
    headers = ["finished", "job", "reason"]
    with _table([t(f"overview.col_{h}") for h in headers]):
        for row in rows:
            with _row():
                _cell(words.moment(row["finished_at"]))
                _cell(_job_name(t, row["job"]))
                with _cell():
                    _status("danger", t("overview.job_state_failed"))
                    _error_text(row["error"])


def _job_name(t: Translate, job: str) -> str:
    """Its name in words when it is one of ours; a job of another version as stored."""
    return t(f"overview.job_{job}") if job in health_activity.CADENCES else job


# -- the database is down ------------------------------------------------------------------


def _database_down(console: Console, request: Request, target: str) -> None:
    """No session can be checked without PostgreSQL: say so, show what the public health
    report shows (no user's data), and go on to `target` once PostgreSQL answers again."""
    words = Words(
        translator(locale := session.browser_locale(request)), locale, console.settings.timezone
    )
    t = words.t
    ui.page_title(f"{t('nav.overview')} · {t('app.title')}")

    async def check() -> None:
        data = await read(console)
        if data.health.database_status == "ok":
            ui.navigate.to(target)
            return
        components.refresh(data.health)

    @ui.refreshable
    def components(health: HealthReport | None) -> None:
        if health is None:
            ui.label(t("overview.checking"))
        else:
            _overall(words, health)
            _components(words, health)

    with ui.column().classes("w-full max-w-screen-lg mx-auto p-4 gap-4 break-keep"):
        ui.label(t("app.title")).classes("text-2xl font-semibold").props('role="heading"')
        with ui.row().classes("items-center gap-2").props('role="alert"').mark("overview-down"):
            _status("danger", t("error.unavailable"), wrap=True)
        ui.label(t("overview.down_retry", seconds=int(REFRESH_S)))
        components(None)
    ui.timer(REFRESH_S, check)


# -- widgets -------------------------------------------------------------------------------


def _status(tone: Tone, text: str, wrap: bool = False) -> ui.row:
    """A state as colour, icon and words, so colour is never the only signal. Short
    states stay on one line (a table cell would break them); a sentence may `wrap`."""
    with ui.row().classes(
        f"inline-flex w-fit items-center gap-1 rounded px-2 py-0.5 no-wrap {_TONE_CLASSES[tone]}"
    ) as chip:
        ui.icon(_TONE_ICONS[tone]).props('aria-hidden="true"')
        ui.label(text).classes("" if wrap else "whitespace-nowrap")
    return chip


@contextmanager
def _section(title: str, marker: str, classes: str = "") -> Iterator[None]:
    with ui.card().classes(f"w-full gap-2 {classes}").props('role="region"').mark(marker):
        ui.label(title).classes("text-lg font-semibold").props('role="heading" aria-level="2"')
        yield


def _subheading(text: str) -> None:
    ui.label(text).classes("font-medium mt-2").props('role="heading" aria-level="3"')


@contextmanager
def _table(headers: Sequence[str]) -> Iterator[None]:
    """A real HTML table (screen readers name each cell by its column)."""
    with (
        ui.element("div").classes("w-full overflow-x-auto"),
        ui.element("table").classes("w-full text-sm border-collapse"),
    ):
        with ui.element("thead"), ui.element("tr"):
            for header in headers:
                with (
                    ui.element("th")
                    .props('scope="col"')
                    .classes("text-left font-medium px-2 py-1 border-b")
                ):
                    ui.label(header)
        with ui.element("tbody"):
            yield


@contextmanager
def _row() -> Iterator[None]:
    with ui.element("tr").classes("border-b align-top"):
        yield


def _cell(text: str | None = None) -> ui.element:
    cell = ui.element("td").classes("px-2 py-1")
    if text is not None:
        with cell:
            ui.label(text)
    return cell


def _submission_link(submission_id: object) -> None:
    with _cell():
        ui.link(str(submission_id), f"/submissions/{submission_id}").classes("font-mono text-xs")


def _error_text(text: str) -> None:
    label = ui.label(_short(text)).classes("text-xs break-all whitespace-pre-wrap")
    if len(text) > ERROR_CHARS:
        label.tooltip(text)


def _short(text: str | None) -> str:
    text = text or ""
    return text if len(text) <= ERROR_CHARS else text[: ERROR_CHARS - 1] + "…"


def _empty(text: str) -> None:
    ui.label(text).classes("text-slate-600 italic")


def _unknown(t: Translate) -> None:
    _status("danger", t("overview.activity_unknown"), wrap=True)
