"""One frozen Settings built from ARENA_* environment variables, loaded once per process.

A variable NAME may instead be given as NAME_FILE, the path of a file holding the value, so
secrets can come from mounted files rather than the environment. ARENA_DATABASE_URL set
means an external PostgreSQL; without it the bundled one is used, with the password
ARENA_DATABASE_PASSWORD (or ARENA_DATABASE_PASSWORD_FILE), which is read only then; the
same for ARENA_REDIS_URL and ARENA_REDIS_PASSWORD.
"""

from __future__ import annotations

import base64
import binascii
import ipaddress
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from urllib.parse import quote, urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from appliance.errors import ConfigurationError

BUNDLED_PG_PORT = 55432
BUNDLED_REDIS_PORT = 56379
# PromQL's grammar for a metric name: checked before a name is put into a query.
_PROMETHEUS_METRIC_NAME = re.compile(r"[a-zA-Z_:][a-zA-Z0-9_:]*")


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
    # Where daily metric buckets begin and end (storage stays UTC).
    timezone: ZoneInfo
    metrics_hourly_retention_days: int
    metrics_daily_retention_days: int
    metrics_failure_retention_days: int
    job_runs_retention_days: int
    # A customer's Prometheus to pull per-model latency from, and the histogram (with a
    # `model` label) to read; both None when not configured.
    prometheus_url: str | None
    prometheus_metric: str | None
    console_port: int
    # Signs the console's session cookies; the console refuses to start without one.
    console_secret: str | None = field(repr=False)
    console_session_hours: int
    # Seals the API keys of model endpoints (AES-256-GCM); None: only endpoints without a key
    # can be registered.
    model_key: bytes | None = field(repr=False)
    # Hosts (names or networks) a model's base URL may name beyond loopback and private
    # ranges, lower case.
    model_hosts: tuple[str, ...]
    # How long one request to a model may take (connect, then each read).
    model_timeout_seconds: float


MODEL_KEY_BYTES = 32


class _Reader:
    """Reads ARENA_* values and collects every bad one instead of stopping at the first,
    so an operator fixes them all in one go."""

    def __init__(self, env: Mapping[str, str]) -> None:
        self.env = env
        self.problems: list[str] = []

    def text(self, name: str) -> str | None:
        if name in self.env:
            return self.env[name]
        path = self.env.get(f"{name}_FILE")
        if path is None:
            return None
        try:
            return Path(path).read_text().strip()
        except OSError as exc:
            self.problems.append(f"{name}_FILE={path} cannot be read: {exc}")
            return None

    def integer(self, name: str, default: int, minimum: int = 0, maximum: int | None = None) -> int:
        raw = self.text(name)
        if raw is None or raw == "":
            return default
        try:
            value = int(raw)
        except ValueError:
            self.problems.append(f"{name} must be an integer, got {raw!r}")
            return default
        if value < minimum:
            self.problems.append(f"{name} must be at least {minimum}, got {value}")
        if maximum is not None and value > maximum:
            self.problems.append(f"{name} must be at most {maximum}, got {value}")
        return value

    def port(self, name: str, default: int) -> int:
        return self.integer(name, default, 1, 65535)

    def number(self, name: str, default: float) -> float:
        raw = self.text(name)
        if raw is None or raw == "":
            return default
        try:
            value = float(raw)
        except ValueError:
            self.problems.append(f"{name} must be a number, got {raw!r}")
            return default
        if not value > 0 or value == float("inf"):
            self.problems.append(f"{name} must be a positive number, got {raw!r}")
        return value

    def delays(self, name: str, default: str) -> tuple[float, ...]:
        raw = self.text(name) or default
        try:
            delays = tuple(float(part) for part in raw.split(","))
        except ValueError:
            self.problems.append(f"{name} must be numbers separated by commas, got {raw!r}")
            return ()
        if not all(0 <= delay < float("inf") for delay in delays):
            self.problems.append(f"{name} must be seconds of zero or more, got {raw!r}")
        return delays

    def zone(self, name: str, default: str) -> ZoneInfo:
        raw = self.text(name) or default
        try:
            return ZoneInfo(raw)
        except (ZoneInfoNotFoundError, ValueError, OSError):  # OSError: a directory, e.g. "Asia"
            self.problems.append(
                f"{name} must be an IANA time zone such as Asia/Seoul, got {raw!r}"
            )
            return ZoneInfo(default)

    def model_key(self, name: str) -> bytes | None:
        """32 bytes given in base64; a bad one is named, its value never shown."""
        raw = self.text(name)
        if not raw:
            return None
        try:
            key = base64.b64decode(raw.strip(), validate=True)
        except (binascii.Error, ValueError):
            key = b""
        if len(key) != MODEL_KEY_BYTES:
            self.problems.append(
                f"{name} must be {MODEL_KEY_BYTES} bytes in base64 (openssl rand -base64 32)"
            )
            return None
        return key

    def hosts(self, name: str) -> tuple[str, ...]:
        """Host names or networks (10.1.0.0/16) separated by commas."""
        entries = tuple(
            part.strip().lower() for part in (self.text(name) or "").split(",") if part.strip()
        )
        for entry in entries:
            if not (_HOST_NAME.fullmatch(entry) or _is_network(entry)):
                self.problems.append(f"{name} must be host names or networks, got {entry!r}")
        return entries

    def prometheus(self, url_name: str, metric_name: str) -> tuple[str | None, str | None]:
        """A Prometheus URL and histogram name, given together or not at all."""
        url, metric = self.text(url_name) or None, self.text(metric_name) or None
        if (url is None) != (metric is None):
            self.problems.append(f"{url_name} and {metric_name} are set together or not at all")
        self.problems.extend(prometheus_problems(url, metric, url_name, metric_name))
        return url, metric


