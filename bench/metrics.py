"""The metrics history and latency percentiles (issue 8, item 7) against naive exact queries
on the same data, in one run.

Starts a throwaway PostgreSQL (tests/services.py; no Redis, no judge), migrates it, makes a
few problems and users with SQL, and COPYs --rows judged submissions spread over --days days
(tests/metrics/conftest.py's generator: log-normal queue waits and judge durations, mostly
SUCCESS, some FAILURE and ERROR, the ones that would finish after now still pending). Then
it runs the real collector once at T0, as a fresh install does: every hourly and daily
snapshot of the six metrics (hourly kept --days days, so the history holds --days days of
hourly data; daily kept the default 90) and every latency rollup; that first full collection is timed on its own and
is the baseline of the collection. One hour later (T1) it measures, each the median of
--repeat warm runs beside its baseline's median in the same run:

  * collection: one hourly `snapshot_job` plus one `latency_job` at steady state (the
    newest hour); baseline: the first full collection, every bucket from scratch;
  * timeseries p95: `judge_duration_p95`, 30 days hourly, through the route's own handler
    (GET /api/v1/metrics/timeseries); baseline: the p95 of every hour computed from the raw
    rows on the fly (percentile_cont per hour);
  * a 30-day latency window: `window_latency` (exact, from the raw rows); baseline: the
    naive exact query, percentile_cont per problem over every row of the window;
  * a 90-day latency window: `window_latency` (merged daily rollups and the ragged ends);
    baseline: the same naive exact query over 90 days of raw rows.

Before timing, each fast path is checked against its baseline on the same data: equal (to
1e-9) where both are exact, within 1% for the histogram path. Targets are printed with
whether they were met; nothing is asserted on time.

    .venv/bin/python -m bench.metrics [--rows 300000] [--repeat 7]

Smoke run: .venv/bin/python -m bench.metrics --rows 3000 --repeat 2 --days 35
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from appliance import db, migrate
from appliance.accounts.users import User
from appliance.metrics import collect, latency, routes
from appliance.metrics.collect import SETTLE
from appliance.settings import Settings, from_env
from tests import services
from tests.metrics.conftest import Submission, _random_row, insert, make_users

# An hour boundary plus 7.5 minutes: the newest hour has settled, and 15:00 UTC is where a
# Seoul day ends, so the first collection also stores a daily bucket that just closed.
T0 = datetime(2025, 3, 31, 15, 7, 30, tzinfo=UTC)
T1 = T0 + timedelta(hours=1)
PROBLEMS = ("bench-clamp", "bench-parse", "bench-merge", "bench-route")
USERS = 200
CHUNK = 50_000
EXACT_TOLERANCE = 1e-9
HISTOGRAM_TOLERANCE = 0.01
TARGETS_MS = {"timeseries": 50.0, "window_30d": 200.0, "window_90d": 100.0, "collection": 1000.0}
JUDGE_MS = "greatest(extract(epoch FROM s.finished_at - s.started_at) * 1000, 0)::float8"


@dataclass(frozen=True)
class Measure:
    name: str
    what: str
    fast_ms: float
    naive_ms: float
    naive_what: str
    target_ms: float

    @property
    def ratio(self) -> float:
        return self.naive_ms / self.fast_ms

    @property
    def met(self) -> bool:
        return self.fast_ms < self.target_ms


@dataclass(frozen=True)
class Result:
    rows: int
    judged: int
    first_snapshots: int
    first_rollups: int
    steady_snapshots: int
    steady_rollups: int
    checks: dict[str, str]
    measures: dict[str, Measure]


# -- data ------------------------------------------------------------------------------------


def make_problems(conn: db.Connection) -> None:
    """A published version of each problem, by SQL: nothing here is ever judged."""
    for slug in PROBLEMS:
        problem = conn.execute(
            "INSERT INTO problems (slug) VALUES (%s) RETURNING id", (slug,)
        ).fetchone()
        assert problem is not None
        version = conn.execute(
            "INSERT INTO problem_versions (problem_id, number, title, description_md,"
            " difficulty, function_signature, show_golden, wall_seconds, golden_code,"
            " reference_tests, content_hash, status) VALUES (%s, 1, %s, '', 'Easy',"
            " 'def f()', true, 5, '', '', %s, 'published') RETURNING id",
            (problem["id"], slug, slug),
        ).fetchone()
        assert version is not None
        conn.execute(
            "UPDATE problems SET current_version_id = %s WHERE id = %s",
            (version["id"], problem["id"]),
        )


def generate(conn: db.Connection, rows: int, days: int, now: datetime, seed: int = 8) -> int:
    """COPY `rows` submissions created over the `days` days before `now`, in chunks; the
    number of them that were judged (the rest would finish after `now`)."""
    rng = random.Random(seed)
    users = make_users(conn, USERS)
    span_us = days * 24 * 3600 * 10**6
    judged = 0
    for first in range(0, rows, CHUNK):
        chunk: list[Submission] = [
            _random_row(rng, now, span_us, users, list(PROBLEMS))
            for _ in range(min(CHUNK, rows - first))
        ]
        insert(conn, chunk)
        judged += sum(1 for row in chunk if row.judged)
    conn.execute("VACUUM ANALYZE submissions")
    return judged


# -- timing ----------------------------------------------------------------------------------


def median_ms(
    work: Callable[[], object], repeat: int, before: Callable[[], object] | None = None
) -> float:
    """The median wall time of `work` over `repeat` runs after one untimed warm-up run;
    `before`, untimed, runs ahead of each."""
    times = []
    for run in range(repeat + 1):
        if before is not None:
            before()
        started = time.perf_counter()
        work()
        if run:
            times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def no_sleep(_: float) -> None:
    """A retry would mean a failure; the bench checks there were none."""


# -- the fast paths and their naive baselines ------------------------------------------------


def timeseries(conn: db.Connection, settings: Settings, start: datetime, end: datetime) -> Any:
    admin = User(0, "bench-admin", "admin")
    return routes.timeseries.fn(admin, conn, settings, "judge_duration_p95", "hourly", start, end)


def naive_timeseries(
    conn: db.Connection, start: datetime, end: datetime
) -> list[tuple[datetime, float | None]]:
    """Every UTC hour's p95 judge duration from the raw rows, null for an hour without any."""
    rows = conn.execute(
        "SELECT h.at, p.p95 FROM generate_series(%(start)s::timestamptz,"
        " %(end)s::timestamptz - interval '1 hour', interval '1 hour') AS h(at)"
        " LEFT JOIN (SELECT date_trunc('hour', s.finished_at, 'UTC') AS at,"
        f" percentile_cont(0.95) WITHIN GROUP (ORDER BY {JUDGE_MS}) AS p95"
        " FROM submissions s WHERE s.finished_at >= %(start)s AND s.finished_at < %(end)s"
        " AND s.started_at IS NOT NULL GROUP BY 1) p ON p.at = h.at ORDER BY h.at",
        {"start": start, "end": end},
    ).fetchall()
    return [(row["at"], row["p95"]) for row in rows]


