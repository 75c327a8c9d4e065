"""A learner's progress over the published problems, by difficulty and by tag."""

from __future__ import annotations

from dataclasses import dataclass

from appliance.db import Connection, Row
from appliance.learning import queries


@dataclass(frozen=True)
class ProgressRow:
    """One difficulty or tag: its published problems, how many the learner tried without
    solving yet and how many they solved (ProblemState; the rest are new), and the mean of
    their best scores over the problems where they have one (None: none yet)."""

    group: str
    problems: int
    tried: int
    solved: int
    mean_best: float | None


def progress(conn: Connection, user_id: int) -> tuple[list[ProgressRow], list[ProgressRow]]:
    """(by difficulty, easiest first; by tag, sorted), each group having a problem. A
    problem counts under every tag it has."""
    by_difficulty = queries.progress_by_difficulty(conn, user_id)
    by_tag = queries.progress_by_tag(conn, user_id)
    return [_row(row) for row in by_difficulty], [_row(row) for row in by_tag]


def _row(row: Row) -> ProgressRow:
    return ProgressRow(
        group=row["name"],
        problems=int(row["problems"]),
        tried=int(row["tried"]),
        solved=int(row["solved"]),
        mean_best=row["mean_best"],
    )
