"""Read latency under judging load, and a burst of submissions past the backlog limit.

Starts a real appliance on this host: throwaway PostgreSQL and Redis (tests/services.py),
the catalog imported through `python -m appliance catalog import` (validated by the real
judge), the API under uvicorn (`python -m appliance api`, its production process count),
two workers and the scheduler (tests/programs.py). Then measures:
  * idle: --readers concurrent learners, each with its own token, loop over
    GET /api/v1/problems, GET /api/v1/problems/{slug} and GET /api/v1/submissions (their
    own) for --seconds with no judging going on: the baseline;
  * loaded: the same readers while the two workers judge a steady stream of honest
    submissions (the problem's reference suite) to the cheapest catalog problem; read
    p50/p95/p99, the ratio loaded / idle, judge throughput; the target (issue 7, item 6)
    is a read p95 under 25 ms with judging going on, printed, not asserted;
  * burst: --burst submissions from --burst-users learners at once, with the backlog limit
    ARENA_MAX_PENDING=--max-pending and a rate limit out of the way: 202s and 503s, every
    503 with Retry-After, every accepted submission terminal (counted in PostgreSQL, none
    lost), and the RSS of every appliance process before and after (flat).

Each reader pauses --think-ms (exponentially distributed, mean) between requests, as people
do; --think-ms 0 is a saturation run where latency is set by the readers' count over the
throughput. The readers run in this process and share the machine's cores with the
appliance: the client's own CPU use is printed with each phase.

Before the phases every reader gets --history finished submissions of their own, written
straight into PostgreSQL (a fixture: "own submissions" is a full page in both phases).

    .venv/bin/python -m bench.load [--readers 50] [--seconds 60] [--burst 1000]

Smoke run: .venv/bin/python -m bench.load --readers 5 --seconds 5 --burst 30 --max-pending 10
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from appliance import db, migrate
from appliance.accounts.users import create_user
from appliance.settings import Settings, from_env
from tests import services
from tests.programs import appliance_programs, wait_for

ROOT = Path(__file__).resolve().parent.parent
CATALOG = ROOT / "catalog"
JUDGE_IMAGE = os.environ.get("ARENA_JUDGE_IMAGE", "arena/judge:latest")
TERMINAL = ("SUCCESS", "FAILURE", "ERROR")
TARGET_P95_MS = 25.0
# Memory counts as flat when no program's RSS grew by more than this share.
FLAT_SHARE = 0.10
ENDPOINTS = ("GET /api/v1/problems", "GET /api/v1/problems/{slug}", "GET /api/v1/submissions")


# -- numbers ------------------------------------------------------------------------------


def percentile(values: Sequence[float], share: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


@dataclass(frozen=True)
class Latency:
    count: int
    p50_ms: float
    p95_ms: float
    p99_ms: float

    @staticmethod
    def of(seconds: Sequence[float]) -> Latency:
        ms = [s * 1000 for s in seconds]
        return Latency(len(ms), percentile(ms, 0.5), percentile(ms, 0.95), percentile(ms, 0.99))

    def line(self) -> str:
        return f"p50 {self.p50_ms:.1f} ms, p95 {self.p95_ms:.1f} ms, p99 {self.p99_ms:.1f} ms"


@dataclass(frozen=True)
class Phase:
    name: str
    seconds: float
    reads: Latency
    by_endpoint: dict[str, Latency]
    errors: int
    client_cpu_share: float  # of one core, this process (the readers)
    api_cpu_ms_per_read: float  # CPU time of the API's processes over the reads served

    @property
    def per_second(self) -> float:
        return self.reads.count / self.seconds


@dataclass(frozen=True)
class Burst:
    sent: int
    seconds: float
    accepted: int  # 202
    refused: int  # 503
    other: dict[int, int]  # any other status; 0 when no answer came within the timeout
    refused_without_retry_after: int
    accepted_terminal: int  # accepted ids found in PostgreSQL in a terminal status
    rows_created: int  # every submission row written since the burst began
    rows_terminal: int
    statuses: dict[str, int]  # of the rows created
    wait_seconds: float

    @property
    def unacknowledged(self) -> int:
        """Rows stored although their client got no 202 (it timed out, say)."""
        return self.rows_created - self.accepted

    @property
    def none_lost(self) -> bool:
        return self.accepted_terminal == self.accepted and self.rows_terminal == self.rows_created


@dataclass(frozen=True)
class Memory:
    """VmRSS in kB of every process of each appliance program (its session)."""

    processes: dict[str, list[int]]

    def total_kb(self, program: str) -> int:
        return sum(self.processes.get(program, []))


@dataclass(frozen=True)
class LoadResult:
    idle: Phase
    loaded: Phase
    judged: int
    judged_seconds: float
    burst: Burst
    memory_before: Memory
    memory_after: Memory

    @property
    def throughput_per_minute(self) -> float:
        return self.judged / self.judged_seconds * 60 if self.judged_seconds else 0.0

    @property
    def target_met(self) -> bool:
        return self.loaded.reads.p95_ms < TARGET_P95_MS

    @property
    def none_lost(self) -> bool:
        return self.burst.none_lost

    @property
    def memory_flat(self) -> bool:
        return all(
            self.memory_after.total_kb(p) <= self.memory_before.total_kb(p) * (1 + FLAT_SHARE)
            for p in self.memory_before.processes
        )


# -- the appliance --------------------------------------------------------------------------


@dataclass
class Appliance:
    base: str
    database_url: str
    settings: Settings
    programs: dict[str, int]  # name -> pid of its session leader
    slugs: list[str]
    judged_slug: str
    judged_suite: str
    learners: list[tuple[int, str]] = field(default_factory=list)  # (user id, token)


def cheapest_problem(folders: Sequence[Path]) -> Path:
    """The problem judged most cheaply: fewest mutants (each is one run), smallest suite."""
    return min(
        folders,
        key=lambda f: (
            len(list((f / "mutants").iterdir())),
            (f / "reference_test.py").stat().st_size,
        ),
    )


def choose_catalog(count: int) -> tuple[list[Path], Path]:
    folders = sorted(p.parent for p in CATALOG.glob("*/problem.toml"))
    judged = cheapest_problem(folders)
    others = [f for f in folders if f != judged]
    return [judged, *others[: max(0, count - 1)]], judged


def import_catalog(folders: Sequence[Path], workdir: Path, env: dict[str, str]) -> None:
    """The operators' path: `python -m appliance catalog import DIR` (validates in Docker)."""
    chosen = workdir / "catalog"
    for folder in folders:
        shutil.copytree(folder, chosen / folder.name)
    done = subprocess.run(
        [sys.executable, "-m", "appliance", "catalog", "import", str(chosen)],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"catalog import failed:\n{done.stdout}\n{done.stderr[-3000:]}")


