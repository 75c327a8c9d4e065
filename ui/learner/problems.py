"""/learn: the published problems with the learner's own standing on each (best score,
attempts, solved / tried / new, bookmark), filtered and paged in SQL. The filters live in
the address, so a filtered list can be bookmarked, shared and reloaded."""

from __future__ import annotations

from dataclasses import dataclass, replace
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import RedirectResponse
from nicegui import ui

from appliance.db import Connection
from appliance.learning import catalog
from appliance.learning.catalog import ProblemRow
from appliance.vocabulary import DIFFICULTIES, Difficulty, ProblemState
from ui.console import Console
from ui.i18n import number
from ui.layout import frame
from ui.learner import widgets
from ui.session import Page
from ui.tables import Table
from ui.words import difficulty_label

PAGE_SIZE = 25
MAX_PAGE = 100_000
MAX_TEXT = 64
STATES: tuple[ProblemState, ...] = ("solved", "tried", "new")
COLUMNS = (
    "learn.column.title",
    "learn.column.difficulty",
    "learn.column.tags",
    "learn.column.best",
    "learn.column.attempts",
    "learn.column.state",
)


@dataclass(frozen=True)
class Query:
    """The browser's filters as the address holds them, and the page."""

    text: str = ""
    difficulty: Difficulty | None = None
    tag: str | None = None
    state: ProblemState | None = None
    bookmarked: bool = False
    page: int = 1

    @property
    def filters(self) -> catalog.Filters:
        return catalog.Filters(
            difficulty=self.difficulty,
            tag=self.tag,
            state=self.state,
            text=self.text or None,
            bookmarked=self.bookmarked,
        )

    def address(self, **changes: object) -> str:
        """This list's address with `changes` applied (a filter change starts at page 1)."""
        changed = replace(self, **({"page": 1} | changes))  # type: ignore[arg-type]
        params = {
            "q": changed.text,
            "difficulty": changed.difficulty or "",
            "tag": changed.tag or "",
            "state": changed.state or "",
            "bookmarked": "1" if changed.bookmarked else "",
            "page": changed.page if changed.page > 1 else "",
        }
        query = urlencode({key: value for key, value in params.items() if value})
        return f"/learn?{query}" if query else "/learn"


def parse_query(
    text: str | None,
    difficulty: str | None,
    tag: str | None,
    state: str | None,
    bookmarked: str | None,
    page: str | None,
) -> Query:
    """Whatever the address holds: an unknown value is no filter, never an error page."""
    return Query(
        text=(text or "").strip()[:MAX_TEXT],
        difficulty=next((d for d in DIFFICULTIES if d == difficulty), None),
        tag=(tag or "").strip()[:MAX_TEXT] or None,
        state=next((s for s in STATES if s == state), None),
        bookmarked=bookmarked == "1",
        page=min(max(int(page), 1), MAX_PAGE) if page and page.isdigit() else 1,
    )


@dataclass(frozen=True)
class Listing:
    rows: list[ProblemRow]
    total: int
    tags: list[str]
    query: Query


