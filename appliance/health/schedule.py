"""Whether the periodic work keeps to its cadence, for the overview: each recorded job's
next run and state, and each worker's state from its heartbeat's age. Pure: the moments
and cadences are arguments (appliance/health/activity.py takes them from the scheduler).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal

JobState = Literal["ok", "failed", "running", "late", "never"]
WorkerState = Literal["alive", "late", "dead"]
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
# A run still unfinished after this long died mid-run (its row is never finished).
STALLED_AFTER = timedelta(hours=1)


@dataclass(frozen=True)
class Cadence:
    """Every `period`: counted from the last start (an interval job), or at `offset` past
    each UTC multiple of `period` (a cron job: hourly at :02, daily at 00:30)."""

    period: timedelta
    offset: timedelta | None = None


def next_run(cadence: Cadence, last_started: datetime | None, now: datetime) -> datetime | None:
    """When the job runs next; None for an interval job that never ran (its first run
    comes one period after the scheduler started, which no table records)."""
    if cadence.offset is None:
        return None if last_started is None else last_started + cadence.period
    due = _EPOCH + (now - _EPOCH) // cadence.period * cadence.period + cadence.offset
    return due if due > now else due + cadence.period


def job_state(
    cadence: Cadence,
    started_at: datetime | None,
    finished_at: datetime | None,
    error: str | None,
    now: datetime,
) -> JobState:
    """never ran; late: no start for two periods (a run was missed), or a run that never
    finished; running; failed (its newest run); else ok."""
    if started_at is None:
        return "never"
    if now - started_at > 2 * cadence.period:
        return "late"
    if finished_at is None:
        return "late" if now - started_at > STALLED_AFTER else "running"
    return "failed" if error else "ok"


def worker_state(age: timedelta, heartbeat_s: float, dead_after_s: float) -> WorkerState:
    """dead past `dead_after_s` (the sweep gives its submissions back); late once it
    missed a beat; else alive."""
    seconds = age.total_seconds()
    if seconds > dead_after_s:
        return "dead"
    return "late" if seconds > 2 * heartbeat_s else "alive"
