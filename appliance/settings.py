"""One frozen Settings built from ARENA_* environment variables, loaded once per process.

A variable NAME may instead be given as NAME_FILE, the path of a file holding the value, so
secrets can come from mounted files rather than the environment. ARENA_DATABASE_URL set
means an external PostgreSQL; without it the bundled one is used, with the password
ARENA_DATABASE_PASSWORD (or ARENA_DATABASE_PASSWORD_FILE), which is read only then; the
same for ARENA_REDIS_URL and ARENA_REDIS_PASSWORD.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from urllib.parse import quote

from appliance.errors import ConfigurationError

BUNDLED_PG_PORT = 55432
BUNDLED_REDIS_PORT = 56379


@dataclass(frozen=True)
class Settings:
    data_dir: Path
    database_url: str
    redis_url: str
    bundled: bool
    judge_image: str
    judge_runtime: str | None
    judge_memory_mb: int
    judge_pids_limit: int
    judge_cpus: float
    judge_tmpfs_mb: int
    judge_tmpfs_inodes: int
    judge_output_limit_bytes: int
    workers: int
    api_port: int
    api_workers: int
    max_code_bytes: int
    rate_limit_per_minute: int
    max_pending: int
    infra_retry_delays: tuple[float, ...]
    heartbeat_seconds: float
    worker_dead_after_seconds: float
    git_sha: str


def _read(env: Mapping[str, str], name: str) -> str | None:
    if name in env:
        return env[name]
    path = env.get(f"{name}_FILE")
    if path is None:
        return None
    try:
        return Path(path).read_text().strip()
    except OSError as exc:
        raise ConfigurationError(f"{name}_FILE={path} cannot be read: {exc}") from exc


def _int(env: Mapping[str, str], name: str, default: int, minimum: int = 0) -> int:
    raw = _read(env, name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigurationError(f"{name} must be an integer, got {raw!r}") from None
    if value < minimum:
        raise ConfigurationError(f"{name} must be at least {minimum}, got {value}")
    return value


def _float(env: Mapping[str, str], name: str, default: float) -> float:
    raw = _read(env, name)
    if raw is None or raw == "":
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ConfigurationError(f"{name} must be a number, got {raw!r}") from None
    if value <= 0:
        raise ConfigurationError(f"{name} must be positive, got {value}")
    return value


def _delays(env: Mapping[str, str]) -> tuple[float, ...]:
    raw = _read(env, "ARENA_INFRA_RETRY_DELAYS") or "1,3"
    try:
        return tuple(float(part) for part in raw.split(","))
    except ValueError:
        raise ConfigurationError(f"ARENA_INFRA_RETRY_DELAYS must be numbers, got {raw!r}") from None


def _bundled_database_url(env: Mapping[str, str], port: int) -> str:
    """The bundled PostgreSQL's role "arena", with ARENA_DATABASE_PASSWORD when it has one
    (ops/bundled-init.sh generates it as $ARENA_DATA_DIR/secrets/postgres-password)."""
    password = _read(env, "ARENA_DATABASE_PASSWORD")
    credentials = f"arena:{quote(password, safe='')}" if password else "arena"
    return f"postgresql://{credentials}@127.0.0.1:{port}/arena"


def _bundled_redis_url(env: Mapping[str, str], port: int) -> str:
    """The bundled Redis, with ARENA_REDIS_PASSWORD when it has one."""
    password = _read(env, "ARENA_REDIS_PASSWORD")
    credentials = f":{quote(password, safe='')}@" if password else ""
    return f"redis://{credentials}127.0.0.1:{port}/0"


def from_env(env: Mapping[str, str]) -> Settings:
    """Build Settings from a mapping; pure, so tests can pass their own."""
    data_dir = Path(_read(env, "ARENA_DATA_DIR") or "var").absolute()
    database_url = _read(env, "ARENA_DATABASE_URL")
    redis_url = _read(env, "ARENA_REDIS_URL")
    pg_port = _int(env, "ARENA_PG_PORT", BUNDLED_PG_PORT, 1)
    redis_port = _int(env, "ARENA_REDIS_PORT", BUNDLED_REDIS_PORT, 1)
    return Settings(
        data_dir=data_dir,
        database_url=database_url or _bundled_database_url(env, pg_port),
        redis_url=redis_url or _bundled_redis_url(env, redis_port),
        bundled=database_url is None and redis_url is None,
        judge_image=_read(env, "ARENA_JUDGE_IMAGE") or "arena/judge:latest",
        judge_runtime=_read(env, "ARENA_JUDGE_RUNTIME") or None,
        judge_memory_mb=_int(env, "ARENA_JUDGE_MEMORY_MB", 512, 64),
        judge_pids_limit=_int(env, "ARENA_JUDGE_PIDS_LIMIT", 128, 16),
        judge_cpus=_float(env, "ARENA_JUDGE_CPUS", 1.0),
        judge_tmpfs_mb=_int(env, "ARENA_JUDGE_TMPFS_MB", 64, 8),
        # Bounds what a suite can leave behind, and so the time the wipe between runs takes.
        judge_tmpfs_inodes=_int(env, "ARENA_JUDGE_TMPFS_INODES", 20000, 1000),
        judge_output_limit_bytes=_int(env, "ARENA_JUDGE_OUTPUT_LIMIT_BYTES", 65536, 1024),
        workers=_int(env, "ARENA_WORKERS", 2, 1),
        api_port=_int(env, "ARENA_API_PORT", 8000, 1),
        api_workers=_int(env, "ARENA_API_WORKERS", 2, 1),
        max_code_bytes=_int(env, "ARENA_MAX_CODE_BYTES", 64 * 1024, 1),
        rate_limit_per_minute=_int(env, "ARENA_RATE_LIMIT_PER_MINUTE", 60, 1),
        max_pending=_int(env, "ARENA_MAX_PENDING", 1000, 1),
        infra_retry_delays=_delays(env),
        heartbeat_seconds=_float(env, "ARENA_HEARTBEAT_SECONDS", 3.0),
        worker_dead_after_seconds=_float(env, "ARENA_WORKER_DEAD_AFTER_SECONDS", 15.0),
        git_sha=_read(env, "ARENA_GIT_SHA") or "unknown",
    )


@cache
def load() -> Settings:
    """The process's settings, read from the environment once."""
    return from_env(os.environ)
