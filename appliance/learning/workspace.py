"""A problem as the learner works on it: its page (what the API's problem detail shows
too, with the learner's standing), the editor's draft, and the bookmark."""

from __future__ import annotations

from dataclasses import dataclass

from appliance.db import Connection
from appliance.errors import Invalid, NotFound, PayloadTooLarge
from appliance.learning import queries
from appliance.learning.catalog import storable
from appliance.problems import queries as problem_queries
from appliance.problems.examples import Example, parse_examples, render_examples_md
from appliance.vocabulary import Difficulty, ProblemState


@dataclass(frozen=True)
class ProblemPage:
    """The current version of a published problem as learners see it, and where this
    learner stands on the problem (over every version of it)."""

    slug: str
    title: str
    description_md: str  # the statement, its examples rendered below it
    examples: tuple[Example, ...]
    function_signature: str
    difficulty: Difficulty
    tags: list[str]
    version: int
    mutant_count: int
    golden_code: str | None  # only where the problem shows it
    wall_seconds: float
    bookmarked: bool
    best_score: int | None
    state: ProblemState


def problem_page(conn: Connection, user_id: int, slug: str) -> ProblemPage | None:
    """None when no published problem has this slug."""
    version = problem_queries.current_version(conn, slug) if storable(slug) else None
    if version is None:
        return None
    mine = queries.standing(conn, user_id, version["problem_id"])
    examples = parse_examples(version["examples"])
    return ProblemPage(
        slug=version["slug"],
        title=version["title"],
        description_md=statement(version["description_md"], examples),
        examples=examples,
        function_signature=version["function_signature"],
        difficulty=version["difficulty"],
        tags=list(version["tags"]),
        version=version["number"],
        mutant_count=version["mutant_count"],
        golden_code=version["golden_code"] if version["show_golden"] else None,
        wall_seconds=version["wall_seconds"],
        bookmarked=bool(mine["bookmarked"]),
        best_score=mine["best_score"],
        state=mine["state"],
    )


def statement(description_md: str, examples: tuple[Example, ...]) -> str:
    """The statement with its examples rendered below it (DESIGN.md 5)."""
    if not examples:
        return description_md
    return description_md.rstrip("\n") + "\n\n" + render_examples_md(examples)


def load_draft(conn: Connection, user_id: int, slug: str) -> str | None:
    """The learner's saved editor content ('' when they cleared it); None: never saved."""
    return queries.draft(conn, user_id, slug) if storable(slug) else None


def save_draft(conn: Connection, user_id: int, slug: str, code: str, max_bytes: int) -> None:
    """Keep the editor's content. Refused like a submission of it would be: larger than
    `max_bytes` (PayloadTooLarge), NUL or lone surrogates (Invalid: PostgreSQL cannot
    store them, and Python refuses them in source too)."""
    checked_code(code, max_bytes)
    queries.upsert_draft(conn, user_id, _published_id(conn, slug), code)


def set_bookmark(conn: Connection, user_id: int, slug: str, on: bool) -> None:
    """Bookmark a published problem, or remove the bookmark; either is idempotent."""
    problem_id = _published_id(conn, slug)
    if on:
        queries.insert_bookmark(conn, user_id, problem_id)
    else:
        queries.delete_bookmark(conn, user_id, problem_id)


def checked_code(code: str, max_bytes: int) -> None:
    """Raise unless `code` can be stored and is at most `max_bytes` of UTF-8."""
    if not storable(code):
        raise Invalid("code must not contain NUL bytes or lone surrogates")
    if len(code.encode()) > max_bytes:
        raise PayloadTooLarge(f"code is larger than {max_bytes} bytes")


def _published_id(conn: Connection, slug: str) -> int:
    problem_id = queries.published_problem_id(conn, slug) if storable(slug) else None
    if problem_id is None:
        raise NotFound(f"no published problem {slug!r}")
    return problem_id
