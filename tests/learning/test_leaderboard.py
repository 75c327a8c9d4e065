"""A problem's leaderboard: best score, then earliest to reach it; names only for users who
opted in (and the viewer's own); the viewer's row even outside the top."""

from __future__ import annotations

from datetime import timedelta

import pytest

from appliance import db
from appliance.errors import NotFound
from appliance.learning.leaderboard import (
    Standing,
    leaderboard,
    set_leaderboard_name,
    shows_leaderboard_name,
)
from tests.conftest import FAST_PROBLEM, PROBLEM
from tests.learning.helpers import EPOCH, judged, new_version, user, version_id


def _ranks(standings: list[Standing]) -> list[tuple[int, str | None, int]]:
    return [(s.rank, s.name, s.best_score) for s in standings]


def test_best_score_first_then_earliest_to_reach_it(conn: db.Connection) -> None:
    ada, bob, cy = user(conn, "ada"), user(conn, "bob"), user(conn, "cy")
    for who in (ada, bob, cy):
        set_leaderboard_name(conn, who.id, True)
    judged(conn, bob, version_id(conn), score=86, minute=1)
    judged(conn, bob, version_id(conn), score=100, minute=9)
    judged(conn, ada, version_id(conn), score=100, minute=5)
    judged(conn, ada, version_id(conn), score=100, minute=7)
    judged(conn, cy, version_id(conn), score=72, minute=0)
    board = leaderboard(conn, ada.id, PROBLEM)
    assert _ranks(board) == [(1, "ada", 100), (2, "bob", 100), (3, "cy", 72)]
    assert board[0].reached_at == EPOCH + timedelta(minutes=5) and board[0].attempts == 2
    assert board[0].is_viewer and not board[1].is_viewer


def test_names_are_hidden_unless_opted_in_but_the_viewer_sees_their_own(
    conn: db.Connection,
) -> None:
    ada, bob, cy = user(conn, "ada"), user(conn, "bob"), user(conn, "cy")
    set_leaderboard_name(conn, cy.id, True)
    judged(conn, ada, version_id(conn), score=58, minute=1)
    judged(conn, bob, version_id(conn), score=86, minute=2)
    judged(conn, cy, version_id(conn), score=72, minute=3)
    assert _ranks(leaderboard(conn, ada.id, PROBLEM)) == [
        (1, None, 86),
        (2, "cy", 72),
        (3, "ada", 58),
    ]
    assert shows_leaderboard_name(conn, cy.id) and not shows_leaderboard_name(conn, ada.id)


def test_equal_score_and_time_still_get_distinct_ranks(conn: db.Connection) -> None:
    ada, bob = user(conn, "ada"), user(conn, "bob")
    judged(conn, ada, version_id(conn), score=72, minute=1)
    judged(conn, bob, version_id(conn), score=72, minute=1)
    assert [s.rank for s in leaderboard(conn, ada.id, PROBLEM)] == [1, 2]


def test_the_viewer_is_appended_after_the_top(conn: db.Connection) -> None:
    viewer = user(conn, "viewer")
    others = [user(conn, f"user{n}") for n in range(5)]
    for n, who in enumerate(others):
        judged(conn, who, version_id(conn), score=90 - n, minute=n)
    judged(conn, viewer, version_id(conn), score=31, minute=10)
    board = leaderboard(conn, viewer.id, PROBLEM, limit=3)
    assert [s.rank for s in board] == [1, 2, 3, 6]
    assert board[-1].is_viewer and board[-1].name == "viewer" and board[-1].best_score == 31
    assert len(leaderboard(conn, others[0].id, PROBLEM, limit=3)) == 3


def test_only_judged_suites_count_and_every_role_and_version_does(conn: db.Connection) -> None:
    ada, root, grace = user(conn, "ada"), user(conn, "root", "admin"), user(conn, "grace", "author")
    judged(conn, ada, version_id(conn), "FAILURE", minute=1)
    judged(conn, ada, version_id(conn), "PENDING", score=None, minute=2)
    judged(conn, root, version_id(conn), score=44, minute=3)
    new_version(conn)
    judged(conn, grace, version_id(conn), score=65, minute=4)
    judged(conn, ada, version_id(conn, FAST_PROBLEM), score=100, minute=5)
    board = leaderboard(conn, ada.id, PROBLEM)
    assert [(s.best_score, s.is_viewer) for s in board] == [(65, False), (44, False)]


def test_a_rejudge_counts_its_score_but_is_no_attempt(conn: db.Connection) -> None:
    ada = user(conn, "ada")
    first = judged(conn, ada, version_id(conn), "ERROR", score=None, minute=1)
    judged(conn, ada, version_id(conn), score=86, minute=30, rejudge_of=first)
    [standing] = leaderboard(conn, ada.id, PROBLEM)
    assert (standing.best_score, standing.attempts) == (86, 1)
    assert standing.reached_at > EPOCH


def test_an_unknown_or_unscored_problem_has_an_empty_board(conn: db.Connection) -> None:
    ada = user(conn, "ada")
    for slug in (PROBLEM, "no-such-problem", "mini-clamp\x00"):
        assert leaderboard(conn, ada.id, slug) == []


def test_the_name_choice_is_kept_and_needs_a_user(conn: db.Connection) -> None:
    ada = user(conn, "ada")
    set_leaderboard_name(conn, ada.id, True)
    set_leaderboard_name(conn, ada.id, False)
    assert not shows_leaderboard_name(conn, ada.id)
    with pytest.raises(NotFound):
        set_leaderboard_name(conn, 10**9, True)
