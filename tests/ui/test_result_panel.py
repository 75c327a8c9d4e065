"""The learner's result page (/learn/results/{id}): the score explained by its weights,
verdicts by neutral label with hints for survivors only, golden's failures as text, the
FAILURE and ERROR words, nobody else's submission, Korean, and the page following a
submission from PENDING to its result by itself (real judge, real NOTIFY)."""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Callable
from typing import Any, get_args

import pytest
import redis
from nicegui import ui
from nicegui.testing.user import User as SimulatedUser

from appliance import db
from appliance.accounts.users import User, create_user
from appliance.submissions import intake, queries, reading
from appliance.vocabulary import FailureReason, Outcome, Status, Verdict
from tests import services
from tests.bundles import WEAK_SUITE
from tests.ui.conftest import log_in, make_console_user
from ui.i18n import CATALOGS
from ui.learner.result import Coalesced

GOLDEN_FAILS = (
    "from target import clamp\n\ndef test_wrong():\n    assert clamp(5, 0, 10) == '<b>six</b>'\n"
)
WEAK_EXPLAINED = "You killed 1 of 6 weight (1 of 3 mutants): 30 + 70 × 1 / 6 = 41"  # noqa: RUF001
SURVIVOR_HINTS = ["Try x equal to hi.", "What if lo is greater than hi?"]
KILLED_HINT = "Try a value strictly inside the range."
MUTANT_NAMES = ("upper_exclusive", "no_range_check", "bounds_swapped")
# The simulated browser looks again every 0.1 s: up to 20 s for the judge's result.
PATIENCE = 200
# Logging in lands on this page itself (an empty result), not on the learner's home.
LOGIN = "/login?next=/learn/results/none"


def submitted(conn: db.Connection, broker: redis.Redis, name: str, code: str) -> str:
    """`name`'s suite for mini-clamp, stored PENDING and queued, as the learner's submit
    leaves it."""
    user = conn.execute("SELECT id FROM users WHERE name = %s", (name,)).fetchone()
    version = conn.execute(
        "SELECT current_version_id AS id FROM problems WHERE slug = 'mini-clamp'"
    ).fetchone()
    assert user is not None and version is not None
    digest = hashlib.sha256(code.encode()).hexdigest()
    row = queries.insert(conn, user["id"], version["id"], code, digest, None)
    assert row is not None
    intake.enqueue(broker, str(row["id"]))
    return str(row["id"])


def learner(conn: db.Connection, name: str = "lee", locale: str = "en") -> None:
    make_console_user(conn, name, "learner")
    conn.execute("UPDATE users SET locale = %s WHERE name = %s", (locale, name))


def the(user: SimulatedUser, marker: str) -> Any:
    return next(iter(user.find(marker=marker).elements))


def texts(user: SimulatedUser, marker: str) -> list[str]:
    return [element.text for element in user.find(marker=marker).elements]  # type: ignore[attr-defined]


def mutant_rows(user: SimulatedUser) -> list[list[str]]:
    """The texts of each row of the mutants table, in label order."""
    rows = [
        [e.text for e in row.descendants() if isinstance(e, ui.label)]
        for row in user.find(marker="result-mutant").elements
    ]
    return sorted(rows)


def expected_rows(conn: db.Connection, killed: set[str]) -> list[list[str]]:
    """Label, verdict, weight and hint (survivors only) of each mutant of mini-clamp in
    label order (the version's own shuffle), as the panel's mutant table reads."""
    rows = conn.execute(
        "SELECT m.label, m.name, m.weight, m.hint FROM mutants m JOIN problems p"
        " ON p.current_version_id = m.version_id WHERE p.slug = 'mini-clamp' ORDER BY m.label"
    ).fetchall()
    return [
        [f"mutant {row['label']}", "killed", str(row["weight"])]
        if row["name"] in killed
        else [f"mutant {row['label']}", "survived", str(row["weight"]), row["hint"]]
        for row in rows
    ]


@pytest.fixture
async def lee(visitor: SimulatedUser, conn: db.Connection) -> SimulatedUser:
    """A browser logged in as the learner lee (English)."""
    learner(conn)
    await log_in(visitor, "lee", path=LOGIN)
    return visitor


