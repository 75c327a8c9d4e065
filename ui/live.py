"""Submissions' status changes pushed to open pages: one PostgreSQL LISTEN connection per
console process (migration 0009 announces every status change on `submission_status`), and
the pages that wait for one submission subscribe to its id.

The connection is async (psycopg's AsyncConnection): the event loop serves every open page
and must never wait on the database. When the connection is lost (a server restart, a
terminated backend, a network that went quiet) it is made again with backoff, and then
every subscriber is called once, since a notification sent while nobody listened is gone
for good."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
from collections.abc import Awaitable, Callable

import psycopg

from appliance.submissions import queries

log = logging.getLogger(__name__)

CHANNEL = queries.STATUS_CHANNEL
# How the connection shows up in pg_stat_activity (operators, and the reconnect test).
APPLICATION_NAME = "arena-console-watcher"
# Waits between attempts to reconnect; the last one repeats until the server is back.
BACKOFF_S = (0.1, 0.25, 0.5, 1.0, 2.0, 5.0)
CONNECT_TIMEOUT_S = 5
# A connection that has heard nothing for this long is asked for a round trip, so that a
# peer gone without a word (no FIN: a cable, a firewall) is noticed, not waited on forever.
QUIET_S = 30.0
ROUND_TRIP_TIMEOUT_S = 5.0

Callback = Callable[[], Awaitable[None]]


class Watcher:
    """Calls a submission's subscribers whenever its status changes (and all of them after
    a reconnect). Each call runs as its own task: a slow page never holds up the others,
    nor the connection."""

    def __init__(self, database_url: str) -> None:
        self.database_url = database_url
        self.listening = asyncio.Event()  # set while LISTEN is in place
        self._subscribers: dict[str, dict[int, Callback]] = {}
        self._tokens = itertools.count()
        self._task: asyncio.Task[None] | None = None
        self._calls: set[asyncio.Task[None]] = set()

    def start(self) -> None:
        """Starts listening in the running event loop (the app's startup)."""
        self._task = asyncio.get_running_loop().create_task(self._run(), name="watcher")

    async def stop(self) -> None:
        """Stops listening and cancels the calls still running (the app's shutdown)."""
        tasks = [*([self._task] if self._task else []), *self._calls]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        self._task = None
        self.listening.clear()

    def subscribe(self, submission_id: str, callback: Callback) -> Callable[[], None]:
        """`callback()` on each status change of `submission_id` from now on; returns the
        unsubscribe (which may be called more than once)."""
        token = next(self._tokens)
        self._subscribers.setdefault(submission_id, {})[token] = callback

        def unsubscribe() -> None:
            callbacks = self._subscribers.get(submission_id, {})
            callbacks.pop(token, None)
            if not callbacks:
                self._subscribers.pop(submission_id, None)

        return unsubscribe

    def subscribed(self, submission_id: str) -> int:
        """How many subscribers wait for `submission_id`."""
        return len(self._subscribers.get(submission_id, {}))

    async def _run(self) -> None:
        step = 0
        while True:
            try:
                await self._listen()
            except (psycopg.Error, OSError) as exc:  # OSError: TimeoutError, socket errors
                log.warning("submission watcher lost PostgreSQL, reconnecting: %s", exc)
            # The first wait after a working connection is the shortest; then they grow.
            step = 0 if self.listening.is_set() else min(step + 1, len(BACKOFF_S) - 1)
            self.listening.clear()
            await asyncio.sleep(BACKOFF_S[step])

    async def _listen(self) -> None:
        async with await psycopg.AsyncConnection.connect(
            self.database_url,
            autocommit=True,
            connect_timeout=CONNECT_TIMEOUT_S,
            application_name=APPLICATION_NAME,
        ) as conn:
            await queries.listen_for_status_changes(conn)
            self.listening.set()
            self._call_everyone()  # whatever changed while nobody listened
            while True:
                async for note in conn.notifies(timeout=QUIET_S):
                    self._call(note.payload)
                await asyncio.wait_for(queries.round_trip(conn), ROUND_TRIP_TIMEOUT_S)

    def _call(self, submission_id: str) -> None:
        for callback in list(self._subscribers.get(submission_id, {}).values()):
            self._spawn(callback)

    def _call_everyone(self) -> None:
        for callbacks in list(self._subscribers.values()):
            for callback in list(callbacks.values()):
                self._spawn(callback)

    def _spawn(self, callback: Callback) -> None:
        task = asyncio.get_running_loop().create_task(_safely(callback))
        self._calls.add(task)
        task.add_done_callback(self._calls.discard)


async def _safely(callback: Callback) -> None:
    """One subscriber's failure is its own: logged, and the watcher goes on."""
    with contextlib.suppress(asyncio.CancelledError):
        try:
            await callback()
        except Exception:
            log.exception("a submission watcher subscriber failed")