def naive_window(conn: db.Connection, start: datetime, end: datetime) -> dict[str, Any]:
    """Per problem: p50, p95, p99, count and newest finish, from every raw row of the window."""
    rows = conn.execute(
        "SELECT p.slug, percentile_cont(ARRAY[0.5, 0.95, 0.99]) WITHIN GROUP"
        f" (ORDER BY {JUDGE_MS}) AS q, count(*) AS n, max(s.finished_at) AS newest_at"
        " FROM submissions s JOIN problem_versions v ON v.id = s.version_id"
        " JOIN problems p ON p.id = v.problem_id"
        " WHERE s.finished_at >= %(start)s AND s.finished_at < %(end)s"
        " AND s.started_at IS NOT NULL GROUP BY p.slug",
        {"start": start, "end": end},
    ).fetchall()
    return {row["slug"]: (*row["q"], row["n"], row["newest_at"]) for row in rows}


def steady_collection(conn: db.Connection, settings: Settings) -> tuple[int, int]:
    clock = Clock(T1)
    snapshots = collect.snapshot_job(conn, settings, clock, no_sleep)
    return snapshots, collect.latency_job(conn, settings, clock)


def undo_steady_collection(conn: db.Connection) -> None:
    """Back to the state the first collection left: what the steady run wrote, deleted
    (its rollups of the hour and day in progress at T0 are then missing rather than out of
    date, which the run treats the same: rolled up again from their rows), and its record
    in job_runs, so the last run is the one at T0 again."""
    conn.execute("DELETE FROM metric_snapshots WHERE collected_at = %s", (T1,))
    conn.execute("DELETE FROM latency_rollups WHERE collected_at = %s", (T1,))
    conn.execute("DELETE FROM job_runs WHERE started_at = %s", (T1,))