_HOST_NAME = re.compile(
    r"[a-z0-9]([a-z0-9-]{0,62}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,62}[a-z0-9])?)*"
)


def _is_network(entry: str) -> bool:
    try:
        ipaddress.ip_network(entry, strict=False)
    except ValueError:
        return False
    return True


def prometheus_problems(
    url: str | None, metric: str | None, url_name: str, metric_name: str
) -> list[str]:
    """What is wrong with a Prometheus URL and histogram name (each checked when given),
    named as the caller calls them (a variable or a command-line option)."""
    problems = []
    if url is not None:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname or parts.query:
            problems.append(f"{url_name} must be an http(s) URL with no query, got {url!r}")
    if metric is not None and not _PROMETHEUS_METRIC_NAME.fullmatch(metric):
        problems.append(f"{metric_name} must be a Prometheus metric name, got {metric!r}")
    return problems


def _bundled_database_url(read: _Reader, port: int) -> str:
    """The bundled PostgreSQL's role "arena", with ARENA_DATABASE_PASSWORD when it has one
    (ops/bundled-init.sh generates it as $ARENA_DATA_DIR/secrets/postgres-password)."""
    password = read.text("ARENA_DATABASE_PASSWORD")
    credentials = f"arena:{quote(password, safe='')}" if password else "arena"
    return f"postgresql://{credentials}@127.0.0.1:{port}/arena"


def _bundled_redis_url(read: _Reader, port: int) -> str:
    """The bundled Redis, with ARENA_REDIS_PASSWORD when it has one."""
    password = read.text("ARENA_REDIS_PASSWORD")
    credentials = f":{quote(password, safe='')}@" if password else ""
    return f"redis://{credentials}127.0.0.1:{port}/0"