def seed_history(conn: db.Connection, user_ids: Sequence[int], slug: str, per_user: int) -> None:
    """`per_user` finished submissions for each user, straight into PostgreSQL."""
    conn.execute(
        "INSERT INTO submissions (user_id, version_id, code, code_sha256, status, score,"
        " attempts, created_at, started_at, finished_at)"
        " SELECT u, p.current_version_id, '# history', repeat('0', 64), 'SUCCESS', 100, 1,"
        "  now() - make_interval(mins => n), now() - make_interval(mins => n),"
        "  now() - make_interval(mins => n)"
        " FROM unnest(%s::bigint[]) AS u, generate_series(1, %s) AS n, problems p"
        " WHERE p.slug = %s",
        (list(user_ids), per_user, slug),
    )


@contextmanager
def api_process(env: dict[str, str], log: Path) -> Iterator[subprocess.Popen[bytes]]:
    """`python -m appliance api` on 127.0.0.1, in its own session (uvicorn's worker
    processes with it), ended with SIGTERM to the whole session."""
    with open(log, "ab") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "appliance", "api", "--host", "127.0.0.1"],
            env=env,
            start_new_session=True,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        yield process
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=30)


def healthy(base: str) -> bool:
    try:
        response = httpx.get(base + "/readyz", timeout=3)
    except httpx.HTTPError:
        return False
    return response.status_code == 200 and response.json().get("status") == "healthy"


