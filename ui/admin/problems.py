"""/problems: every problem (published or not) with its latest version, filtered and paged
in SQL; the filters live in the address, so a filtered page can be bookmarked and shared.
The detail page is problem_detail.py, authoring problem_form.py."""

from __future__ import annotations

from dataclasses import dataclass, replace
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import RedirectResponse
from nicegui import ui

from appliance.db import Connection, Row
from appliance.problems import queries
from appliance.vocabulary import DIFFICULTIES, Difficulty, VersionStatus
from ui import session
from ui.admin import problem_detail, problem_form
from ui.admin.problem_widgets import STATUS_COLORS, STATUS_KEYS
from ui.console import Console
from ui.i18n import number
from ui.layout import frame
from ui.session import Page
from ui.tables import Table
from ui.words import difficulty_label

PAGE_SIZE = 20
MAX_PAGE = 100_000
MAX_TEXT = 64
COLUMNS = (
    "problems.column.slug",
    "problems.column.title",
    "problems.column.difficulty",
    "problems.column.tags",
    "problems.column.status",
    "problems.column.mutants",
    "problems.column.published",
)


@dataclass(frozen=True)
class Filters:
    text: str = ""
    difficulty: Difficulty | None = None
    status: VersionStatus | None = None
    page: int = 1

    @property
    def offset(self) -> int:
        return (self.page - 1) * PAGE_SIZE

    def address(self, **changes: object) -> str:
        """This list's address with `changes` applied (any filter change starts at page 1)."""
        changed = replace(self, **({"page": 1} | changes))  # type: ignore[arg-type]
        params = {
            "q": changed.text,
            "difficulty": changed.difficulty or "",
            "status": changed.status or "",
            "page": changed.page if changed.page > 1 else "",
        }
        query = urlencode({key: value for key, value in params.items() if value})
        return f"/problems?{query}" if query else "/problems"


def parse_filters(
    text: str | None, difficulty: str | None, status: str | None, page: str | None
) -> Filters:
    """Whatever the address holds: an unknown value is no filter, never an error page."""
    statuses = tuple(STATUS_KEYS)
    return Filters(
        text=(text or "").strip()[:MAX_TEXT],
        difficulty=next((d for d in DIFFICULTIES if d == difficulty), None),
        status=next((s for s in statuses if s == status), None),
        page=min(max(int(page), 1), MAX_PAGE) if page and page.isdigit() else 1,
    )


def load(conn: Connection, filters: Filters) -> tuple[list[Row], int, Filters]:
    """The page of problems, how many match, and the filters actually shown (a page past
    the end shows the last one)."""
    total = queries.count_problems(conn, filters.text, filters.difficulty, filters.status)
    last = max(1, -(-total // PAGE_SIZE))
    if filters.page > last:
        filters = replace(filters, page=last)
    rows = queries.list_problems(
        conn, filters.text, filters.difficulty, filters.status, PAGE_SIZE, filters.offset
    )
    return rows, total, filters


def register(console: Console) -> None:
    # Before /problems/{slug}: /problems/new is the form, not a problem named "new".
    problem_form.register(console)

    @ui.page("/problems")
    async def problems_page(
        request: Request,
        q: str | None = None,
        difficulty: str | None = None,
        status: str | None = None,
        page: str | None = None,
    ) -> RedirectResponse | None:
        current = await session.guard(console, request, session.AUTHORS)
        if isinstance(current, RedirectResponse):
            return current
        filters = parse_filters(q, difficulty, status, page)
        rows, total, filters = await console.call(load, filters)
        with frame(current, "nav.problems"):
            _toolbar(current, filters)
            _table(current, rows)
            _pager(current, filters, total)
        return None

    problem_detail.register(console)


def _toolbar(page: Page, filters: Filters) -> None:
    t = page.t
    with ui.row().classes("w-full items-end gap-3"):
        text = ui.input(t("problems.filter.text"), value=filters.text).props("clearable")
        text.classes("w-72").mark("problems-filter-text")
        text.on("keydown.enter", lambda: ui.navigate.to(filters.address(text=text.value or "")))
        difficulty = ui.select(
            {"": t("problems.filter.any")} | {d: difficulty_label(page, d) for d in DIFFICULTIES},
            value=filters.difficulty or "",
            label=t("problems.filter.difficulty"),
        ).classes("w-40")
        difficulty.mark("problems-filter-difficulty")
        status = ui.select(
            {"": t("problems.filter.any")} | {s: t(key) for s, key in STATUS_KEYS.items()},
            value=filters.status or "",
            label=t("problems.filter.status"),
        ).classes("w-40")
        status.mark("problems-filter-status")
        difficulty.on_value_change(
            lambda e: ui.navigate.to(filters.address(difficulty=e.value or None))
        )
        status.on_value_change(lambda e: ui.navigate.to(filters.address(status=e.value or None)))
        ui.button(
            t("problems.filter.search"),
            icon="search",
            on_click=lambda: ui.navigate.to(filters.address(text=text.value or "")),
        ).mark("problems-search")
        ui.space()
        ui.button(
            t("problems.new"), icon="add", on_click=lambda: ui.navigate.to("/problems/new")
        ).mark("problems-new")


def _table(page: Page, rows: list[Row]) -> None:
    t = page.t
    if not rows:
        ui.label(t("problems.empty")).classes("text-gray-600").mark("problems-empty")
        return
    table = Table([t(key) for key in COLUMNS], "problems-table")
    for row in rows:
        with table.row(f"problem-{row['slug']}"):
            with table.cell():
                ui.link(row["slug"], f"/problems/{row['slug']}").classes("font-mono")
            table.text(row["title"])
            table.text(difficulty_label(page, row["difficulty"]))
            with table.cell(), ui.row().classes("gap-1"):
                for tag in row["tags"]:
                    ui.badge(tag, color="grey-3", text_color="grey-9")
            with table.cell():
                status = row["status"]
                label = f"v{row['latest']} · {t(STATUS_KEYS[status])}"
                ui.badge(label, color=STATUS_COLORS[status])
            table.text(number(row["mutant_count"], page.locale))
            published = row["published"]
            table.text(f"v{published}" if published else t("problems.not_published"))


def _pager(page: Page, filters: Filters, total: int) -> None:
    t = page.t
    last = max(1, -(-total // PAGE_SIZE))
    with ui.row().classes("items-center gap-3"):
        ui.label(
            t("problems.count", total=number(total, page.locale), page=filters.page, pages=last)
        ).mark("problems-count")
        previous = ui.button(
            t("problems.previous"),
            on_click=lambda: ui.navigate.to(filters.address(page=filters.page - 1)),
        ).props("flat")
        previous.set_enabled(filters.page > 1)
        following = ui.button(
            t("problems.next"),
            on_click=lambda: ui.navigate.to(filters.address(page=filters.page + 1)),
        ).props("flat")
        following.set_enabled(filters.page < last)
        following.mark("problems-next")
