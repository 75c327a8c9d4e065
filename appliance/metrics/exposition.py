"""The Prometheus text exposition (format 0.0.4) of the appliance's own numbers, served at
`/metrics` (issue 8). Pure: the counts come in, the text goes out.

Every number is read from PostgreSQL at scrape time rather than kept in process memory,
so the API, the workers and the scheduler never have to share counters and every API
process answers the same. The two latency histograms are cumulative over all judged
submissions with fixed bucket bounds, which Prometheus needs to merge and rate them
(`histogram_quantile(0.95, rate(arena_judge_duration_seconds_bucket[5m]))`); no quantile
is computed here, so none is ever averaged.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from appliance.vocabulary import STATUSES, Status

# Litestar appends "; charset=utf-8" to a text/* type, as Prometheus's own clients send it.
CONTENT_TYPE = "text/plain; version=0.0.4"
# Upper bounds in seconds. A judge run takes from well under a second (a tiny suite) to
# minutes (many mutants at the wall limit); a queue wait from milliseconds to an hour.
JUDGE_DURATION_BOUNDS_S = (0.1, 0.25, 0.5, 1.0, 2.0, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0)
QUEUE_WAIT_BOUNDS_S = (0.01, 0.05, 0.1, 0.25, 0.5, 1.0, 5.0, 10.0, 30.0, 60.0, 300.0, 3600.0)


@dataclass(frozen=True)
class BucketCount:
    """`n` values whose sum is `total_ms`, each at or below exactly `at_or_above` of the
    bounds (the ones it counts under in a cumulative `le` bucket)."""

    at_or_above: int
    n: int
    total_ms: float


@dataclass(frozen=True)
class CumulativeHistogram:
    bounds_s: tuple[float, ...]
    cumulative: tuple[int, ...]  # how many values are <= each bound
    count: int
    total_s: float


@dataclass(frozen=True)
class Scrape:
    judge_duration: CumulativeHistogram
    queue_wait: CumulativeHistogram
    by_status: Mapping[Status, int]
    rq_queue_length: int | None  # None when Redis did not answer


def negated_bounds_ms(bounds_s: tuple[float, ...]) -> list[float]:
    """The bounds for PostgreSQL's width_bucket(-value, ...): it counts the thresholds at or
    below its operand, and `le` wants the bounds at or above the value, so both are negated
    (and sorted ascending, as width_bucket requires)."""
    return sorted(-bound * 1000 for bound in bounds_s)


def cumulative(bounds_s: tuple[float, ...], counts: Iterable[BucketCount]) -> CumulativeHistogram:
    """The `le` buckets of `counts`: a value counts under the bound of rank j (0-based,
    ascending) when at least len(bounds) - j bounds lie at or above it."""
    rows = list(counts)
    size = len(bounds_s)
    buckets = tuple(
        sum(row.n for row in rows if row.at_or_above >= size - rank) for rank in range(size)
    )
    total_ms = math.fsum(row.total_ms for row in rows)
    return CumulativeHistogram(bounds_s, buckets, sum(row.n for row in rows), total_ms / 1000)


def render(scrape: Scrape) -> str:
    lines = [
        *_histogram(
            "arena_judge_duration_seconds",
            "Time from a worker's claim of a submission to its verdict.",
            scrape.judge_duration,
        ),
        *_histogram(
            "arena_queue_wait_seconds",
            "Time a submission waited from its creation to a worker's claim.",
            scrape.queue_wait,
        ),
        *_gauge(
            "arena_submissions",
            "Submissions stored, by status.",
            [(f'{{status="{status}"}}', scrape.by_status.get(status, 0)) for status in STATUSES],
        ),
        *_gauge(
            "arena_pending_submissions",
            "Submissions waiting for a worker (PENDING in PostgreSQL, the truth).",
            [("", scrape.by_status.get("PENDING", 0))],
        ),
        *_queue_lines(scrape.rq_queue_length),
    ]
    return "\n".join(lines) + "\n"


def _queue_lines(length: int | None) -> list[str]:
    up = _gauge(
        "arena_redis_up",
        "1 when Redis answered this scrape, else 0.",
        [("", int(length is not None))],
    )
    if length is None:
        return up
    jobs = _gauge(
        "arena_rq_queue_length",
        "Jobs waiting in the RQ queue (submissions, validations and reaps).",
        [('{queue="judge"}', length)],
    )
    return [*up, *jobs]


def _histogram(name: str, text: str, histogram: CumulativeHistogram) -> list[str]:
    buckets = [
        f'{name}_bucket{{le="{_number(bound)}"}} {count}'
        for bound, count in zip(histogram.bounds_s, histogram.cumulative, strict=True)
    ]
    return [
        f"# HELP {name} {text}",
        f"# TYPE {name} histogram",
        *buckets,
        f'{name}_bucket{{le="+Inf"}} {histogram.count}',
        f"{name}_sum {_number(histogram.total_s)}",
        f"{name}_count {histogram.count}",
    ]


def _gauge(name: str, text: str, samples: list[tuple[str, int]]) -> list[str]:
    return [
        f"# HELP {name} {text}",
        f"# TYPE {name} gauge",
        *(f"{name}{labels} {value}" for labels, value in samples),
    ]


def _number(value: float) -> str:
    return repr(float(value))