async def test_a_success_explains_its_score_with_hints_for_survivors_only(
    lee: SimulatedUser, conn: db.Connection, broker: redis.Redis, drain: Callable[[], None]
) -> None:
    submission_id = submitted(conn, broker, "lee", WEAK_SUITE)
    drain()
    await lee.open(f"/learn/results/{submission_id}")
    await lee.should_see("Score 41 / 100")
    await lee.should_see(WEAK_EXPLAINED)
    assert sorted(texts(lee, "hint")) == SURVIVOR_HINTS
    await lee.should_not_see(KILLED_HINT)
    panel = the(lee, "result")
    assert panel.props["data-status"] == "SUCCESS"
    assert panel.props["data-submission"] == submission_id
    assert panel.props["data-testid"] == "result"
    assert mutant_rows(lee) == expected_rows(conn, killed={"bounds_swapped"})
    matrix = the(lee, "result-matrix")
    assert [row["test"] for row in matrix.rows] == ["test_inside_is_unchanged"]
    assert sum(1 for value in matrix.rows[0].values() if value == "✓") == 1
    for name in MUTANT_NAMES:
        await lee.should_not_see(name)


async def test_a_suite_failing_on_golden_says_why_what_next_and_shows_the_message_as_text(
    lee: SimulatedUser, conn: db.Connection, broker: redis.Redis, drain: Callable[[], None]
) -> None:
    submission_id = submitted(conn, broker, "lee", GOLDEN_FAILS)
    drain()
    await lee.open(f"/learn/results/{submission_id}")
    await lee.should_see("Your suite fails on the correct code.")
    await lee.should_see(marker="result-next")
    await lee.should_see("Score 0 / 100")
    assert the(lee, "result").props["data-status"] == "FAILURE"
    (message,) = texts(lee, "result-message")
    assert "<b>six</b>" in message  # the learner's own text, shown as typed
    await lee.should_not_see(kind=ui.html)
    await lee.should_not_see(kind=ui.markdown)


async def test_another_users_submission_reads_like_an_unknown_one(
    lee: SimulatedUser, conn: db.Connection, broker: redis.Redis
) -> None:
    learner(conn, "kim")
    theirs = submitted(conn, broker, "kim", WEAK_SUITE)
    for shown in (theirs, "00000000-0000-0000-0000-000000000000", "not-an-id"):
        await lee.open(f"/learn/results/{shown}")
        await lee.should_see(f"There is no result {shown} for you.")
        assert the(lee, "result").props["data-status"] == "MISSING"
        await lee.should_not_see(marker="result-progress")


async def test_an_error_is_the_appliances_fault_and_says_what_to_do(
    lee: SimulatedUser, conn: db.Connection, broker: redis.Redis
) -> None:
    submission_id = submitted(conn, broker, "lee", WEAK_SUITE)
    conn.execute(
        "UPDATE submissions SET status = 'ERROR', error_detail = 'the judge image is missing',"
        " finished_at = now() WHERE id = %s",
        (submission_id,),
    )
    await lee.open(f"/learn/results/{submission_id}")
    await lee.should_see(
        "The appliance failed to judge this submission. This is not a problem with your suite."
    )
    await lee.should_see("What went wrong: the judge image is missing")
    await lee.should_see(marker="result-error")


async def test_the_page_follows_a_submission_from_queued_to_its_score_by_itself(
    lee: SimulatedUser, conn: db.Connection, broker: redis.Redis, drain: Callable[[], None]
) -> None:
    submission_id = submitted(conn, broker, "lee", WEAK_SUITE)
    await lee.open(f"/learn/results/{submission_id}")
    await lee.should_see("Queued: waiting for a free judge. This page updates by itself.")
    assert the(lee, "result").props["data-status"] == "PENDING"
    drain()  # the worker's status updates are announced; nothing reloads the page
    await lee.should_see("Score 41 / 100", retries=PATIENCE)
    await lee.should_see(WEAK_EXPLAINED)
    assert the(lee, "result").props["data-status"] == "SUCCESS"


