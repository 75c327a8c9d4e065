"""What the learner's pages share: the guard of the area, the words and colours of a
learner's state on a problem and of a submission's status, scores, and a diff shown as
plain text (learner-written: never Markdown or HTML)."""

from __future__ import annotations

from collections.abc import Callable

from fastapi import Request
from fastapi.responses import RedirectResponse
from nicegui import ui

from appliance.vocabulary import ProblemState, Status
from ui import i18n, session
from ui.console import Console
from ui.session import Page
from ui.words import STATUS_COLOURS

STATE_KEYS: dict[ProblemState, str] = {
    "solved": "learn.state.solved",
    "tried": "learn.state.tried",
    "new": "learn.state.new",
}
STATE_COLORS: dict[ProblemState, str] = {"solved": "positive", "tried": "amber-8", "new": "grey-6"}
STATUS_KEYS: dict[Status, str] = {
    "PENDING": "learn.status.pending",
    "RUNNING": "learn.status.running",
    "SUCCESS": "learn.status.success",
    "FAILURE": "learn.status.failure",
    "ERROR": "learn.status.error",
}
# A diff past this many lines is cut: the page stays light, the result page has the code.
MAX_DIFF_LINES = 400
DIFF_CLASSES = {
    "+": "text-green-900 bg-green-50",
    "-": "text-red-900 bg-red-50",
    "@": "text-blue-900",
}


async def enter(console: Console, request: Request) -> Page | RedirectResponse:
    """Every role may use the learner's area; nobody logged in is sent to the login."""
    return await session.guard(console, request, session.EVERYONE)


def state_badge(page: Page, state: ProblemState) -> ui.badge:
    badge = ui.badge(page.t(STATE_KEYS[state]), color=STATE_COLORS[state])
    return badge.props(f'data-state="{state}"')


def status_badge(page: Page, status: Status) -> ui.badge:
    return ui.badge(page.t(STATUS_KEYS[status]), color=STATUS_COLOURS[status])


def score_text(page: Page, score: int | None) -> str:
    return page.t("learn.score.none") if score is None else page.t("learn.score.value", score=score)


def code_block(text: str, marker: str = "") -> ui.element:
    """Learner-written code as plain text in a monospace block."""
    block = ui.element("pre").classes(
        "w-full overflow-x-auto text-sm font-mono bg-gray-50 border border-gray-300 rounded p-2 m-0"
    )
    with block:
        ui.label(text).classes("whitespace-pre")
    if marker:
        block.mark(marker)
    return block


def diff_block(diff: str, page: Page, marker: str = "") -> ui.element:
    """A unified diff, one label per line, added lines green and removed ones red (text
    only: a learner's code may hold anything)."""
    lines = diff.splitlines()
    block = ui.element("pre").classes(
        "w-full overflow-x-auto text-sm font-mono border border-gray-300 rounded p-2 m-0"
    )
    block.props(f'aria-label="{page.t("learn.attempts.diff")}"')
    with block:
        for line in lines[:MAX_DIFF_LINES]:
            kind = line[:1] if not line.startswith(("+++", "---")) else ""
            ui.label(line or " ").classes(f"whitespace-pre {DIFF_CLASSES.get(kind, '')}")
        if len(lines) > MAX_DIFF_LINES:
            ui.label(page.t("learn.attempts.diff_cut", lines=len(lines) - MAX_DIFF_LINES))
    if marker:
        block.mark(marker)
    return block


def pager(
    page: Page,
    count_key: str,
    marker: str,
    at: tuple[int, int, int],
    address: Callable[[int], str],
) -> None:
    """The count of rows, which page this is, and links to the pages beside it, for a
    list whose page is in its address. `at` is (page, page size, total rows)."""
    number_, size, total = at
    last = max(1, -(-total // size))
    with ui.row().classes("items-center gap-3"):
        count = page.t(count_key, total=i18n.number(total, page.locale), page=number_, pages=last)
        ui.label(count).mark(marker)
        previous = ui.button(
            page.t("learn.previous"), on_click=lambda: ui.navigate.to(address(number_ - 1))
        ).props("flat")
        previous.set_enabled(number_ > 1)
        following = ui.button(
            page.t("learn.next"), on_click=lambda: ui.navigate.to(address(number_ + 1))
        ).props("flat")
        following.set_enabled(number_ < last)
