"""Plain HTML tables (real <table> rows and headers, which screen readers announce as a
table), the kill matrix's rows, and the paging of rows fetched a page at a time: what the
list pages share."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator, Sequence
from contextlib import contextmanager
from math import ceil
from typing import Any, Generic, TypeVar

from nicegui import ui

from appliance.submissions.detail import MutantView
from ui.i18n import Translate

Row = TypeVar("Row")
# (limit, offset) -> (the rows of that page, how many rows match in all)
Fetch = Callable[[int, int], Awaitable[tuple[list[Row], int]]]
KILL_MARK = "✓"


def cell(text: str, marker: str | None = None) -> ui.element:
    with ui.element("td").classes("px-3 py-2") as td:
        label = ui.label(text)
        if marker:
            label.mark(marker)
    return td


def table_head(t: Translate, keys: tuple[str, ...]) -> None:
    with ui.element("thead"), ui.element("tr").classes("text-left border-b"):
        for key in keys:
            with ui.element("th").classes("px-3 py-2 font-semibold"):
                ui.label(t(key))


class Paging(Generic[Row]):
    """The chosen page of a list and its rows. Fetches run in threads and may finish out
    of order; only the latest one is kept."""

    def __init__(self, size: int, fetch: Fetch[Row]) -> None:
        self.size = size
        self.fetch = fetch
        self.number = 1
        self.rows: list[Row] = []
        self.total = 0
        self._loads = 0

    async def load(self) -> bool:
        """Fetches the chosen page; False when a later load overtook this one."""
        self._loads += 1
        mine = self._loads
        found = await self.fetch(self.size, (self.number - 1) * self.size)
        if mine != self._loads:
            return False
        self.rows, self.total = found
        if self.number > self.pages():
            self.number = 1  # fewer match than when the page was chosen: the first page
        return True

    def pages(self) -> int:
        return max(1, ceil(self.total / self.size))

    def pager(self, label: str, marker: str, turned: Callable[[], Awaitable[None]]) -> None:
        """The page links (none for a single page); `turned` runs after a page is chosen."""
        if self.pages() <= 1:
            return

        async def turn(event: Any) -> None:
            self.number = int(event.value)
            await turned()

        links = ui.pagination(1, self.pages(), direction_links=True, value=self.number)
        links.props(f'aria-label="{label}"').mark(marker)
        links.on_value_change(turn)


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


def matrix_rows(tests: list[str], mutants: list[MutantView]) -> list[dict[str, str]]:
    """One row per test golden's run collected; column `m<i>` holds the mark when test
    killed mutant i."""
    killers = [set(mutant.killed_by) for mutant in mutants]
    return [
        {"test": test, **{f"m{i}": KILL_MARK if test in k else "" for i, k in enumerate(killers)}}
        for test in tests
    ]