def from_env(env: Mapping[str, str]) -> Settings:
    """Build Settings from a mapping; pure, so tests can pass their own. A
    ConfigurationError names every bad variable at once."""
    read = _Reader(env)
    data_dir = Path(read.text("ARENA_DATA_DIR") or "var").absolute()
    database_url = read.text("ARENA_DATABASE_URL")
    redis_url = read.text("ARENA_REDIS_URL")
    pg_port = read.port("ARENA_PG_PORT", BUNDLED_PG_PORT)
    redis_port = read.port("ARENA_REDIS_PORT", BUNDLED_REDIS_PORT)
    prometheus_url, metric = read.prometheus("ARENA_PROMETHEUS_URL", "ARENA_PROMETHEUS_METRIC")
    settings = Settings(
        data_dir=data_dir,
        database_url=database_url or _bundled_database_url(read, pg_port),
        redis_url=redis_url or _bundled_redis_url(read, redis_port),
        bundled=database_url is None and redis_url is None,
        judge_image=read.text("ARENA_JUDGE_IMAGE") or "arena/judge:latest",
        judge_runtime=read.text("ARENA_JUDGE_RUNTIME") or None,
        judge_memory_mb=read.integer("ARENA_JUDGE_MEMORY_MB", 512, 64),
        judge_pids_limit=read.integer("ARENA_JUDGE_PIDS_LIMIT", 128, 16),
        judge_cpus=read.number("ARENA_JUDGE_CPUS", 1.0),
        judge_tmpfs_mb=read.integer("ARENA_JUDGE_TMPFS_MB", 64, 8),
        # Bounds what a suite can leave behind, and so the time the wipe between runs takes.
        judge_tmpfs_inodes=read.integer("ARENA_JUDGE_TMPFS_INODES", 20000, 1000),
        judge_output_limit_bytes=read.integer("ARENA_JUDGE_OUTPUT_LIMIT_BYTES", 65536, 1024),
        workers=read.integer("ARENA_WORKERS", 2, 1),
        api_port=read.port("ARENA_API_PORT", 8000),
        api_workers=read.integer("ARENA_API_WORKERS", 2, 1),
        max_code_bytes=read.integer("ARENA_MAX_CODE_BYTES", 64 * 1024, 1),
        rate_limit_per_minute=read.integer("ARENA_RATE_LIMIT_PER_MINUTE", 60, 1),
        max_pending=read.integer("ARENA_MAX_PENDING", 1000, 1),
        infra_retry_delays=read.delays("ARENA_INFRA_RETRY_DELAYS", "1,3"),
        heartbeat_seconds=read.number("ARENA_HEARTBEAT_SECONDS", 3.0),
        worker_dead_after_seconds=read.number("ARENA_WORKER_DEAD_AFTER_SECONDS", 15.0),
        git_sha=read.text("ARENA_GIT_SHA") or "unknown",
        timezone=read.zone("ARENA_TIMEZONE", "UTC"),
        metrics_hourly_retention_days=read.integer("ARENA_METRICS_HOURLY_RETENTION_DAYS", 30, 1),
        # A day is over only once it is past, so keeping less than 2 days keeps none.
        metrics_daily_retention_days=read.integer("ARENA_METRICS_DAILY_RETENTION_DAYS", 90, 2),
        metrics_failure_retention_days=read.integer("ARENA_METRICS_FAILURE_RETENTION_DAYS", 30, 1),
        job_runs_retention_days=read.integer("ARENA_JOB_RUNS_RETENTION_DAYS", 30, 1),
        prometheus_url=prometheus_url,
        prometheus_metric=metric,
        console_port=read.port("ARENA_CONSOLE_PORT", 8080),
        console_secret=read.text("ARENA_CONSOLE_SECRET") or None,
        console_session_hours=read.integer("ARENA_CONSOLE_SESSION_HOURS", 12, 1, 24 * 30),
        model_key=read.model_key("ARENA_MODEL_KEY"),
        model_hosts=read.hosts("ARENA_MODEL_HOSTS"),
        # A model on a CPU writes a suite in minutes, not seconds.
        model_timeout_seconds=read.number("ARENA_MODEL_TIMEOUT_SECONDS", 300.0),
    )
    if read.problems:
        raise ConfigurationError("bad settings: " + "; ".join(read.problems))
    return settings


@cache
def load() -> Settings:
    """The process's settings, read from the environment once."""
    return from_env(os.environ)