@contextmanager
def appliance(args: argparse.Namespace, workdir: Path) -> Iterator[Appliance]:
    with ExitStack() as stack:
        pg_url = stack.enter_context(services.postgres())
        redis_url = stack.enter_context(services.redis_server(workdir))
        with db.connect(pg_url) as admin:
            admin.execute("CREATE DATABASE arena")
        url = pg_url.rsplit("/", 1)[0] + "/arena"
        port = services.free_port()
        extra = {
            "ARENA_API_PORT": str(port),
            "ARENA_API_WORKERS": str(args.api_workers),
            "ARENA_RATE_LIMIT_PER_MINUTE": "1000000",
            "ARENA_MAX_PENDING": str(args.max_pending),
            "ARENA_DATA_DIR": str(workdir / "data"),
        }
        env = {
            **os.environ,
            "ARENA_DATABASE_URL": url,
            "ARENA_REDIS_URL": redis_url,
            "ARENA_JUDGE_IMAGE": JUDGE_IMAGE,
            **extra,
        }
        settings = from_env(env)
        with db.connect(url) as conn:
            migrate.apply_all(conn)
        folders, judged = choose_catalog(args.problems)
        started = time.monotonic()
        import_catalog(folders, workdir, env)
        say(
            f"setup: {len(folders)} catalog problems imported and validated in "
            f"{time.monotonic() - started:.0f} s; judged: {judged.name}"
        )
        with db.connect(url) as conn:
            learners = []
            for i in range(max(args.readers, args.burst_users)):
                user, token = create_user(conn, f"learner{i}", "learner")
                learners.append((user.id, token))
            seed_history(conn, [u for u, _ in learners[: args.readers]], judged.name, args.history)
            conn.execute("DELETE FROM workers")  # the importer's heartbeat row
        logs = args.logs or workdir
        logs.mkdir(parents=True, exist_ok=True)
        start = stack.enter_context(appliance_programs(settings, logs, **extra))
        workers = [start("worker") for _ in range(args.workers)]
        scheduler = start("scheduler")
        api = stack.enter_context(api_process(env, logs / "api.log"))
        base = f"http://127.0.0.1:{port}"
        try:
            wait_for(lambda: healthy(base), 120, "the appliance to be healthy")
        except AssertionError:
            say((logs / "api.log").read_text()[-3000:])
            raise
        programs = {"api": api.pid, "scheduler": scheduler.pid}
        programs.update({f"worker-{i + 1}": w.pid for i, w in enumerate(workers)})
        yield Appliance(
            base=base,
            database_url=url,
            settings=settings,
            programs=programs,
            slugs=[f.name for f in folders],
            judged_slug=judged.name,
            judged_suite=(judged / "reference_test.py").read_text(),
            learners=learners,
        )


# -- readers --------------------------------------------------------------------------------


def read_loop(
    app: Appliance, token: str, until: float, think_s: float, seed: int
) -> tuple[dict[str, list[float]], int]:
    """One reader: the three reads in turn until `until`; latencies by endpoint, errors."""
    rng = random.Random(seed)
    samples: dict[str, list[float]] = {name: [] for name in ENDPOINTS}
    errors = 0
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=app.base, headers=headers, timeout=30) as client:
        time.sleep(rng.uniform(0, max(think_s, 0.05)))  # do not start in lockstep
        step = 0
        while time.monotonic() < until:
            name = ENDPOINTS[step % len(ENDPOINTS)]
            step += 1
            path = {
                ENDPOINTS[0]: "/api/v1/problems",
                ENDPOINTS[1]: f"/api/v1/problems/{rng.choice(app.slugs)}",
                ENDPOINTS[2]: "/api/v1/submissions",
            }[name]
            started = time.perf_counter()
            try:
                response = client.get(path)
                ok = response.status_code == 200
            except httpx.HTTPError:
                ok = False
            elapsed = time.perf_counter() - started
            if ok:
                samples[name].append(elapsed)
            else:
                errors += 1
            if think_s > 0:
                time.sleep(rng.expovariate(1 / think_s))
    return samples, errors


def read_phase(app: Appliance, name: str, readers: int, seconds: float, think_s: float) -> Phase:
    tokens = [token for _, token in app.learners[:readers]]
    api_cpu_started = session_cpu_s(app.programs["api"])
    cpu_started, started = time.process_time(), time.monotonic()
    until = started + seconds
    with ThreadPoolExecutor(max_workers=readers) as pool:
        futures = [
            pool.submit(read_loop, app, token, until, think_s, i) for i, token in enumerate(tokens)
        ]
        results = [f.result() for f in futures]
    wall = time.monotonic() - started
    cpu = time.process_time() - cpu_started
    api_cpu = session_cpu_s(app.programs["api"]) - api_cpu_started
    merged: dict[str, list[float]] = {n: [] for n in ENDPOINTS}
    for samples, _ in results:
        for n, values in samples.items():
            merged[n].extend(values)
    reads = Latency.of([v for values in merged.values() for v in values])
    return Phase(
        name=name,
        seconds=wall,
        reads=reads,
        by_endpoint={n: Latency.of(values) for n, values in merged.items()},
        errors=sum(e for _, e in results),
        client_cpu_share=cpu / wall,
        api_cpu_ms_per_read=api_cpu * 1000 / max(1, reads.count),
    )


