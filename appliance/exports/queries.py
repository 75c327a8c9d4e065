"""SQL of the metrics exports."""

from __future__ import annotations

from datetime import datetime

from appliance.db import Connection, Row
from appliance.vocabulary import Granularity, Metric


def export_snapshots(
    conn: Connection,
    metrics: tuple[Metric, ...],
    granularity: Granularity,
    start: datetime,
    end: datetime,
) -> list[Row]:
    """The snapshots of `metrics` whose buckets start in [start, end): metric,
    bucket_start, value, n, sum, min, max and histogram, in time order."""
    return conn.execute(
        "SELECT metric, bucket_start, value, n, sum, min, max, histogram FROM metric_snapshots"
        " WHERE metric = ANY(%(metrics)s) AND granularity = %(granularity)s"
        " AND bucket_start >= %(start)s AND bucket_start < %(end)s ORDER BY metric, bucket_start",
        {"metrics": list(metrics), "granularity": granularity, "start": start, "end": end},
    ).fetchall()
