"""Per-model latency from a customer's own Prometheus (issue 8 item 5): p50, p95 and p99 of
a histogram with a `model` label, for LLM endpoints the customer already monitors.

For each range in RANGES Prometheus computes, at one evaluation time,
`histogram_quantile(q, sum by (le, model) (rate(NAME_bucket[range])))` for q = 0.5, 0.95
and 0.99, and `sum by (model) (increase(NAME_count[range]))`. Its answers are already
quantiles, so they are stored as they came (model_latency_samples, migration 0004), one row
per model and range: never merged into histograms, never averaged. A window's figure is
the newest sample of exactly that range (appliance/metrics/latency.py). Windows longer
than 7 days are not pulled: Prometheus keeps 15 days by default, and a 30- or 90-day range
would quietly cover less than it says.

A model with no requests in a range gets NaN from Prometheus: stored as null percentiles
with a count of 0, never NaN or 0. The histogram is taken to be in seconds, as
Prometheus's naming conventions ask; stored in milliseconds like the judge's latency.

The only network this reaches is the URL the operator gives (on their own network): no
proxy from the environment is used.
"""

from __future__ import annotations

import json
import math
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from appliance.db import Connection
from appliance.errors import ConfigurationError, InfrastructureError
from appliance.metrics import queries
from appliance.metrics.collect import Clock, recorded
from appliance.settings import Settings, prometheus_problems
from appliance.vocabulary import LatencyWindow

RANGES: dict[LatencyWindow, timedelta] = {
    "5m": timedelta(minutes=5),
    "1h": timedelta(hours=1),
    "24h": timedelta(hours=24),
    "7d": timedelta(days=7),
}
QUANTILES = (0.5, 0.95, 0.99)
TIMEOUT_S = 10.0
# A sane bound on one answer: one number per model and quantile.
MAX_ANSWER_BYTES = 16 * 1024 * 1024
JOB = "metrics_models"

# A PromQL expression and its evaluation time -> the result vector's elements.
Fetch = Callable[[str, datetime], list[Any]]


@dataclass(frozen=True)
class Target:
    """Where to pull from: a Prometheus base URL and a histogram's name (without _bucket)."""

    url: str
    metric: str

    @classmethod
    def checked(cls, url: str, metric: str, url_name: str, metric_name: str) -> Target:
        problems = prometheus_problems(url, metric, url_name, metric_name)
        if problems:
            raise ConfigurationError("; ".join(problems))
        return cls(url.rstrip("/"), metric)

    @classmethod
    def of(cls, settings: Settings) -> Target | None:
        """The configured one (ARENA_PROMETHEUS_URL and _METRIC, checked by settings.py)."""
        if settings.prometheus_url is None or settings.prometheus_metric is None:
            return None
        return cls(settings.prometheus_url.rstrip("/"), settings.prometheus_metric)


@dataclass(frozen=True)
class ModelSample:
    """One model's latency over [taken_at - window, taken_at), as Prometheus computed it:
    milliseconds, None where it had no quantile; `count` is its increase() estimate."""

    model: str
    window: timedelta
    p50_ms: float | None
    p95_ms: float | None
    p99_ms: float | None
    count: float


# -- the queries (pure) --------------------------------------------------------------------


def _range(window: timedelta) -> str:
    return f"{int(window.total_seconds())}s"


def quantile_query(metric: str, q: float, window: timedelta) -> str:
    return f"histogram_quantile({q}, sum by (le, model) (rate({metric}_bucket[{_range(window)}])))"


def count_query(metric: str, window: timedelta) -> str:
    return f"sum by (model) (increase({metric}_count[{_range(window)}]))"


def presence_query(metric: str) -> str:
    return f"count by (model) ({metric}_bucket)"


def by_model(result: list[Any]) -> dict[str, float | None]:
    """A result vector as {model: value}; NaN and infinities (no quantile) are None, and
    elements without a `model` label are left out."""
    found: dict[str, float | None] = {}
    for element in result:
        model = element.get("metric", {}).get("model")
        if model is not None:
            value = float(element["value"][1])
            found[model] = value if math.isfinite(value) else None
    return found


def _ms(seconds: float | None) -> float | None:
    return None if seconds is None else seconds * 1000


# -- pulling -------------------------------------------------------------------------------


