"""The console's submission watcher against a real PostgreSQL: the status changes the
worker makes arrive as notifications, and a lost LISTEN connection is made again, after
which every subscriber is called (a notification sent meanwhile would be lost)."""

from __future__ import annotations

import asyncio
import hashlib
import uuid
from collections.abc import AsyncIterator

import pytest

from appliance import db
from appliance.accounts.users import create_user
from appliance.submissions import queries
from tests import services
from ui.live import APPLICATION_NAME, CHANNEL, Watcher

# Only a guard against a hang: nothing here measures time.
WAIT_S = 20.0


class Calls:
    """A subscriber that counts its calls and lets a test wait for the next one."""

    def __init__(self) -> None:
        self.count = 0
        self._event = asyncio.Event()

    async def __call__(self) -> None:
        self.count += 1
        self._event.set()

    async def next(self) -> None:
        await asyncio.wait_for(self._event.wait(), WAIT_S)
        self._event.clear()


@pytest.fixture
async def watcher(database_url: str) -> AsyncIterator[Watcher]:
    running = Watcher(database_url)
    running.start()
    await asyncio.wait_for(running.listening.wait(), WAIT_S)
    yield running
    await running.stop()


async def settled(watcher: Watcher, conn: db.Connection) -> None:
    """Returns once the watcher has handled every notification sent so far: they arrive in
    order on its one connection, so a notification sent now is handled after them."""
    barrier = Calls()
    unsubscribe = watcher.subscribe("barrier", barrier)
    conn.execute("SELECT pg_notify(%s, 'barrier')", (CHANNEL,))
    await barrier.next()
    unsubscribe()


def new_submission(conn: db.Connection) -> str:
    """A PENDING submission to mini-clamp, by the learner lee (made on first use)."""
    found = conn.execute("SELECT id FROM users WHERE name = 'lee'").fetchone()
    learner_id = found["id"] if found else create_user(conn, "lee", "learner")[0].id
    version = conn.execute(
        "SELECT v.id FROM problem_versions v JOIN problems p ON p.id = v.problem_id"
        " WHERE p.slug = 'mini-clamp'"
    ).fetchone()
    assert version is not None
    row = queries.insert(
        conn, learner_id, version["id"], "code", hashlib.sha256().hexdigest(), None
    )
    assert row is not None
    return str(row["id"])


async def test_a_worker_claiming_a_submission_notifies_its_subscribers(
    watcher: Watcher, conn: db.Connection
) -> None:
    submission_id = new_submission(conn)
    await settled(watcher, conn)  # its INSERT's notification is not what this test waits for
    calls = Calls()
    watcher.subscribe(submission_id, calls)
    assert queries.claim(conn, submission_id, "worker-1") is not None  # PENDING -> RUNNING
    await calls.next()
    fields = {
        "status": "ERROR",
        "reason": None,
        "error_detail": "test",
        "score": None,
        "killed_weight": None,
        "total_weight": None,
        "killed_count": None,
        "total_count": None,
        "sandbox_id": None,
    }
    assert queries.finish(conn, submission_id, "worker-1", fields) is not None
    await calls.next()
    assert calls.count == 2


async def test_only_the_changed_submissions_subscribers_are_called(
    watcher: Watcher, conn: db.Connection
) -> None:
    waiting, other = new_submission(conn), new_submission(conn)
    await settled(watcher, conn)
    calls, other_calls = Calls(), Calls()
    watcher.subscribe(waiting, calls)
    watcher.subscribe(other, other_calls)
    conn.execute("UPDATE submissions SET attempts = 5 WHERE id = %s", (other,))  # not a status
    conn.execute("UPDATE submissions SET status = 'RUNNING' WHERE id = %s", (waiting,))
    await calls.next()
    conn.execute("UPDATE submissions SET status = 'RUNNING' WHERE id = %s", (other,))
    await other_calls.next()
    assert (calls.count, other_calls.count) == (1, 1)


async def test_an_unsubscribed_callback_is_not_called_again(
    watcher: Watcher, conn: db.Connection
) -> None:
    submission_id = new_submission(conn)
    await settled(watcher, conn)
    gone, staying = Calls(), Calls()
    unsubscribe = watcher.subscribe(submission_id, gone)
    watcher.subscribe(submission_id, staying)
    unsubscribe()
    unsubscribe()  # twice is harmless
    conn.execute("UPDATE submissions SET status = 'RUNNING' WHERE id = %s", (submission_id,))
    await staying.next()
    assert gone.count == 0
    assert watcher.subscribed(submission_id) == 1


async def test_a_terminated_listen_connection_is_made_again_and_every_subscriber_called(
    watcher: Watcher, conn: db.Connection
) -> None:
    submission_id = new_submission(conn)
    await settled(watcher, conn)
    calls = Calls()
    watcher.subscribe(submission_id, calls)
    terminated = conn.execute(
        "SELECT pg_terminate_backend(pid) AS done FROM pg_stat_activity"
        " WHERE application_name = %s AND datname = current_database()",
        (APPLICATION_NAME,),
    ).fetchall()
    assert [row["done"] for row in terminated] == [True]
    await calls.next()  # called after the reconnect, with no notification at all
    assert calls.count == 1
    await asyncio.wait_for(watcher.listening.wait(), WAIT_S)
    conn.execute("UPDATE submissions SET status = 'RUNNING' WHERE id = %s", (submission_id,))
    await calls.next()  # and notifications arrive again
    assert calls.count == 2


async def test_a_failing_subscriber_does_not_stop_the_watcher(
    watcher: Watcher, conn: db.Connection
) -> None:
    submission_id = new_submission(conn)
    await settled(watcher, conn)

    async def broken() -> None:
        raise RuntimeError("a page gone wrong")

    calls = Calls()
    watcher.subscribe(submission_id, broken)
    watcher.subscribe(submission_id, calls)
    conn.execute("UPDATE submissions SET status = 'RUNNING' WHERE id = %s", (submission_id,))
    await calls.next()
    conn.execute("UPDATE submissions SET status = 'PENDING' WHERE id = %s", (submission_id,))
    await calls.next()
    assert calls.count == 2


async def test_a_new_submission_is_announced(watcher: Watcher, conn: db.Connection) -> None:
    submission_id = new_submission(conn)
    await settled(watcher, conn)
    copy_id = str(uuid.uuid4())  # known before the row exists, so a page could wait for it
    calls = Calls()
    watcher.subscribe(copy_id, calls)
    conn.execute(
        "INSERT INTO submissions (id, user_id, version_id, code, code_sha256)"
        " SELECT %s, user_id, version_id, code, code_sha256 FROM submissions WHERE id = %s",
        (copy_id, submission_id),
    )
    await calls.next()
    assert calls.count == 1


async def test_the_watcher_carries_on_after_postgresql_restarts(
    watcher: Watcher, conn: db.Connection, database_url: str, pg_admin_url: str
) -> None:
    submission_id = new_submission(conn)
    await settled(watcher, conn)
    calls = Calls()
    watcher.subscribe(submission_id, calls)
    services.restart_postgres(pg_admin_url)  # every session ends, the watcher's too
    await calls.next()  # called once it listens again
    await asyncio.wait_for(watcher.listening.wait(), WAIT_S)
    with db.connect(database_url) as again:
        again.execute("UPDATE submissions SET status = 'RUNNING' WHERE id = %s", (submission_id,))
    await calls.next()
    assert calls.count == 2