# -- cross-checks ------------------------------------------------------------------------------


def close(a: float | None, b: float | None, tolerance: float) -> bool:
    if a is None or b is None:
        return a is b
    return abs(a - b) <= tolerance * max(abs(a), abs(b))


def relative_error(a: float | None, b: float | None) -> float:
    if a is None or b is None or a == b:
        return 0.0
    return abs(a - b) / max(abs(a), abs(b))


def check_timeseries(fast: Any, naive: list[tuple[datetime, float | None]]) -> str:
    points = [(p.bucket_start, p.value) for p in fast.points]
    if [at for at, _ in points] != [at for at, _ in naive]:
        sys.exit("timeseries: the fast path and the baseline have different hours")
    bad = [
        (at, a, b) for (at, a), (_, b) in zip(points, naive, strict=True) if not close(a, b, 1e-9)
    ]
    if bad or not all(p.collected for p in fast.points):
        sys.exit(f"timeseries: fast and naive p95 differ in {len(bad)} hours, e.g. {bad[:3]}")
    idle = sum(1 for _, value in points if value is None)
    return f"equal in all {len(points)} hours ({idle} idle: null in both)"


def check_window(fast: list[latency.KeyLatency], naive: dict[str, Any], tolerance: float) -> str:
    worst = 0.0
    for item in fast:
        p = item.percentiles
        *exact, n, newest = naive.get(item.key, (None, None, None, 0, None))
        pairs = list(zip((p.p50, p.p95, p.p99), exact, strict=True))
        if p.count != n or item.newest_at != newest:
            sys.exit(f"window: {item.key} has {p.count} rows to {n}, newest {item.newest_at}")
        if not all(close(a, b, tolerance) for a, b in pairs):
            sys.exit(f"window: {item.key} p50/p95/p99 against the exact ones: {pairs}")
        worst = max(worst, *(relative_error(a, b) for a, b in pairs))
    if {item.key for item in fast if item.percentiles.count} != set(naive):
        sys.exit(f"window: keys {[i.key for i in fast]} against {sorted(naive)}")
    rows = sum(item.percentiles.count for item in fast)
    return f"{len(fast)} keys, {rows:,} rows, largest relative difference {worst:.2e}"


# -- the run -----------------------------------------------------------------------------------


def parse(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="metrics history and latency benchmark")
    parser.add_argument("--rows", type=int, default=300_000, help="submissions to generate")
    parser.add_argument("--repeat", type=int, default=7, help="timed runs of each measure")
    parser.add_argument(
        "--days", type=int, default=90, help="days of history (and of hourly retention)"
    )
    args = parser.parse_args(argv)
    if args.rows < 1 or args.repeat < 1 or args.days < 31:
        parser.error("--rows and --repeat are at least 1, --days at least 31")
    return args


def main(argv: Sequence[str] | None = None) -> Result:
    args = parse(argv)
    with services.postgres() as url, db.connect(url) as conn:
        migrate.apply_all(conn)
        return run(conn, url, args)


