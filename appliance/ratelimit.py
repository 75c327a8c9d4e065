"""A per-user fixed-window rate limit kept in Redis."""

from __future__ import annotations

import logging
import time

import redis

log = logging.getLogger(__name__)
WINDOW_S = 60


def retry_after(
    connection: redis.Redis,
    user_id: int,
    limit: int,
    now: float,
    window_s: int = WINDOW_S,
    scope: str = "rate",
) -> int | None:
    """Count one request of `scope` (submissions by default: `limit` a minute); None when
    it is allowed, else the seconds until the window resets.

    When Redis is down the request is allowed: PostgreSQL, not Redis, decides whether work
    is lost, and refusing every submission would be worse than not limiting for a while."""
    window = int(now) // window_s
    key = f"arena:{scope}:{user_id}:{window}"
    try:
        pipe = connection.pipeline()
        pipe.incr(key)
        pipe.expire(key, window_s * 2)
        count = int(pipe.execute()[0])
    except redis.RedisError as exc:
        log.warning("%s limit not applied, Redis is unavailable: %s", scope, exc)
        return None
    if count <= limit:
        return None
    return max(1, (window + 1) * window_s - int(now))


def clock() -> float:
    return time.time()
