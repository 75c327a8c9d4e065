"""How soon a learner sees their work, in a real browser, with 100,000 submissions in the
database (issue 10, item 8):

(a) first content of the problem page /learn/{slug} and of a result page
    /learn/results/{id}: p50 and max over --loads loads, against the same pages on an empty
    database in the same run; target: under 1 s;
(b) how long after the judge finished a submission its result shows in the open problem
    page: over --live submissions judged by a real worker, from the UPDATE that made the
    submission terminal (and from its commit) to the panel showing it; target: under 0.3 s.
    Beside it, the `arena` client's polling of the API follows the same submissions: the
    ratio is that API-polling client's measured delay over the page's.

Starts a throwaway PostgreSQL (commit timestamps on) and Redis (tests/services.py) and seeds
two databases as bench/console.py does (bench/_console_seed.py): seeded, the catalog and
--submissions submissions of --users people over --days days; empty, the catalog and one
judged submission. In each, the learner (bench/_learner_seed.py) is the owner of the
submission the result page opens, with the problem's reference suite as their draft. The
real console (`python -m ui`) serves each database; headless Chromium logs in through the
form as that learner (bench/_console_browser.py). The live rounds (bench/_learner_live.py)
run on the seeded database with `python -m appliance worker` and `python -m appliance api`
beside the console. Nothing is asserted on time.

    .venv/bin/python -m bench.learner [--submissions 100000] [--loads 5] [--live 10]

Smoke run: .venv/bin/python -m bench.learner --quick
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from appliance import db
from appliance.accounts.users import issue_token
from appliance.settings import from_env
from bench import _learner_live as live
from bench._console_browser import Browser, Load
from bench._console_seed import Seeded, Size, seed
from bench._learner_seed import (
    LEARNER_PASSWORD,
    Learner,
    learner_of,
    note_terminal_updates,
)
from bench.console import Timing, console, loads, settings_for
from tests import services

PAGE_TARGET_MS = 1000.0
LIVE_TARGET_MS = 300.0
PAGES = (("problem page", "/learn/{slug}"), ("result page", "/learn/results/{id}"))
QUICK = {"submissions": 2000, "days": 14, "users": 50, "loads": 2, "live": 3}


@dataclass(frozen=True)
class Database:
    """One database's seeding, its learner, and its pages' loads."""

    seeded: Seeded
    learner: Learner
    timings: dict[str, Timing]
    browser: str


@dataclass(frozen=True)
class Result:
    seeded: Database
    empty: Database
    rounds: list[live.Round]

    @property
    def pages_met(self) -> bool:
        values = [self.seeded.timings[name].p50("content") for name, _ in PAGES]
        return all(v is not None and v < PAGE_TARGET_MS for v in values)

    def delays(self, since: str = "updated") -> list[float]:
        values = (r.delay(r.shown_ms, since) for r in self.rounds if not r.error)
        return [v for v in values if v is not None]

    def polled(self) -> list[float]:
        values = (r.delay(r.polled_ms) for r in self.rounds if not r.error)
        return [v for v in values if v is not None]

    @property
    def live_met(self) -> bool:
        delays = self.delays()
        return bool(delays) and len(delays) == len(self.rounds) and max(delays) < LIVE_TARGET_MS


# -- a database, its console and its browser -------------------------------------------------


def prepare(
    admin_url: str, name: str, redis_url: str, size: Size, folder: Path
) -> tuple[dict[str, str], Seeded, Learner]:
    with db.connect(admin_url) as admin:
        admin.execute(f"CREATE DATABASE {name}")
    url = admin_url.rsplit("/", 1)[0] + "/" + name
    folder.mkdir()
    arena_env = settings_for(url, redis_url, folder, size.days)
    with db.connect(url) as conn:
        data = seed(conn, from_env(arena_env), size, datetime.now(UTC))
        learner = learner_of(conn, data.submission_id, data.problem_slug)
        note_terminal_updates(conn)
    return arena_env, data, learner


def measure_pages(
    base: str, learner: Learner, args: argparse.Namespace, browser: Browser
) -> dict[str, Timing]:
    refused = browser.log_in(base, learner.name, LEARNER_PASSWORD)
    if refused:
        return {name: Timing((Load(error=f"not logged in: {refused}"),)) for name, _ in PAGES}
    return {
        name: loads(
            browser, base + path.format(slug=learner.slug, id=learner.result_id), args.loads
        )
        for name, path in PAGES
    }


def run_empty(admin_url: str, redis_url: str, args: argparse.Namespace, folder: Path) -> Database:
    size = Size(submissions=0, days=args.days, users=0, audit_events=0, detailed_share=1.0)
    arena_env, data, learner = prepare(admin_url, "bench_empty", redis_url, size, folder)
    with console(arena_env, folder) as base:
        browser = Browser(folder / "chromium-profile", args.timeout)
        try:
            timings = measure_pages(base, learner, args, browser)
            return Database(data, learner, timings, browser.version())
        finally:
            browser.close()


def run_seeded(
    admin_url: str, redis_url: str, args: argparse.Namespace, folder: Path
) -> tuple[Database, list[live.Round]]:
    size = Size(args.submissions, args.days, args.users, args.audit, args.detailed)
    arena_env, data, learner = prepare(admin_url, "bench_seeded", redis_url, size, folder)
    with db.connect(arena_env["ARENA_DATABASE_URL"]) as conn:
        _, token = issue_token(conn, learner.user_id)
    with (
        console(arena_env, folder) as base,
        live.worker(arena_env, folder),
        live.api(arena_env, folder) as api_base,
    ):
        browser = Browser(folder / "chromium-profile", args.timeout)
        try:
            timings = measure_pages(base, learner, args, browser)
            poll = (api_base, token) if args.poll else None
            page = f"{base}/learn/{learner.slug}"
            url = arena_env["ARENA_DATABASE_URL"]
            rounds = live.rounds(browser, page, url, args.live, poll, args.timeout)
            return Database(data, learner, timings, browser.version()), rounds
        finally:
            browser.close()


def commit_timestamps(admin_url: str) -> None:
    """The server keeps each transaction's commit time from now on (a restart applies it)."""
    with db.connect(admin_url) as admin:
        admin.execute("ALTER SYSTEM SET track_commit_timestamp = on")
    services.restart_postgres(admin_url)


