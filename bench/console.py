"""How soon every console page shows its first content, in a real browser, with 90 days of
metrics and 100,000 submissions in the database (issue 9, item 6); and the same pages on an
empty database in the same run, the baseline.

Starts a throwaway PostgreSQL and Redis (tests/services.py) and seeds two databases
(bench/_console_seed.py):
  * seeded: the catalog's problems published (one with a second version), --users people
    with tokens, --submissions submissions over --days days (the metrics tests' generator,
    COPYed; --detailed of the judged ones with per-variant and per-test results), every
    hourly and daily snapshot of the metrics and every latency rollup from the real
    collector run once at now (hourly kept --days days), --audit audit events;
  * empty: the admin, the catalog and one judged submission (the detail pages need one);
    no history, no metrics collected.
For each database it starts the real console (`python -m ui`, its own process), opens it in
headless Chromium through selenium (bench/_console_browser.py), loads the login page, logs
in through the form as an admin, then loads every page of ui.layout.NAVIGATION, a problem's
detail and a submission's detail, --loads times each, one after the other. A load's times
are from its navigation start: FCP (the browser's first-contentful-paint), heading (the
page title frame() draws is visible), content (the page's own first element after it is
visible too): first content; and first byte (the server's answer began: its share).
Printed per page: p50 and max of each over the loads, the empty database's content p50 and
max, the ratio seeded / empty, and the target (content p50 under 1 s) met or NOT met. A
page that does not load (not built yet, an error, a redirect elsewhere) is reported with
what happened. Nothing is asserted on time.

    .venv/bin/python -m bench.console [--submissions 100000] [--days 90] [--loads 5]

Smoke run: .venv/bin/python -m bench.console --quick
"""

from __future__ import annotations

import argparse
import os
import secrets
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import httpx

from appliance import db
from appliance.settings import from_env
from bench._console_browser import Browser, Load
from bench._console_seed import ADMIN, PASSWORD, Seeded, Size, seed
from tests import services

ROOT = Path(__file__).resolve().parent.parent
TARGET_MS = 1000.0
TIMEZONE = "Asia/Seoul"
JUDGE_IMAGE = os.environ.get("ARENA_JUDGE_IMAGE", "arena/judge:latest")
# Where the detail pages live, with the seeded database's problem and submission.
PROBLEM_PAGE = "/problems/{slug}"
SUBMISSION_PAGE = "/submissions/{submission}"
QUICK = {
    "submissions": 2000,
    "days": 14,
    "users": 50,
    "audit": 500,
    "detailed": 0.2,
    "loads": 2,
}
EMPTY = Size(submissions=0, days=90, users=0, audit_events=0, detailed_share=1.0)


@dataclass(frozen=True)
class PageSpec:
    name: str
    path: str  # may hold {slug} and {submission}, filled per database
    logged_in: bool = True

    def url(self, base: str, data: Seeded) -> str:
        path = self.path.format(slug=data.problem_slug, submission=data.submission_id)
        return base + path


@dataclass(frozen=True)
class Timing:
    """A page's loads on one database; a failed load ends them (the page is broken)."""

    loads: tuple[Load, ...]

    @property
    def error(self) -> str | None:
        failed = [load.error for load in self.loads if load.error]
        return failed[0] if failed else None if self.loads else "not loaded"

    def p50(self, what: str) -> float | None:
        values = self._values(what)
        return statistics.median(values) if values and not self.error else None

    def max(self, what: str) -> float | None:
        values = self._values(what)
        return max(values) if values and not self.error else None

    def _values(self, what: str) -> list[float]:
        values = (getattr(load, f"{what}_ms") for load in self.loads)
        return [v for v in values if v is not None]


@dataclass(frozen=True)
class PageResult:
    page: PageSpec
    seeded: Timing
    empty: Timing

    @property
    def met(self) -> bool:
        p50 = self.seeded.p50("content")
        return p50 is not None and p50 < TARGET_MS

    @property
    def ratio(self) -> float | None:
        seeded, empty = self.seeded.p50("content"), self.empty.p50("content")
        return seeded / empty if seeded is not None and empty else None


@dataclass(frozen=True)
class Result:
    seeded: Seeded
    empty: Seeded
    browser: str
    loads: int
    pages: list[PageResult]

    @property
    def all_met(self) -> bool:
        return all(page.met for page in self.pages)


# -- the pages -------------------------------------------------------------------------------


