"""A problem's leaderboard: every user's best score on it (learners, authors and admins
alike), named only for those who opted in, and the viewer's own place."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from appliance.db import Connection, Row
from appliance.errors import NotFound
from appliance.learning import queries
from appliance.learning.catalog import storable

MAX_LIMIT = 500


@dataclass(frozen=True)
class Standing:
    rank: int  # 1 is the best; equal score and time still get distinct ranks
    name: str | None  # None: anonymous (not opted in, and not the viewer)
    is_viewer: bool
    best_score: int
    reached_at: datetime  # when the first submission with the best score was made
    attempts: int


def leaderboard(conn: Connection, viewer_id: int, slug: str, limit: int = 20) -> list[Standing]:
    """The top `limit` users by best SUCCESS score, earliest to reach it first, and the
    viewer's row after them when it is further down. Empty for an unknown slug."""
    if not storable(slug):
        return []
    rows = queries.standings(conn, viewer_id, slug, min(max(limit, 0), MAX_LIMIT))
    return [_standing(row, viewer_id) for row in rows]


def set_leaderboard_name(conn: Connection, user_id: int, shown: bool) -> None:
    """Whether other users see this user's name on leaderboards."""
    if queries.set_leaderboard_name(conn, user_id, shown) is None:
        raise NotFound(f"no user {user_id}")


def shows_leaderboard_name(conn: Connection, user_id: int) -> bool:
    return bool(queries.leaderboard_name(conn, user_id))


def _standing(row: Row, viewer_id: int) -> Standing:
    is_viewer = row["user_id"] == viewer_id
    return Standing(
        rank=int(row["rank"]),
        name=row["name"] if is_viewer or row["leaderboard_name"] else None,
        is_viewer=is_viewer,
        best_score=row["best_score"],
        reached_at=row["reached_at"],
        attempts=int(row["attempts"]),
    )