# -- judging --------------------------------------------------------------------------------


def unfinished(conn: db.Connection) -> int:
    row = conn.execute(
        "SELECT count(*) AS n FROM submissions WHERE status IN ('PENDING', 'RUNNING')"
    ).fetchone()
    return int(row["n"]) if row else 0


def db_now(conn: db.Connection) -> object:
    row = conn.execute("SELECT now() AS t").fetchone()
    assert row is not None
    return row["t"]


def judged_since(conn: db.Connection, start: object) -> int:
    row = conn.execute(
        "SELECT count(*) AS n FROM submissions WHERE finished_at >= %s", (start,)
    ).fetchone()
    return int(row["n"]) if row else 0


def finished_between(conn: db.Connection, start: object, end: object) -> int:
    row = conn.execute(
        "SELECT count(*) AS n FROM submissions WHERE finished_at >= %s AND finished_at < %s",
        (start, end),
    ).fetchone()
    return int(row["n"]) if row else 0


def submit(client: httpx.Client, token: str, slug: str, code: str) -> httpx.Response:
    return client.post(
        "/api/v1/submissions",
        json={"problem": slug, "code": code},
        headers={"Authorization": f"Bearer {token}"},
    )


class SteadyStream:
    """Keeps `in_flight` submissions PENDING or RUNNING, so both workers always have one
    to judge and one waiting, from the readers' own accounts in turn."""

    def __init__(self, app: Appliance, in_flight: int) -> None:
        self.app, self.in_flight = app, in_flight
        self.stop = threading.Event()
        self.sent = 0
        self.failures: list[str] = []
        self.thread = threading.Thread(target=self._run, name="steady-stream", daemon=True)

    def _run(self) -> None:
        tokens = [token for _, token in self.app.learners]
        with (
            db.connect(self.app.database_url) as conn,
            httpx.Client(base_url=self.app.base, timeout=30) as client,
        ):
            while not self.stop.is_set():
                if unfinished(conn) >= self.in_flight:
                    self.stop.wait(0.1)
                    continue
                code = self.app.judged_suite + f"\n# steady {self.sent}\n"
                token = tokens[self.sent % len(tokens)]
                self.sent += 1
                try:
                    response = submit(client, token, self.app.judged_slug, code)
                except httpx.HTTPError as exc:
                    self.failures.append(f"no answer: {exc!r}")
                    continue
                if response.status_code != 202:
                    self.failures.append(f"{response.status_code} {response.text[:200]}")
                    self.stop.wait(1)

    def __enter__(self) -> SteadyStream:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.thread.join(timeout=60)


def wait_idle(conn: db.Connection, timeout_s: float) -> None:
    wait_for(lambda: unfinished(conn) == 0, timeout_s, "every submission to be judged")


# -- the burst ------------------------------------------------------------------------------


def burst(app: Appliance, args: argparse.Namespace) -> Burst:
    tokens = [token for _, token in app.learners[: args.burst_users]]
    limits = httpx.Limits(max_connections=args.burst_concurrency)
    with (
        db.connect(app.database_url) as conn,
        httpx.Client(base_url=app.base, timeout=60, limits=limits) as client,
    ):
        began = db_now(conn)

        def one(i: int) -> tuple[int, str | None, str | None]:
            """(HTTP status, or 0 when no answer came in time; Retry-After; id if accepted)"""
            code = app.judged_suite + f"\n# burst {i}\n"
            try:
                response = submit(client, tokens[i % len(tokens)], app.judged_slug, code)
            except httpx.HTTPError:
                return 0, None, None
            submission_id = response.json().get("id") if response.status_code == 202 else None
            return response.status_code, response.headers.get("retry-after"), submission_id

        started = time.monotonic()
        with ThreadPoolExecutor(max_workers=args.burst_concurrency) as pool:
            answers = list(pool.map(one, range(args.burst)))
        sent_s = time.monotonic() - started
        accepted = [sid for code, _, sid in answers if code == 202 and sid]
        refused = [retry for code, retry, _ in answers if code == 503]
        other: dict[int, int] = {}
        for code, _, _ in answers:
            if code not in (202, 503):
                other[code] = other.get(code, 0) + 1
        without = sum(1 for retry in refused if retry is None or not retry.isdigit())

        def created() -> dict[str, int]:
            rows = conn.execute(
                "SELECT status, count(*) AS n FROM submissions WHERE created_at >= %s"
                " GROUP BY status",
                (began,),
            ).fetchall()
            return {row["status"]: int(row["n"]) for row in rows}

        waited = last_said = time.monotonic()
        while True:
            statuses = created()
            rows, done = sum(statuses.values()), sum(statuses.get(s, 0) for s in TERMINAL)
            if done == rows or time.monotonic() - waited > args.burst_timeout:
                break
            if time.monotonic() - last_said > 30:
                say(f"    burst: {done} of {rows} stored submissions terminal")
                last_said = time.monotonic()
            time.sleep(1)
        row = conn.execute(
            "SELECT count(*) AS n FROM submissions WHERE id = ANY(%s::uuid[])"
            " AND status IN ('SUCCESS', 'FAILURE', 'ERROR')",
            (accepted,),
        ).fetchone()
    return Burst(
        sent=args.burst,
        seconds=sent_s,
        accepted=len(accepted),
        refused=len(refused),
        other=other,
        refused_without_retry_after=without,
        accepted_terminal=int(row["n"]) if row else 0,
        rows_created=rows,
        rows_terminal=done,
        statuses=statuses,
        wait_seconds=time.monotonic() - waited,
    )


