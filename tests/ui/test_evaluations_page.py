"""/evaluations: the runs newest first, a page at a time, each with its status, subjects,
problem set and short hash, progress with failures and the time left, who started it and
when; a link to the planner; admins only."""

from __future__ import annotations

from typing import Any

import pytest
import redis
from nicegui.testing.user import User as SimulatedUser

from appliance import db
from appliance.audit.trail import Actor
from appliance.evaluations import runs
from appliance.evaluations.runs import Plan, Progress
from appliance.models import problem_sets
from appliance.models.problem_sets import SetFilter
from appliance.settings import Settings
from tests.conftest import FAST_PROBLEM, PROBLEM
from tests.evaluations.conftest import admin  # noqa: F401  (a fixture)
from tests.ui.conftest import text_of
from ui.admin import evaluations
from ui.i18n import translator

TWO = "two-clamps"


# Bootstrapping and each query run in threads: on a busy machine an answer takes seconds.
WAIT = 300  # tries, 0.1 s apart


async def see(user: SimulatedUser, target: str | None = None, **where: Any) -> None:
    await user.should_see(target, retries=WAIT, **where)


@pytest.fixture
def two_problems(conn: db.Connection) -> str:
    problem_sets.create(conn, TWO, SetFilter(slugs=[PROBLEM, FAST_PROBLEM]))
    return TWO


def start(
    conn: db.Connection, broker: redis.Redis, settings: Settings, by: Actor, plan: Plan
) -> int:
    """A run whose samples wait on the queue: no worker takes them here."""
    return runs.create(conn, broker, settings, by, plan)


def test_the_time_left_is_said_in_words_a_person_plans_by() -> None:
    t = translator("en")
    assert evaluations.time_left(t, None, "en") == "time left not known yet"
    assert evaluations.time_left(t, 0.2, "en") == "about 1 s left"
    assert evaluations.time_left(t, 150, "en") == "about 3 min left"
    assert evaluations.time_left(t, 2 * 3600 + 5 * 60, "en") == "about 2 h 5 min left"
    waiting = Progress(4, 1, 1, 1, 0, 1, 0, 2, 90.0)
    assert evaluations.progress_words(t, waiting, "en") == (
        "2 / 4 samples · 0 failed, 1 errors · about 2 min left"
    )
    ended = Progress(2, 0, 0, 2, 0, 0, 0, 2, None)
    assert evaluations.progress_words(t, ended, "en") == "2 / 2 samples"


async def test_runs_are_listed_newest_first_with_what_they_measure(
    admin_user: SimulatedUser,
    conn: db.Connection,
    broker: redis.Redis,
    settings: Settings,
    admin: Actor,  # noqa: F811
    two_problems: str,
) -> None:
    older = start(conn, broker, settings, admin, Plan(two_problems, baselines=["reference"]))
    newer = start(
        conn, broker, settings, admin, Plan(two_problems, baselines=["examples", "reference"])
    )
    # One of the older run's samples errored after 4 s: the estimate has a duration now.
    conn.execute(
        "UPDATE evaluation_samples SET status = 'ERROR', duration_ms = 4000"
        " WHERE id = (SELECT min(id) FROM evaluation_samples WHERE run_id = %s)",
        (older,),
    )
    content_hash = conn.execute(
        "SELECT content_hash FROM problem_sets WHERE name = %s", (two_problems,)
    ).fetchone()["content_hash"]  # type: ignore[index]
    await admin_user.open("/evaluations")
    await see(admin_user, marker="evaluations-table")
    listed = text_of(admin_user, "evaluations-table")
    assert listed.index(f"#{newer} ") < listed.index(f"#{older} ")
    newest = text_of(admin_user, f"evaluations-row-{newer}")
    assert f"#{newer}" in newest and "Running" in newest
    assert "examples (baseline), reference (baseline)" in newest
    assert two_problems in newest and content_hash[:12] in newest
    assert content_hash[:13] not in newest  # a short hash, not the whole one
    assert "0 / 4 samples · time left not known yet" in newest
    assert "evaluator" in newest
    oldest = text_of(admin_user, f"evaluations-row-{older}")
    assert "1 / 2 samples · 0 failed, 1 errors · about 4 s left" in oldest
    assert "2 runs" in text_of(admin_user, "evaluations-total")


def statements(conn: db.Connection, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The SQL `conn` runs from now on, in order."""
    seen: list[str] = []
    execute = conn.execute

    def counted(query: Any, *args: Any, **kwargs: Any) -> Any:
        seen.append(str(query))
        return execute(query, *args, **kwargs)

    monkeypatch.setattr(conn, "execute", counted)
    return seen


def test_a_page_of_runs_costs_the_same_queries_however_many_runs_it_holds(
    conn: db.Connection,
    broker: redis.Redis,
    settings: Settings,
    admin: Actor,  # noqa: F811
    two_problems: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    first = start(conn, broker, settings, admin, Plan(two_problems, baselines=["reference"]))
    with monkeypatch.context() as patch:
        one = statements(conn, patch)
        evaluations.listing(conn, settings, 20, 0)
    for _ in range(3):
        start(conn, broker, settings, admin, Plan(two_problems, baselines=["examples"]))
    conn.execute(
        "UPDATE evaluation_samples SET status = 'SUCCESS', duration_ms = 40"
        " WHERE id = (SELECT min(id) FROM evaluation_samples WHERE run_id = %s)",
        (first,),
    )
    with monkeypatch.context() as patch:
        four = statements(conn, patch)
        listed, total = evaluations.listing(conn, settings, 20, 0)
    assert total == 4 and len(four) == len(one) == 4  # runs, progress, workers, count
    # Each run's progress is the one its own page shows.
    assert [run.progress for run in listed] == [
        runs.progress(conn, settings, run.row["id"]) for run in listed
    ]
    assert next(r.progress for r in listed if r.row["id"] == first).success == 1


async def test_the_new_evaluation_button_opens_the_planner(admin_user: SimulatedUser) -> None:
    await admin_user.open("/evaluations")
    await see(admin_user, "No evaluation runs yet.")
    (button,) = admin_user.find(marker="evaluations-new").elements
    assert button.props["href"] == "/evaluations/new"


async def test_runs_come_a_page_at_a_time(
    admin_user: SimulatedUser,
    conn: db.Connection,
    broker: redis.Redis,
    settings: Settings,
    admin: Actor,  # noqa: F811
    two_problems: str,
) -> None:
    ids = [
        start(conn, broker, settings, admin, Plan(two_problems, baselines=["reference"]))
        for _ in range(evaluations.PAGE_SIZE + 1)
    ]
    await admin_user.open("/evaluations")
    await see(admin_user, marker=f"evaluations-row-{ids[-1]}")
    await admin_user.should_not_see(marker=f"evaluations-row-{ids[0]}")
    (pager,) = admin_user.find(marker="evaluations-pager").elements
    with admin_user:
        pager.value = 2  # type: ignore[attr-defined]
    await see(admin_user, marker=f"evaluations-row-{ids[0]}")
    await admin_user.should_not_see(marker=f"evaluations-row-{ids[-1]}")


async def test_authors_are_sent_to_their_own_home(author_user: SimulatedUser) -> None:
    await author_user.open("/evaluations")
    await see(author_user, "Problems")
    await author_user.should_not_see(marker="evaluations-new")
