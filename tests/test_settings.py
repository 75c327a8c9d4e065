"""Settings: defaults for the embedded mode, external services by URL or *_FILE, and a
clear error for a bad value."""

from __future__ import annotations

from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from appliance.errors import ConfigurationError
from appliance.settings import from_env


def test_with_no_service_urls_the_appliance_runs_bundled() -> None:
    settings = from_env({})
    assert settings.bundled
    assert settings.database_url == "postgresql://arena@127.0.0.1:55432/arena"
    assert settings.redis_url == "redis://127.0.0.1:56379/0"
    assert (settings.workers, settings.api_port, settings.max_code_bytes) == (2, 8000, 65536)
    assert settings.data_dir.is_absolute()


def test_metrics_default_to_utc_days_and_30_90_30_days_of_history() -> None:
    settings = from_env({})
    assert settings.timezone == ZoneInfo("UTC")
    assert (
        settings.metrics_hourly_retention_days,
        settings.metrics_daily_retention_days,
        settings.metrics_failure_retention_days,
        settings.job_runs_retention_days,
    ) == (30, 90, 30, 30)


def test_the_display_time_zone_and_retention_can_be_set() -> None:
    env = {
        "ARENA_TIMEZONE": "Asia/Seoul",
        "ARENA_METRICS_HOURLY_RETENTION_DAYS": "7",
        "ARENA_METRICS_DAILY_RETENTION_DAYS": "365",
        "ARENA_METRICS_FAILURE_RETENTION_DAYS": "14",
        "ARENA_JOB_RUNS_RETENTION_DAYS": "3",
    }
    settings = from_env(env)
    assert settings.timezone == ZoneInfo("Asia/Seoul")
    assert settings.metrics_hourly_retention_days == 7
    assert settings.metrics_daily_retention_days == 365
    assert settings.metrics_failure_retention_days == 14
    assert settings.job_runs_retention_days == 3


def test_a_prometheus_to_pull_model_latency_from_is_optional() -> None:
    assert (from_env({}).prometheus_url, from_env({}).prometheus_metric) == (None, None)
    env = {
        "ARENA_PROMETHEUS_URL": "http://prometheus.internal:9090",
        "ARENA_PROMETHEUS_METRIC": "llm_request_duration_seconds",
    }
    settings = from_env(env)
    assert settings.prometheus_url == "http://prometheus.internal:9090"
    assert settings.prometheus_metric == "llm_request_duration_seconds"


def test_a_secret_can_come_from_a_file(tmp_path: Path) -> None:
    secret = tmp_path / "db-url"
    secret.write_text("postgresql://app:s3cret@db.internal/arena\n")
    settings = from_env({"ARENA_DATABASE_URL_FILE": str(secret)})
    assert settings.database_url == "postgresql://app:s3cret@db.internal/arena"
    assert not settings.bundled


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"ARENA_WORKERS": "two"}, "ARENA_WORKERS must be an integer"),
        ({"ARENA_WORKERS": "0"}, "at least 1"),
        ({"ARENA_JUDGE_CPUS": "-1"}, "must be a positive number"),
        ({"ARENA_JUDGE_CPUS": "nan"}, "must be a positive number"),
        ({"ARENA_HEARTBEAT_SECONDS": "inf"}, "must be a positive number"),
        ({"ARENA_API_PORT": "70000"}, "ARENA_API_PORT must be at most 65535"),
        ({"ARENA_INFRA_RETRY_DELAYS": "1,soon"}, "must be numbers"),
        ({"ARENA_INFRA_RETRY_DELAYS": "1,-3"}, "zero or more"),
        ({"ARENA_DATABASE_URL_FILE": "/no/such/file"}, "cannot be read"),
        ({"ARENA_TIMEZONE": "Mars/Olympus"}, "ARENA_TIMEZONE must be an IANA time zone"),
        ({"ARENA_TIMEZONE": "Asia"}, "ARENA_TIMEZONE must be an IANA time zone"),
        ({"ARENA_TIMEZONE": "../../etc/passwd"}, "ARENA_TIMEZONE must be an IANA time zone"),
        ({"ARENA_METRICS_HOURLY_RETENTION_DAYS": "0"}, "at least 1"),
        ({"ARENA_METRICS_DAILY_RETENTION_DAYS": "1"}, "at least 2"),
        ({"ARENA_METRICS_FAILURE_RETENTION_DAYS": "a month"}, "must be an integer"),
        ({"ARENA_PROMETHEUS_URL": "http://p:9090"}, "are set together or not at all"),
        ({"ARENA_PROMETHEUS_METRIC": "llm_seconds"}, "are set together or not at all"),
        (
            {"ARENA_PROMETHEUS_URL": "file:///etc/passwd", "ARENA_PROMETHEUS_METRIC": "x"},
            "ARENA_PROMETHEUS_URL must be an http",
        ),
        (
            {"ARENA_PROMETHEUS_URL": "http://p:9090", "ARENA_PROMETHEUS_METRIC": "x) or vector(1"},
            "ARENA_PROMETHEUS_METRIC must be a Prometheus metric name",
        ),
    ],
)
def test_a_bad_value_is_a_clear_configuration_error(env: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigurationError, match=message):
        from_env(env)


def test_every_bad_variable_is_named_at_once() -> None:
    env = {
        "ARENA_WORKERS": "two",
        "ARENA_JUDGE_MEMORY_MB": "1",
        "ARENA_REDIS_PORT": "0",
        "ARENA_DATABASE_URL_FILE": "/no/such/file",
        "ARENA_TIMEZONE": "Seoul",
        "ARENA_METRICS_DAILY_RETENTION_DAYS": "-1",
    }
    with pytest.raises(ConfigurationError) as raised:
        from_env(env)
    for name in (
        "ARENA_WORKERS",
        "ARENA_JUDGE_MEMORY_MB",
        "ARENA_REDIS_PORT",
        "ARENA_DATABASE_URL_FILE",
        "ARENA_TIMEZONE",
        "ARENA_METRICS_DAILY_RETENTION_DAYS",
    ):
        assert name in raised.value.detail


def test_the_bundled_database_url_carries_the_generated_password(tmp_path: Path) -> None:
    secret = tmp_path / "postgres-password"
    secret.write_text("p@ss/word\n")
    settings = from_env({"ARENA_DATABASE_PASSWORD_FILE": str(secret), "ARENA_PG_PORT": "6000"})
    assert settings.bundled
    assert settings.database_url == "postgresql://arena:p%40ss%2Fword@127.0.0.1:6000/arena"


def test_an_external_database_url_ignores_the_bundled_password() -> None:
    env = {
        "ARENA_DATABASE_URL": "postgresql://app@db.internal/arena",
        "ARENA_DATABASE_PASSWORD_FILE": "/no/such/file",
    }
    assert from_env(env).database_url == "postgresql://app@db.internal/arena"


def test_the_bundled_redis_url_carries_the_generated_password() -> None:
    settings = from_env({"ARENA_REDIS_PASSWORD": "a:b", "ARENA_REDIS_PORT": "6001"})
    assert settings.redis_url == "redis://:a%3Ab@127.0.0.1:6001/0"
