"""PostgreSQL connections: one pool per process for the API, plain connections elsewhere.

Rows come back as dicts; the caller owns the transaction (`with conn.transaction()`)."""

from __future__ import annotations

import time
from typing import Any

import psycopg
from psycopg.rows import DictRow, dict_row
from psycopg_pool import ConnectionPool

from appliance.errors import InfrastructureError

Connection = psycopg.Connection[DictRow]
Row = dict[str, Any]


def connect(url: str) -> Connection:
    return psycopg.connect(url, row_factory=dict_row, autocommit=True)


def open_pool(url: str, size: int) -> ConnectionPool[Connection]:
    """Up to `size` connections, opened in the background (the server may not be up yet)
    and checked at every checkout, so a restarted server is noticed there. It starts with
    one: after a restart every pooled connection is broken, and the pool waits longer
    between each broken one it finds (8 of them outlast a request's 30 s)."""
    pool: ConnectionPool[Connection] = ConnectionPool(
        url,
        min_size=1,
        max_size=size,
        kwargs={"row_factory": dict_row, "autocommit": True},
        open=False,
        check=ConnectionPool.check_connection,
    )
    pool.open(wait=False)
    return pool


def usable(conn: Connection) -> bool:
    """Whether `conn` still reaches the server: open, not broken, idle, and a round trip
    works. A server restart ends every session; this is where a client notices."""
    if conn.closed or conn.broken:
        return False
    if conn.info.transaction_status != psycopg.pq.TransactionStatus.IDLE:
        return False  # left in a transaction by a failure: start afresh
    try:
        ConnectionPool.check_connection(conn)  # the pool's own round trip, as for the API
    except psycopg.OperationalError:
        return False
    return True


def reconnected(conn: Connection, url: str, timeout_s: float) -> Connection:
    """`conn` if it is still usable, else a new connection, waiting up to `timeout_s` for
    the server (InfrastructureError beyond)."""
    if usable(conn):
        return conn
    conn.close()
    return wait_for_database(url, timeout_s)


def wait_for_database(url: str, timeout_s: float) -> Connection:
    """Connect, retrying until the server accepts connections or the time is up."""
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            return connect(url)
        except psycopg.OperationalError as exc:
            if time.monotonic() >= deadline:
                raise InfrastructureError(f"database not reachable: {exc}") from exc
            time.sleep(0.5)