# -- the run ---------------------------------------------------------------------------------


def parse(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="learner pages and live result benchmark")
    parser.add_argument("--submissions", type=int, default=100_000)
    parser.add_argument("--days", type=int, default=90, help="days of history")
    parser.add_argument("--users", type=int, default=2000)
    parser.add_argument("--audit", type=int, default=1000, help="audit events")
    parser.add_argument(
        "--detailed", type=float, default=0.1, help="share of judged submissions with results"
    )
    parser.add_argument("--loads", type=int, default=5, help="loads of each page")
    parser.add_argument("--live", type=int, default=10, help="submissions judged live")
    parser.add_argument(
        "--no-poll", dest="poll", action="store_false", help="without the arena client's polling"
    )
    parser.add_argument("--timeout", type=float, default=30.0, help="seconds a load may take")
    parser.add_argument("--quick", action="store_true", help="a small run that proves it works")
    args = parser.parse_args(argv)
    if args.quick:
        for key, value in QUICK.items():
            setattr(args, key, value)
    if min(args.submissions, args.users, args.loads, args.live) < 1 or args.days < 2:
        parser.error("--submissions, --users, --loads and --live are at least 1, --days 2")
    return args


def main(argv: Sequence[str] | None = None) -> Result:
    args = parse(argv)
    with (
        tempfile.TemporaryDirectory(prefix="arena-learner-bench-") as tmp,
        services.postgres() as admin_url,
        services.redis_server(Path(tmp)) as redis_url,
    ):
        commit_timestamps(admin_url)
        empty = run_empty(admin_url, redis_url, args, Path(tmp) / "empty")
        seeded, rounds = run_seeded(admin_url, redis_url, args, Path(tmp) / "seeded")
    result = Result(seeded, empty, rounds)
    report(result, args)
    return result


