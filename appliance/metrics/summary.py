"""What is kept of one metric over one bucket, by the collector and in the exports. Pure."""

from __future__ import annotations

from dataclasses import dataclass

from appliance.metrics.histogram import Histogram


@dataclass(frozen=True)
class Summary:
    """One metric over one bucket: its value (None when it has none, e.g. the p95 of no
    durations), and the count, sum, minimum and maximum of the samples it comes from, so
    buckets can be combined exactly; durations also keep their histogram."""

    value: float | None
    n: int
    total: float
    minimum: float | None
    maximum: float | None
    histogram: Histogram | None = None
