"""What the problem pages share: the words for statuses and difficulties, and a plain HTML
table (real <table> rows and headers, which screen readers announce as a table)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from nicegui import ui

from appliance.vocabulary import Difficulty, VersionStatus
from ui.session import Page

STATUS_KEYS: dict[VersionStatus, str] = {
    "validating": "problems.status.validating",
    "valid": "problems.status.valid",
    "invalid": "problems.status.invalid",
    "published": "problems.status.published",
    "retired": "problems.status.retired",
}
STATUS_COLORS: dict[VersionStatus, str] = {
    "validating": "amber-8",
    "valid": "teal",
    "invalid": "negative",
    "published": "positive",
    "retired": "grey-7",
}
DIFFICULTY_KEYS: dict[Difficulty, str] = {
    "Very Easy": "problems.difficulty.very_easy",
    "Easy": "problems.difficulty.easy",
    "Medium": "problems.difficulty.medium",
    "Hard": "problems.difficulty.hard",
}


def difficulty_label(page: Page, difficulty: Difficulty) -> str:
    return page.t(DIFFICULTY_KEYS[difficulty])


def status_badge(page: Page, status: VersionStatus, prefix: str = "") -> ui.badge:
    return ui.badge(prefix + page.t(STATUS_KEYS[status]), color=STATUS_COLORS[status])


class Table:
    """A bordered HTML table with a header row; cells hold any elements."""

    def __init__(self, headings: Sequence[str], marker: str) -> None:
        self.element = ui.element("table").classes("w-full text-left border-collapse text-sm")
        self.element.mark(marker)
        with self.element, ui.element("thead"), ui.element("tr"):
            for heading in headings:
                with ui.element("th").classes("border-b-2 px-2 py-1").props('scope="col"'):
                    ui.label(heading)
        with self.element:
            self.body = ui.element("tbody")

    @contextmanager
    def row(self, marker: str = "") -> Iterator[None]:
        with self.body, ui.element("tr").classes("border-b align-top") as row:
            if marker:
                row.mark(marker)
            yield

    @contextmanager
    def cell(self) -> Iterator[None]:
        with ui.element("td").classes("px-2 py-1"):
            yield

    def text(self, value: str, classes: str = "") -> None:
        with self.cell():
            ui.label(value).classes(classes)
