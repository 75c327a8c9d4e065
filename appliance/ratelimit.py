"""A per-user fixed-window rate limit kept in Redis."""

from __future__ import annotations

import logging
import time

import redis

log = logging.getLogger(__name__)
WINDOW_S = 60


def retry_after(connection: redis.Redis, user_id: int, per_minute: int, now: float) -> int | None:
    """Count one request; None when it is allowed, else the seconds until the window resets.

    When Redis is down the request is allowed: PostgreSQL, not Redis, decides whether work
    is lost, and refusing every submission would be worse than not limiting for a while."""
    window = int(now) // WINDOW_S
    key = f"arena:rate:{user_id}:{window}"
    try:
        pipe = connection.pipeline()
        pipe.incr(key)
        pipe.expire(key, WINDOW_S * 2)
        count = int(pipe.execute()[0])
    except redis.RedisError as exc:
        log.warning("rate limit not applied, Redis is unavailable: %s", exc)
        return None
    if count <= per_minute:
        return None
    return max(1, (window + 1) * WINDOW_S - int(now))


def clock() -> float:
    return time.time()