def run(conn: db.Connection, url: str, args: argparse.Namespace) -> Result:
    settings = from_env(
        {
            "ARENA_DATABASE_URL": url,
            "ARENA_REDIS_URL": "redis://127.0.0.1:1/0",  # never used here
            "ARENA_DATA_DIR": "/nonexistent-bench-data-dir",
            "ARENA_TIMEZONE": "Asia/Seoul",
            "ARENA_METRICS_HOURLY_RETENTION_DAYS": str(args.days),
        }
    )
    version = conn.execute("SHOW server_version").fetchone()
    print(
        f"metrics bench: {args.rows:,} submissions over {args.days} days, {len(PROBLEMS)}"
        f" problems, {USERS} users; throwaway PostgreSQL {version['server_version'] if version else '?'};"
        f" hourly kept {args.days} days, daily 90, display zone {settings.timezone.key};"
        f" median of {args.repeat} warm runs each"
    )
    started = time.perf_counter()
    make_problems(conn)
    judged = generate(conn, args.rows, args.days, T1)
    print(f"generated and copied in {time.perf_counter() - started:.1f} s: {judged:,} judged")

    # The first full collection at T0: every bucket from scratch (the collection baseline).
    clock = Clock(T0)
    started = time.perf_counter()
    first_snapshots = collect.snapshot_job(conn, settings, clock, no_sleep)
    snapshots_s = time.perf_counter() - started
    started = time.perf_counter()
    first_rollups = collect.latency_job(conn, settings, clock)
    rollups_s = time.perf_counter() - started
    first_ms = (snapshots_s + rollups_s) * 1000
    print(
        f"first full collection at T0: {first_snapshots:,} snapshots in {snapshots_s:.2f} s"
        f" + {first_rollups:,} latency rollups in {rollups_s:.2f} s = {first_ms / 1000:.2f} s"
    )

    # Steady state at T1: the newest hour. Its result is checked, then it is timed.
    steady_snapshots, steady_rollups = steady_collection(conn, settings)
    failures = conn.execute("SELECT count(*) AS n FROM metric_collection_failures").fetchone()
    if failures is None or failures["n"]:
        sys.exit(f"collection failures: {failures}")
    collection_ms = median_ms(
        lambda: steady_collection(conn, settings),
        args.repeat,
        before=lambda: undo_steady_collection(conn),
    )

    hour = T1.replace(minute=0, second=0, microsecond=0)
    series_span = (hour - timedelta(days=30), hour)
    checks = {
        "timeseries": check_timeseries(
            timeseries(conn, settings, *series_span), naive_timeseries(conn, *series_span)
        ),
        "window_30d": check_window(
            latency.window_latency(conn, T1, timedelta(days=30)),
            naive_window(conn, T1 - timedelta(days=30), T1),
            EXACT_TOLERANCE,
        ),
        "window_90d": check_window(
            latency.window_latency(conn, T1, timedelta(days=90)),
            naive_window(conn, T1 - timedelta(days=90), T1),
            HISTOGRAM_TOLERANCE,
        ),
    }
    print("cross-checks, fast path against the naive exact query on the same data:")
    print(f"  timeseries p95, 30 days hourly: {checks['timeseries']}")
    print(f"  30-day window (exact): {checks['window_30d']}")
    print(f"  90-day window (rollups, within 1%): {checks['window_90d']}")

    repeat = args.repeat
    measures = {
        "timeseries": Measure(
            "timeseries",
            "timeseries p95, 30 days hourly (route handler)",
            median_ms(lambda: timeseries(conn, settings, *series_span), repeat),
            median_ms(lambda: naive_timeseries(conn, *series_span), repeat),
            "p95 per hour from raw rows",
            TARGETS_MS["timeseries"],
        ),
        "window_30d": Measure(
            "window_30d",
            "30-day latency window (window_latency, exact)",
            median_ms(lambda: latency.window_latency(conn, T1, timedelta(days=30)), repeat),
            median_ms(lambda: naive_window(conn, T1 - timedelta(days=30), T1), repeat),
            "percentile_cont per problem, 30 days of rows",
            TARGETS_MS["window_30d"],
        ),
        "window_90d": Measure(
            "window_90d",
            "90-day latency window (window_latency, rollups)",
            median_ms(lambda: latency.window_latency(conn, T1, timedelta(days=90)), repeat),
            median_ms(lambda: naive_window(conn, T1 - timedelta(days=90), T1), repeat),
            "percentile_cont per problem, 90 days of rows",
            TARGETS_MS["window_90d"],
        ),
        "collection": Measure(
            "collection",
            "collection, newest hour (snapshot_job + latency_job)",
            collection_ms,
            first_ms,
            "first full collection, every bucket (1 run)",
            TARGETS_MS["collection"],
        ),
    }
    print(
        f"steady collection at T1 = T0 + 1 h: {steady_snapshots} snapshots,"
        f" {steady_rollups} latency rollups (settle {SETTLE.seconds} s)"
    )
    print(f"median of {repeat} warm runs (the machine is shared: numbers are noisy):")
    for m in measures.values():
        verdict = "met" if m.met else "MISSED"
        print(
            f"  {m.what}: {m.fast_ms:.1f} ms; baseline ({m.naive_what}): {m.naive_ms:.1f} ms;"
            f" ratio {m.ratio:.1f}x; target < {m.target_ms:.0f} ms: {verdict}"
        )
    return Result(
        args.rows,
        judged,
        first_snapshots,
        first_rollups,
        steady_snapshots,
        steady_rollups,
        checks,
        measures,
    )


if __name__ == "__main__":
    main()