# -- the report ------------------------------------------------------------------------------


def report(result: Result, args: argparse.Namespace) -> None:
    s, learner = result.seeded.seeded, result.seeded.learner
    print(
        f"learner bench: {s.submissions:,} submissions over {args.days} days ({s.judged:,}"
        f" judged, {s.detailed:,} with stored results), {s.problems} catalog problems,"
        f" {s.users:,} users; the learner {learner.name} has {learner.submissions:,} of them;"
        " empty baseline: the catalog and 1 judged submission"
    )
    print(
        f"{result.seeded.browser} headless through selenium, logged in as the learner,"
        f" {args.loads} loads of each page in a row; ms from navigation start to the first"
        " element after the page's title (the machine is shared: numbers are noisy):"
    )
    for name, path in PAGES:
        print(f"  {page_line(result, name, path)}")
    print(
        f"first content of both pages under {PAGE_TARGET_MS:.0f} ms (p50, seeded):"
        f" {'met' if result.pages_met else 'NOT met'}"
    )
    for line in live_lines(result, args):
        print(line)


def page_line(result: Result, name: str, path: str) -> str:
    seeded, empty = result.seeded.timings[name], result.empty.timings[name]
    where = f"{name} ({path})"
    if seeded.error:
        return f"{where}: FAILED to load: {seeded.error}; target: NOT met"
    p50, base = seeded.p50("content"), empty.p50("content")
    ratio = f"{p50 / base:.1f}x" if p50 is not None and base else "n/a"
    baseline = (
        f"failed ({empty.error})"
        if empty.error
        else f"p50 {_ms(base)}, max {_ms(empty.max('content'))}"
    )
    met = "met" if p50 is not None and p50 < PAGE_TARGET_MS else "NOT met"
    return (
        f"{where}: content p50 {_ms(p50)}, max {_ms(seeded.max('content'))};"
        f" first byte p50 {_ms(seeded.p50('first_byte'))}; empty database: {baseline};"
        f" ratio seeded / empty {ratio}; target < {PAGE_TARGET_MS:.0f} ms: {met}"
    )


def live_lines(result: Result, args: argparse.Namespace) -> list[str]:
    rounds = result.rounds
    judged = [r for r in rounds if not r.error]
    lines = [
        f"live result: {len(rounds)} submissions of the reference suite from the problem page,"
        f" judged by a real worker ({len(judged)} shown judged); ms from the judge's terminal"
        " UPDATE (and from its commit) to the frame after the panel changed"
    ]
    lines += [f"  round {i + 1}: FAILED: {r.error}" for i, r in enumerate(rounds) if r.error]
    stale = sum(1 for r in judged if r.first_status in live.TERMINAL)
    if stale:
        lines.append(
            f"  note: {stale} of {len(judged)} times the panel first named the new submission"
            " with the previous one's terminal data-status (not counted as shown)"
        )
    delays, committed = result.delays(), result.delays("committed")
    changed = [v for r in judged if (v := r.delay(r.changed_ms, "committed")) is not None]
    lines.append(
        f"  terminal UPDATE -> shown in the page: {_spread(delays)};"
        f" commit -> shown: {_spread(committed)}; commit -> the panel's DOM changed:"
        f" {_spread(changed)}"
    )
    polled = result.polled()
    if args.poll and polled and delays:
        ratio = statistics.median(polled) / statistics.median(delays)
        lines.append(
            f"  the arena client polling the API (0.2 s growing to 2 s) on the same"
            f" submissions: terminal UPDATE -> seen {_spread(polled)}; ratio polling / page"
            f" (p50) {ratio:.1f}x"
        )
    verdict = "met" if result.live_met else "NOT met"
    lines.append(f"  every result shown under {LIVE_TARGET_MS:.0f} ms (max): {verdict}")
    return lines


def _spread(values: list[float]) -> str:
    if not values:
        return "n/a"
    return f"p50 {statistics.median(values):.0f} ms, max {max(values):.0f} ms (n={len(values)})"


def _ms(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.0f} ms"


if __name__ == "__main__":
    main()
