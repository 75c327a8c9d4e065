"""The problem browser: published problems as one learner sees them, filtered in SQL."""

from __future__ import annotations

from dataclasses import dataclass

from appliance.db import Connection, Row
from appliance.learning import queries
from appliance.problems.queries import like_pattern
from appliance.vocabulary import Difficulty, ProblemState

MAX_PAGE = 500
MAX_OFFSET = 1_000_000_000  # far past any catalog; PostgreSQL's OFFSET is a bigint


@dataclass(frozen=True)
class Filters:
    difficulty: Difficulty | None = None
    tag: str | None = None
    state: ProblemState | None = None
    text: str | None = None  # anywhere in the title, slug or a tag, case-insensitive
    bookmarked: bool = False


@dataclass(frozen=True)
class ProblemRow:
    slug: str
    title: str
    difficulty: Difficulty
    tags: list[str]
    mutant_count: int
    best_score: int | None  # of the user's SUCCESS suites, on any version
    attempts: int
    state: ProblemState
    bookmarked: bool


def browse(
    conn: Connection, user_id: int, filters: Filters, limit: int, offset: int
) -> tuple[list[ProblemRow], int]:
    """A page of the published problems matching `filters`, easiest first then by title,
    and how many match in all. `limit` is capped at MAX_PAGE."""
    if not all(storable(text) for text in (filters.tag, filters.text)):
        return [], 0  # PostgreSQL cannot hold such text, so no problem has it
    params = {
        "user": user_id,
        "difficulty": filters.difficulty,
        "tag": filters.tag,
        "pattern": like_pattern(filters.text),
        "state": filters.state,
        "bookmarked": filters.bookmarked,
    }
    rows = queries.page_browse(conn, params, *page_bounds(limit, offset))
    return [_problem_row(row) for row in rows], queries.count_browse(conn, params)


def page_bounds(limit: int, offset: int) -> tuple[int, int]:
    """`limit` and `offset` within what a page and PostgreSQL take."""
    return min(max(limit, 0), MAX_PAGE), min(max(offset, 0), MAX_OFFSET)


def tags(conn: Connection) -> list[str]:
    """Every tag of a published problem, sorted."""
    return queries.published_tags(conn)


def storable(text: str | None) -> bool:
    """Whether PostgreSQL can hold `text`: no NUL, no lone surrogate."""
    if text is None:
        return True
    try:
        text.encode()
    except UnicodeEncodeError:
        return False
    return "\x00" not in text


def _problem_row(row: Row) -> ProblemRow:
    return ProblemRow(
        slug=row["slug"],
        title=row["title"],
        difficulty=row["difficulty"],
        tags=list(row["tags"]),
        mutant_count=int(row["mutant_count"]),
        best_score=row["best_score"],
        attempts=int(row["attempts"]),
        state=row["state"],
        bookmarked=bool(row["bookmarked"]),
    )