def load(conn: Connection, user_id: int, query: Query) -> Listing:
    """One page of problems, how many match, every tag, and the query shown (a page past
    the end shows the last one)."""
    offset = (query.page - 1) * PAGE_SIZE
    rows, total = catalog.browse(conn, user_id, query.filters, PAGE_SIZE, offset)
    last = max(1, -(-total // PAGE_SIZE))
    if query.page > last:
        query = replace(query, page=last)
        rows, total = catalog.browse(
            conn, user_id, query.filters, PAGE_SIZE, (last - 1) * PAGE_SIZE
        )
    return Listing(rows, total, catalog.tags(conn), query)


def register(console: Console) -> None:
    @ui.page("/learn")
    async def browser_page(
        request: Request,
        q: str | None = None,
        difficulty: str | None = None,
        tag: str | None = None,
        state: str | None = None,
        bookmarked: str | None = None,
        page: str | None = None,
    ) -> RedirectResponse | None:
        current = await widgets.enter(console, request)
        if isinstance(current, RedirectResponse):
            return current
        query = parse_query(q, difficulty, tag, state, bookmarked, page)
        listing = await console.call(load, current.user.id, query)
        with frame(current, "learn.browser.title"):
            _toolbar(current, listing)
            _table(current, listing.rows)
            widgets.pager(
                current,
                "learn.browser.count",
                "learn-count",
                (listing.query.page, PAGE_SIZE, listing.total),
                lambda number_: listing.query.address(page=number_),
            )
        return None


def _toolbar(page: Page, listing: Listing) -> None:
    t, query = page.t, listing.query
    any_value = {"": t("learn.filter.any")}
    with ui.row().classes("w-full items-end gap-3"):
        text = ui.input(t("learn.filter.text"), value=query.text).props(
            f'clearable type=search aria-label="{t("learn.filter.text")}"'
        )
        text.classes("w-64").mark("learn-filter-text")
        text.on("keydown.enter", lambda: ui.navigate.to(query.address(text=text.value or "")))
        difficulty = ui.select(
            any_value | {d: difficulty_label(page, d) for d in DIFFICULTIES},
            value=query.difficulty or "",
            label=t("learn.filter.difficulty"),
        ).classes("w-40")
        difficulty.mark("learn-filter-difficulty")
        difficulty.on_value_change(
            lambda e: ui.navigate.to(query.address(difficulty=e.value or None))
        )
        tag = ui.select(
            any_value | {name: name for name in listing.tags},
            value=query.tag if query.tag in listing.tags else "",
            label=t("learn.filter.tag"),
        ).classes("w-40")
        tag.mark("learn-filter-tag")
        tag.on_value_change(lambda e: ui.navigate.to(query.address(tag=e.value or None)))
        state = ui.select(
            any_value | {s: t(widgets.STATE_KEYS[s]) for s in STATES},
            value=query.state or "",
            label=t("learn.filter.state"),
        ).classes("w-36")
        state.mark("learn-filter-state")
        state.on_value_change(lambda e: ui.navigate.to(query.address(state=e.value or None)))
        bookmarked = ui.checkbox(t("learn.filter.bookmarked"), value=query.bookmarked)
        bookmarked.mark("learn-filter-bookmarked")
        bookmarked.on_value_change(lambda e: ui.navigate.to(query.address(bookmarked=e.value)))
        ui.button(
            t("learn.filter.search"),
            icon="search",
            on_click=lambda: ui.navigate.to(query.address(text=text.value or "")),
        ).mark("learn-search")


def _table(page: Page, rows: list[ProblemRow]) -> None:
    t = page.t
    if not rows:
        ui.label(t("learn.browser.empty")).classes("text-gray-600").mark("learn-empty")
        return
    # The table scrolls inside its box on a narrow screen; the page itself never does.
    with ui.element("div").classes("w-full overflow-x-auto"):
        table = Table([t(key) for key in COLUMNS], "learn-problems")
        for row in rows:
            with table.row(f"learn-problem-{row.slug}"):
                _title_cell(page, table, row)
                table.text(difficulty_label(page, row.difficulty))
                with table.cell(), ui.row().classes("gap-1"):
                    for name in row.tags:
                        ui.badge(name, color="grey-3", text_color="grey-9")
                table.text(widgets.score_text(page, row.best_score), "font-semibold")
                table.text(number(row.attempts, page.locale))
                with table.cell():
                    widgets.state_badge(page, row.state)


def _title_cell(page: Page, table: Table, row: ProblemRow) -> None:
    with table.cell(), ui.row().classes("items-center gap-1 no-wrap"):
        ui.link(row.title, f"/learn/{row.slug}").classes("font-medium")
        ui.label(row.slug).classes("font-mono text-xs text-gray-600")
        if row.bookmarked:
            ui.icon("bookmark", color="amber-8").props(
                f'role="img" aria-label="{page.t("learn.bookmarked")}"'
            )
