"""What every page shares: the settings, a PostgreSQL pool and Redis, the way to run the
appliance's (synchronous) feature functions off the event loop, and the watcher that tells
pages when a submission's status changes."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Concatenate, ParamSpec, TypeVar

import redis
from psycopg_pool import ConnectionPool

from appliance import db
from appliance.settings import Settings
from ui.live import Watcher

P = ParamSpec("P")
R = TypeVar("R")
POOL_SIZE = 4
# Short: NiceGUI gives a page 3 s to build, and a database that does not answer should be
# said on the page (every page catches PoolTimeout) rather than time the page out.
CONNECTION_TIMEOUT_S = 2.0


@dataclass
class Console:
    settings: Settings
    pool: ConnectionPool[db.Connection] = field(init=False)
    broker: redis.Redis = field(init=False)
    watcher: Watcher = field(init=False)

    def open(self) -> None:
        """At the app's startup, in its event loop (the watcher listens there)."""
        self.pool = db.open_pool(self.settings.database_url, size=POOL_SIZE)
        self.broker = redis.Redis.from_url(self.settings.redis_url, socket_timeout=5)
        self.watcher = Watcher(self.settings.database_url)
        self.watcher.start()

    async def close(self) -> None:
        """At the app's shutdown (NiceGUI awaits it)."""
        await self.watcher.stop()
        self.pool.close()
        self.broker.close()

    async def call(
        self, fn: Callable[Concatenate[db.Connection, P], R], *args: P.args, **kwargs: P.kwargs
    ) -> R:
        """`fn(conn, *args)` on a pooled connection, in a thread: psycopg's pool and the
        feature functions block, and the event loop serves every open page."""

        def with_connection() -> R:
            with self.pool.connection(timeout=CONNECTION_TIMEOUT_S) as conn:
                return fn(conn, *args, **kwargs)

        return await asyncio.to_thread(with_connection)