def pull(fetch: Fetch, metric: str, at: datetime) -> list[ModelSample]:
    """Every model's sample for every range in RANGES, evaluated at `at`."""
    if not by_model(fetch(presence_query(metric), at)):
        raise InfrastructureError(
            f"Prometheus has no series {metric}_bucket with a model label"
            " (is it the name of a histogram it scrapes, without _bucket?)"
        )
    return [
        sample for window in RANGES.values() for sample in _pull_range(fetch, metric, at, window)
    ]


def _pull_range(fetch: Fetch, metric: str, at: datetime, window: timedelta) -> list[ModelSample]:
    counts = by_model(fetch(count_query(metric, window), at))
    p50, p95, p99 = (by_model(fetch(quantile_query(metric, q, window), at)) for q in QUANTILES)
    return [
        ModelSample(
            model, window, _ms(p50.get(model)), _ms(p95.get(model)), _ms(p99.get(model)), count
        )
        for model, count in sorted(counts.items())
        if count is not None
    ]


def http_fetch(url: str, timeout_s: float = TIMEOUT_S) -> Fetch:
    """A Fetch through Prometheus's HTTP API (GET /api/v1/query) at `url`."""
    # No ProxyHandler from the environment: the request goes to `url` itself or nowhere.
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))

    def fetch(expression: str, at: datetime) -> list[Any]:
        query = urlencode({"query": expression, "time": f"{at.timestamp():.3f}"})
        try:
            with opener.open(f"{url}/api/v1/query?{query}", timeout=timeout_s) as response:
                body = response.read(MAX_ANSWER_BYTES)
        except urllib.error.HTTPError as exc:
            with exc:  # its body is still open
                detail = _error_of(exc.read(4096))
            raise InfrastructureError(
                f"Prometheus at {url} answered HTTP {exc.code}: {detail}"
            ) from None
        except (urllib.error.URLError, OSError) as exc:
            reason = exc.reason if isinstance(exc, urllib.error.URLError) else exc
            raise InfrastructureError(f"Prometheus at {url} cannot be reached: {reason}") from None
        return vector_of(body, url)

    return fetch


def vector_of(body: bytes, url: str) -> list[Any]:
    """The result of a successful instant-vector answer; InfrastructureError otherwise."""
    try:
        answer = json.loads(body)
        if answer["status"] != "success":
            raise InfrastructureError(f"Prometheus at {url} refused the query: {_error_of(body)}")
        data = answer["data"]
        if data["resultType"] != "vector" or not isinstance(data["result"], list):
            raise InfrastructureError(f"Prometheus at {url} did not answer with a vector")
        return list(data["result"])
    except (ValueError, KeyError, TypeError) as exc:
        raise InfrastructureError(
            f"Prometheus at {url} answered something that is not its API's JSON ({exc})"
        ) from None


def _error_of(body: bytes) -> str:
    """Prometheus's own error message when the body carries one, else the body's start."""
    try:
        return str(json.loads(body)["error"])
    except (ValueError, KeyError, TypeError):
        return body[:200].decode("utf-8", "replace") or "(no body)"


# -- storing -------------------------------------------------------------------------------


def store(
    conn: Connection, samples: list[ModelSample], taken_at: datetime, now: datetime, keep: timedelta
) -> int:
    """Write the samples and delete those past `keep`, in one transaction; the number written."""
    with conn.transaction():
        for sample in samples:
            queries.upsert_model_sample(conn, _row(sample, taken_at, now))
        queries.delete_model_samples_before(conn, now - keep)
    return len(samples)


def _row(sample: ModelSample, taken_at: datetime, now: datetime) -> dict[str, Any]:
    return {
        "model": sample.model,
        "taken_at": taken_at,
        "window_s": int(sample.window.total_seconds()),
        "p50_ms": sample.p50_ms,
        "p95_ms": sample.p95_ms,
        "p99_ms": sample.p99_ms,
        "count": sample.count,
        "collected_at": now,
    }


def pull_job(
    conn: Connection, target: Target, settings: Settings, clock: Clock, fetch: Fetch | None = None
) -> list[ModelSample]:
    """Pull every model's latency now and store it, with a job_runs row; the samples.
    Samples are kept as long as the hourly rollups."""
    keep = timedelta(days=settings.metrics_hourly_retention_days)
    pulled: list[ModelSample] = []

    def work() -> int:
        at = clock()
        pulled.extend(pull(fetch or http_fetch(target.url), target.metric, at))
        return store(conn, pulled, at, clock(), keep)

    recorded(conn, JOB, clock, work)
    return pulled