def page_specs(only: Sequence[str]) -> list[PageSpec]:
    """The login page, every page of the console's header, and the two detail pages;
    `only` keeps those whose path or name it lists."""
    from ui.layout import NAVIGATION  # imports NiceGUI: only when measuring

    specs = [PageSpec("login", "/login", logged_in=False)]
    specs += [PageSpec(key.removeprefix("nav."), path) for path, key, _ in NAVIGATION]
    specs += [
        PageSpec("problem detail", PROBLEM_PAGE),
        PageSpec("submission detail", SUBMISSION_PAGE),
    ]
    return [s for s in specs if not only or s.name in only or s.path in only]


# -- the console process ---------------------------------------------------------------------


def settings_for(database_url: str, redis_url: str, data_dir: Path, days: int) -> dict[str, str]:
    """The ARENA_* environment of the console, and of the bench's own collector run."""
    return {
        "ARENA_DATABASE_URL": database_url,
        "ARENA_REDIS_URL": redis_url,
        "ARENA_DATA_DIR": str(data_dir),
        "ARENA_TIMEZONE": TIMEZONE,
        "ARENA_JUDGE_IMAGE": JUDGE_IMAGE,
        "ARENA_METRICS_HOURLY_RETENTION_DAYS": str(days),
    }


@contextmanager
def console(arena_env: dict[str, str], folder: Path) -> Iterator[str]:
    """`python -m ui` on a free loopback port, as production runs it (no pytest in its
    environment: NiceGUI would not serve); yields its base URL."""
    port = services.free_port()
    inherited = {k: v for k, v in os.environ.items() if not k.startswith(("ARENA_", "PYTEST_"))}
    env = {
        **inherited,
        **arena_env,
        "ARENA_CONSOLE_SECRET": secrets.token_urlsafe(32),
        "ARENA_CONSOLE_PORT": str(port),
        "ARENA_CONSOLE_HOST": "127.0.0.1",
    }
    log = folder / "console.log"
    with open(log, "wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "ui"],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_serving(base, process, log)
        yield base
    finally:
        stop(process)


def wait_until_serving(base: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if process.poll() is not None:
            sys.exit(f"the console exited ({process.returncode}):\n{log.read_text()[-3000:]}")
        try:
            if httpx.get(f"{base}/login", timeout=5).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    sys.exit(f"the console did not serve {base}/login within 90 s:\n{log.read_text()[-3000:]}")


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=30)


# -- measuring -------------------------------------------------------------------------------


def measure(
    base: str, data: Seeded, specs: Sequence[PageSpec], args: argparse.Namespace, folder: Path
) -> tuple[str, dict[str, Timing]]:
    """Each page's loads on the console at `base`: the logged-out pages first, then the
    others after logging in through the form; and the browser's name."""
    browser = Browser(folder / "chromium-profile", args.timeout)
    try:
        timings = {
            s.name: loads(browser, s.url(base, data), args.loads) for s in specs if not s.logged_in
        }
        refused = browser.log_in(base, ADMIN, PASSWORD)
        for spec in (s for s in specs if s.logged_in):
            timings[spec.name] = (
                Timing((Load(error=f"not logged in: {refused}"),))
                if refused
                else loads(browser, spec.url(base, data), args.loads)
            )
        return browser.version(), timings
    finally:
        browser.close()


def loads(browser: Browser, url: str, count: int) -> Timing:
    done: list[Load] = []
    for _ in range(count):
        done.append(browser.load(url))
        if done[-1].error:
            break
    return Timing(tuple(done))


def run_database(
    admin_url: str,
    name: str,
    redis_url: str,
    size: Size,
    specs: Sequence[PageSpec],
    args: argparse.Namespace,
    folder: Path,
    now: datetime,
) -> tuple[Seeded, str, dict[str, Timing]]:
    """Create and seed database `name`, then measure its pages through its own console."""
    with db.connect(admin_url) as admin:
        admin.execute(f"CREATE DATABASE {name}")
    url = admin_url.rsplit("/", 1)[0] + "/" + name
    folder.mkdir()
    arena_env = settings_for(url, redis_url, folder, args.days)
    with db.connect(url) as conn:
        data = seed(conn, from_env(arena_env), size, now)
    with console(arena_env, folder) as base:
        browser, timings = measure(base, data, specs, args, folder)
    return data, browser, timings


# -- the run ---------------------------------------------------------------------------------


def parse(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="console first-content benchmark")
    parser.add_argument("--submissions", type=int, default=100_000)
    parser.add_argument("--days", type=int, default=90, help="days of history and metrics")
    parser.add_argument("--users", type=int, default=2000)
    parser.add_argument("--audit", type=int, default=20_000, help="audit events")
    parser.add_argument(
        "--detailed",
        type=float,
        default=0.1,
        help="share of the judged submissions with per-variant and per-test results",
    )
    parser.add_argument("--loads", type=int, default=5, help="loads of each page")
    parser.add_argument("--timeout", type=float, default=15.0, help="seconds a load may take")
    parser.add_argument("--pages", default="", help="only these pages (paths or names, commas)")
    parser.add_argument(
        "--quick", action="store_true", help="a small run that proves the bench works"
    )
    args = parser.parse_args(argv)
    if args.quick:
        for key, value in QUICK.items():
            setattr(args, key, value)
    if args.submissions < 1 or args.users < 1 or args.loads < 1 or args.days < 2:
        parser.error("--submissions, --users and --loads are at least 1, --days at least 2")
    if not 0 <= args.detailed <= 1 or args.audit < 0:
        parser.error("--detailed is a share between 0 and 1, --audit at least 0")
    return args


def main(argv: Sequence[str] | None = None) -> Result:
    args = parse(argv)
    specs = page_specs([p.strip() for p in args.pages.split(",") if p.strip()])
    now = datetime.now(UTC)
    full = Size(args.submissions, args.days, args.users, args.audit, args.detailed)
    with (
        tempfile.TemporaryDirectory(prefix="arena-console-bench-") as tmp,
        services.postgres() as admin_url,
        services.redis_server(Path(tmp)) as redis_url,
    ):
        folder = Path(tmp)
        empty, _, empty_timings = run_database(
            admin_url, "bench_empty", redis_url, EMPTY, specs, args, folder / "empty", now
        )
        seeded, browser, seeded_timings = run_database(
            admin_url, "bench_seeded", redis_url, full, specs, args, folder / "seeded", now
        )
    pages = [PageResult(s, seeded_timings[s.name], empty_timings[s.name]) for s in specs]
    result = Result(seeded, empty, browser, args.loads, pages)
    report(result, args)
    return result


# -- the report ------------------------------------------------------------------------------


def report(result: Result, args: argparse.Namespace) -> None:
    s = result.seeded
    print(
        f"console bench: {s.submissions:,} submissions over {args.days} days ({s.judged:,}"
        f" judged, {s.detailed:,} with {s.variant_rows:,} variant and {s.test_rows:,} test"
        f" results), {s.problems} catalog problems, {s.users:,} users,"
        f" {s.audit_events:,} audit events, {s.snapshots:,} metric snapshots and"
        f" {s.rollups:,} latency rollups (hourly kept {args.days} days); empty baseline:"
        " the admin, the catalog, 1 judged submission"
    )
    phases = ", ".join(f"{what} {seconds:.1f} s" for what, seconds in s.phases.items())
    print(f"seeded in {sum(s.phases.values()):.1f} s: {phases}")
    print(
        f"{result.browser} headless through selenium, {args.loads} loads of each page in a row"
        f" (a fresh profile per database: the login page's first load has a cold cache),"
        f" display zone {TIMEZONE}, the admin's language Korean; detail pages"
        f" {PROBLEM_PAGE.format(slug=s.problem_slug)} (2 versions) and"
        f" {SUBMISSION_PAGE.format(submission=s.submission_id)}; ms from navigation start"
        " (the machine is shared: numbers are noisy):"
    )
    for page in result.pages:
        print(f"  {page_line(page)}")
    met = sum(page.met for page in result.pages)
    verdict = "met" if result.all_met else "NOT met"
    print(
        f"every page's first content under {TARGET_MS:.0f} ms (content p50, seeded):"
        f" {verdict} ({met} of {len(result.pages)} pages)"
    )


def page_line(page: PageResult) -> str:
    where = f"{page.page.name} ({page.page.path})"
    seeded, empty = page.seeded, page.empty
    if seeded.error:
        baseline = f"empty database: {_times(empty)}"
        return f"{where}: FAILED to load: {seeded.error}; {baseline}; target: NOT met"
    ratio = f"{page.ratio:.1f}x" if page.ratio is not None else "n/a"
    verdict = "met" if page.met else "NOT met"
    return (
        f"{where}: content p50 {_ms(seeded.p50('content'))}, max {_ms(seeded.max('content'))};"
        f" heading p50 {_ms(seeded.p50('heading'))}, max {_ms(seeded.max('heading'))};"
        f" FCP p50 {_ms(seeded.p50('fcp'))}, max {_ms(seeded.max('fcp'))};"
        f" first byte p50 {_ms(seeded.p50('first_byte'))};"
        f" empty database: {_times(empty)}; ratio seeded / empty {ratio};"
        f" target < {TARGET_MS:.0f} ms: {verdict}"
    )


def _times(timing: Timing) -> str:
    if timing.error:
        return f"failed ({timing.error})"
    return f"content p50 {_ms(timing.p50('content'))}, max {_ms(timing.max('content'))}"


def _ms(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.0f} ms"


if __name__ == "__main__":
    main()