async def test_the_page_still_follows_its_submission_after_the_database_was_away(
    lee: SimulatedUser,
    conn: db.Connection,
    broker: redis.Redis,
    database_url: str,
    pg_admin_url: str,
) -> None:
    submission_id = submitted(conn, broker, "lee", WEAK_SUITE)
    await lee.open(f"/learn/results/{submission_id}")
    await lee.should_see(marker="result-progress")
    with services.database_refusing(pg_admin_url, database_url):  # every session ends
        await asyncio.sleep(1)  # the watcher tries to listen again, and is refused
    with db.connect(database_url) as again:
        again.execute(
            "UPDATE submissions SET status = 'ERROR', error_detail = 'the worker died',"
            " finished_at = now() WHERE id = %s",
            (submission_id,),
        )
    await lee.should_see("What went wrong: the worker died", retries=PATIENCE)
    assert the(lee, "result").props["data-status"] == "ERROR"


async def test_the_result_speaks_korean(
    visitor: SimulatedUser, conn: db.Connection, broker: redis.Redis, drain: Callable[[], None]
) -> None:
    learner(conn, "minji", "ko")
    submission_id = submitted(conn, broker, "minji", WEAK_SUITE)
    drain()
    await log_in(visitor, "minji", path=LOGIN)
    await visitor.open(f"/learn/results/{submission_id}")
    await visitor.should_see("점수 41 / 100")
    await visitor.should_see(
        "가중치 6 중 1만큼 제거했습니다 (뮤턴트 3개 중 1개): 30 + 70 × 1 / 6 = 41"  # noqa: RUF001
    )
    await visitor.should_see("제거 행렬")
    await visitor.should_see("뮤턴트 1")  # the neutral labels in Korean too
    await visitor.should_not_see("mutant 1")
    assert sorted(texts(visitor, "hint")) == SURVIVOR_HINTS  # the author's words, as written


async def test_a_burst_of_notifications_costs_one_more_render_not_one_each() -> None:
    renders: list[int] = []
    release = asyncio.Event()

    async def render() -> None:
        renders.append(len(renders))
        await release.wait()

    refresh = Coalesced(render)
    first = asyncio.create_task(refresh())
    await asyncio.sleep(0)  # the first render is running
    await asyncio.gather(*(refresh() for _ in range(5)))  # they return at once
    release.set()
    await first
    assert renders == [0, 1]
    await refresh()
    assert renders == [0, 1, 2]


# -- who reads what --------------------------------------------------------------------


def test_a_learner_reads_only_their_own_submission_and_an_admin_any(
    conn: db.Connection, broker: redis.Redis
) -> None:
    lee = create_user(conn, "lee", "learner")[0]
    kim = create_user(conn, "kim", "learner")[0]
    root = create_user(conn, "root", "admin")[0]
    mine = submitted(conn, broker, "lee", WEAK_SUITE)
    own = reading.learner_detail(conn, lee, mine)
    assert own is not None and own.status == "PENDING"
    assert reading.learner_detail(conn, kim, mine) is None
    assert reading.learner_detail(conn, lee, "not-an-id") is None
    assert reading.learner_detail(conn, root, mine) is not None


def test_names_only_for_authors_and_admins(
    conn: db.Connection, broker: redis.Redis, drain: Callable[[], None]
) -> None:
    lee = create_user(conn, "lee", "learner")[0]
    mine = submitted(conn, broker, "lee", WEAK_SUITE)
    drain()
    view = reading.learner_detail(conn, lee, mine)
    assert view is not None
    assert [m.weight for m in view.mutants] and sum(m.weight for m in view.mutants) == 6
    assert all(not isinstance(m.name, str) for m in view.mutants)
    as_admin = reading.learner_detail(conn, User(0, "root", "admin"), mine)
    assert as_admin is not None
    assert {m.name for m in as_admin.mutants} == set(MUTANT_NAMES)


@pytest.mark.parametrize("locale", ["en", "ko"])
def test_every_status_reason_verdict_and_outcome_has_words(locale: str) -> None:
    catalog = CATALOGS[locale]  # type: ignore[index]
    wanted = [f"result.status_{s.lower()}" for s in get_args(Status)]
    wanted += [f"result.{kind}_{r}" for r in get_args(FailureReason) for kind in ("reason", "next")]
    wanted += [f"result.verdict_{v}" for v in get_args(Verdict)]
    wanted += [f"result.outcome_{o}" for o in get_args(Outcome)]
    assert [key for key in wanted if key not in catalog] == []
