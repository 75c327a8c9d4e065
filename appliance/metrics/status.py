"""Whether metric collection keeps up (issue 8): healthy, degraded or failing, and when the
next snapshot run is due. Pure: the moments are arguments.

Freshness is read from the newest successful run of any metrics job, not of the hourly
snapshot job alone: a snapshot is at best 60 minutes old just before the next run, so
"a success under 10 minutes ago" would call a working appliance degraded most of every
hour. The 5-minute latency job makes 10 minutes mean "at most one run missed". A snapshot
job that keeps failing while the latency job works is still seen: each failed run counts
among the failures, like each bucket that could not be collected.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from appliance.metrics.collect import SNAPSHOT_AFTER_HOUR, SNAPSHOT_JOB, UTC
from appliance.metrics.periods import bucket_start
from appliance.vocabulary import CollectionStatus

# Defined here, its only home: the status endpoint is the one place that speaks it.

FRESH_FOR = timedelta(minutes=10)
STALE_AFTER = timedelta(hours=1)
# Failures in the last 24 hours: from FEW_FAILURES on degraded, beyond MANY_FAILURES failing.
FEW_FAILURES = 3
MANY_FAILURES = 10
FAILURE_WINDOW = timedelta(hours=24)

# The scheduler's job names (appliance/metrics/collect.py): the snapshot job is "the
# collection"; every one of them shows that collection runs.
METRICS_JOBS = (SNAPSHOT_JOB, "metrics_latency", "metrics_retention", "metrics_models")


def classify(now: datetime, last_success_at: datetime | None, failures: int) -> CollectionStatus:
    """healthy: a success under FRESH_FOR ago and fewer than FEW_FAILURES failures;
    failing: more than MANY_FAILURES failures, or no success for over STALE_AFTER (or
    ever); degraded in between."""
    age = None if last_success_at is None else now - last_success_at
    if age is None or age > STALE_AFTER or failures > MANY_FAILURES:
        return "failing"
    if age >= FRESH_FOR or failures >= FEW_FAILURES:
        return "degraded"
    return "healthy"


def next_snapshot_at(now: datetime) -> datetime:
    """The first scheduled snapshot run after `now`: SNAPSHOT_AFTER_HOUR past an hour."""
    due = bucket_start(now, "hourly", UTC) + SNAPSHOT_AFTER_HOUR
    return due if due > now else due + timedelta(hours=1)