# -- memory -----------------------------------------------------------------------------------


def session_rss(session: int) -> list[int]:
    """VmRSS (kB) of every process in the session `session` (a program and its children)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            if int(stat.rsplit(")", 1)[1].split()[3]) != session:
                continue
            status = (entry / "status").read_text()
        except (OSError, IndexError, ValueError):
            continue  # gone meanwhile
        for line in status.splitlines():
            if line.startswith("VmRSS:"):
                found.append(int(line.split()[1]))
    return sorted(found, reverse=True)


def session_cpu_s(session: int) -> float:
    """User and system CPU time (s) of the processes now in the session `session`."""
    ticks = 0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(fields[3]) == session:
            ticks += int(fields[11]) + int(fields[12])  # utime, stime
    return ticks / os.sysconf("SC_CLK_TCK")


def memory(app: Appliance) -> Memory:
    return Memory({name: session_rss(pid) for name, pid in app.programs.items()})


# -- output -----------------------------------------------------------------------------------


def say(line: str) -> None:
    print(line, flush=True)


def print_phase(phase: Phase, readers: int, think_ms: float) -> None:
    say(
        f"{phase.name}: {readers} readers, think {think_ms:.0f} ms, {phase.seconds:.0f} s: "
        f"{phase.reads.count} reads ({phase.per_second:.0f}/s), {phase.reads.line()}, "
        f"errors {phase.errors}"
    )
    say(
        f"    CPU: API {phase.api_cpu_ms_per_read:.2f} ms per read; the readers (this process) "
        f"{phase.client_cpu_share:.0%} of a core"
    )
    for name, latency in phase.by_endpoint.items():
        say(f"    {name:<30} {latency.count:>7} reads, {latency.line()}")
    if phase.errors:
        say(f"    {phase.errors} reads failed (no answer in 30 s, or not 200): see the API's log")


def ratio(a: float, b: float) -> str:
    return f"{a / b:.2f}x" if b > 0 else "n/a"


def print_memory(before: Memory, after: Memory) -> None:
    for name in before.processes:
        b, a = before.total_kb(name), after.total_kb(name)
        change = (a - b) / b if b else 0.0
        say(
            f"    {name:<10} ({len(after.processes.get(name, []))} processes): "
            f"{b / 1024:.1f} MB -> {a / 1024:.1f} MB ({change:+.1%})"
        )


# -- main ---------------------------------------------------------------------------------------


def parse(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--readers", type=int, default=50, help="concurrent readers")
    parser.add_argument("--seconds", type=float, default=60, help="length of each read phase")
    parser.add_argument("--think-ms", type=float, default=100, help="mean pause between reads")
    parser.add_argument("--burst", type=int, default=1000, help="submissions in the burst")
    parser.add_argument("--burst-users", type=int, default=10)
    parser.add_argument("--burst-concurrency", type=int, default=20)
    parser.add_argument("--burst-timeout", type=float, default=900, help="s to judge the burst")
    parser.add_argument("--max-pending", type=int, default=300, help="ARENA_MAX_PENDING")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--api-workers", type=int, default=2, help="ARENA_API_WORKERS")
    parser.add_argument("--problems", type=int, default=25, help="catalog problems loaded")
    parser.add_argument("--history", type=int, default=20, help="past submissions per reader")
    parser.add_argument("--in-flight", type=int, default=4, help="steady stream's backlog")
    parser.add_argument("--logs", type=Path, help="keep the programs' logs here")
    return parser.parse_args(argv)


def _terminate(signum: int, frame: object) -> None:
    raise SystemExit(128 + signum)  # so every service started is stopped on the way out


def main(argv: Sequence[str] | None = None) -> LoadResult:
    """Run the bench; its numbers are printed and returned."""
    args = parse(argv)
    if threading.current_thread() is not threading.main_thread():
        return run(args)
    previous = signal.signal(signal.SIGTERM, _terminate)
    try:
        return run(args)
    finally:
        signal.signal(signal.SIGTERM, previous)


def run(args: argparse.Namespace) -> LoadResult:
    think_s = args.think_ms / 1000
    with tempfile.TemporaryDirectory() as scratch, ExitStack() as stack:
        workdir = Path(scratch)
        os.chmod(workdir, 0o755)
        app = stack.enter_context(appliance(args, workdir))
        conn = stack.enter_context(db.connect(app.database_url))
        say(
            f"appliance: API {args.api_workers} processes on {app.base}, {args.workers} workers, "
            f"scheduler; {len(app.slugs)} problems, {args.readers} learners with "
            f"{args.history} past submissions each"
        )
        read_phase(app, "warm-up", args.readers, min(3.0, args.seconds), think_s)
        idle = read_phase(app, "idle (no judging)", args.readers, args.seconds, think_s)
        print_phase(idle, args.readers, args.think_ms)

        began = db_now(conn)
        with SteadyStream(app, args.in_flight) as stream:
            try:
                wait_for(lambda: judged_since(conn, began) > 0, 180, "a first judged submission")
            except AssertionError:
                say("    steady stream: nothing judged within 180 s; measuring anyway")
            start = db_now(conn)
            loaded = read_phase(app, "loaded (judging)", args.readers, args.seconds, think_s)
            end = db_now(conn)
        judged = finished_between(conn, start, end)
        print_phase(loaded, args.readers, args.think_ms)
        say(
            f"ratio loaded / idle: p50 {ratio(loaded.reads.p50_ms, idle.reads.p50_ms)}, "
            f"p95 {ratio(loaded.reads.p95_ms, idle.reads.p95_ms)}, "
            f"p99 {ratio(loaded.reads.p99_ms, idle.reads.p99_ms)}"
        )
        per_minute = judged / loaded.seconds * 60
        say(
            f"judge throughput while reading: {args.workers} workers, {judged} submissions "
            f"({app.judged_slug}) in {loaded.seconds:.0f} s: {per_minute:.1f} per minute"
        )
        if stream.failures:
            say(f"    steady stream refused {len(stream.failures)}: {stream.failures[0]}")
        met = loaded.reads.p95_ms < TARGET_P95_MS
        say(
            f"target read p95 < {TARGET_P95_MS:.0f} ms with judging going on: "
            f"{'met' if met else 'NOT met'} (p95 {loaded.reads.p95_ms:.1f} ms)"
        )

        wait_idle(conn, args.burst_timeout)
        before = memory(app)
        result_burst = burst(app, args)
        time.sleep(2)
        after = memory(app)
        b = result_burst
        say(
            f"burst: {b.sent} submissions from {args.burst_users} learners, "
            f"{args.burst_concurrency} at a time, in {b.seconds:.1f} s "
            f"(ARENA_MAX_PENDING={args.max_pending}): {b.accepted} accepted (202), "
            f"{b.refused} refused (503), other {b.other or 'none'}"
        )
        say(
            f"burst: 503s without a Retry-After header: {b.refused_without_retry_after} "
            f"of {b.refused}"
        )
        states = ", ".join(f"{s} {n}" for s, n in sorted(b.statuses.items()))
        lost = ("yes" if b.accepted else "yes, vacuously (none accepted)") if b.none_lost else "NO"
        say(
            f"burst: {b.accepted_terminal} of {b.accepted} accepted submissions terminal in "
            f"PostgreSQL after {b.wait_seconds:.0f} s; rows stored {b.rows_created} ({states}), "
            f"{b.unacknowledged} without a 202; none lost: {lost}"
        )
        result = LoadResult(idle, loaded, judged, loaded.seconds, b, before, after)
        say("memory (VmRSS of each program, its processes summed), before burst -> after:")
        print_memory(before, after)
        say(
            f"memory flat (no program grew more than {FLAT_SHARE:.0%}): "
            f"{'yes' if result.memory_flat else 'NO'}"
        )
    return result


if __name__ == "__main__":
    main()
