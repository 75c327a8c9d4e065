"""The data behind bench/console.py: a database an operator has run for a while.

The catalog's problems are added and published through the problems feature
(versions.add_version / publish); their validation is written as the judge would have
written it (every mutant killed) instead of run, so no Docker is needed. Submissions come
from the metrics tests' generator (tests/metrics/conftest.py, as bench/metrics.py uses it),
COPYed in; a share of the judged ones get per-variant and per-test results in SQL; then the
real collector runs once at `now`, as a fresh install does, writing every hourly and daily
snapshot and every latency rollup. Users, tokens and audit events are generated in SQL.
"""

from __future__ import annotations

import random
import re
import time
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from appliance import db, migrate
from appliance.accounts.users import create_user, set_password
from appliance.judging.request import GOLDEN_RERUNS, TWINS
from appliance.metrics import collect
from appliance.problems import bundle, queries, versions
from appliance.problems.bundle import ProblemBundle
from appliance.settings import Settings
from appliance.vocabulary import AUDIT_ACTIONS
from bench.metrics import Clock, no_sleep
from tests.metrics.conftest import Submission, _random_row, insert

ROOT = Path(__file__).resolve().parent.parent
CATALOG = ROOT / "catalog"
ADMIN = "bench-admin"
PASSWORD = "bench console password"  # a throwaway database's only admin
CHUNK = 50_000
# The judge's runs of one submission, in the order stored_results.py stores them: golden's
# first run, its reruns, the twins, then the mutants.
GOLDEN_RUNS = 1 + GOLDEN_RERUNS
MUTANT_POSITION = GOLDEN_RUNS + TWINS
GOLDEN_OUTPUT_LINES = 40


@dataclass(frozen=True)
class Size:
    submissions: int
    days: int
    users: int
    audit_events: int
    detailed_share: float  # of the judged submissions, the ones with per-variant results


@dataclass(frozen=True)
class Seeded:
    """What a database holds once seeded, and what the detail pages open."""

    problems: int
    submissions: int
    judged: int
    detailed: int
    variant_rows: int
    test_rows: int
    users: int
    audit_events: int
    snapshots: int
    rollups: int
    phases: dict[str, float]  # seconds each part of the seeding took
    problem_slug: str
    submission_id: str


def seed(conn: db.Connection, settings: Settings, size: Size, now: datetime) -> Seeded:
    """Migrations, the admin, the catalog, then `size` worth of history before `now`. With
    no submissions it is the empty baseline: the admin, the catalog and one judged
    submission for the detail page, and no metrics collected yet."""
    phases = _Phases()
    migrate.apply_all(conn)
    admin, _ = create_user(conn, ADMIN, "admin")
    set_password(conn, ADMIN, PASSWORD)
    slugs = publish_catalog(conn)
    users = make_users(conn, size.users)
    phases.done("catalog and users")
    if size.submissions:
        judged = generate(conn, size.submissions, size.days, now, users, slugs)
    else:
        judged = one_judged(conn, admin.id, slugs[0], now)
    phases.done("submissions")
    detailed = add_results(conn, size.detailed_share)
    phases.done("results")
    second_version(conn, slugs[0])
    audit = make_audit(conn, size.audit_events, size.days, now)
    workers_alive(conn)
    conn.execute("VACUUM ANALYZE")
    phases.done("audit and vacuum")
    snapshots = rollups = 0
    if size.submissions:
        clock = Clock(now)
        snapshots = collect.snapshot_job(conn, settings, clock, no_sleep)
        rollups = collect.latency_job(conn, settings, clock)
        conn.execute("VACUUM ANALYZE")
        phases.done("metrics collection")
    return Seeded(
        problems=len(slugs),
        submissions=_count(conn, "submissions"),
        judged=judged,
        detailed=detailed,
        variant_rows=_count(conn, "variant_results"),
        test_rows=_count(conn, "test_results"),
        users=_count(conn, "users"),
        audit_events=audit,
        snapshots=snapshots,
        rollups=rollups,
        phases=phases.seconds,
        problem_slug=slugs[0],
        submission_id=detailed_submission(conn),
    )


class _Phases:
    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}
        self.started = time.perf_counter()

    def done(self, what: str) -> None:
        now = time.perf_counter()
        self.seconds[what] = now - self.started
        self.started = now


def _count(conn: db.Connection, table: str) -> int:
    row = conn.execute(f"SELECT count(*) AS n FROM {table}").fetchone()
    return int(row["n"]) if row else 0


# -- problems ----------------------------------------------------------------------------


def publish_catalog(conn: db.Connection) -> list[str]:
    """Every catalog problem, published; their slugs in order."""
    slugs = []
    for folder in sorted(p.parent for p in CATALOG.glob("*/problem.toml")):
        problem = bundle.from_directory(folder)
        publish_validated(conn, problem)
        slugs.append(problem.slug)
    return slugs


def publish_validated(conn: db.Connection, problem: ProblemBundle) -> None:
    ref = versions.add_version(conn, problem, created_by=None)
    queries.set_validation(conn, ref.id, "valid", validation_of(problem))
    versions.publish(conn, ref.slug, ref.number)


def second_version(conn: db.Connection, slug: str) -> None:
    """A version 2 of one problem (the detail page's history and diff); version 1, which
    the submissions so far were judged against, is retired."""
    folder = CATALOG / slug
    first = bundle.from_directory(folder)
    publish_validated(conn, replace(first, description_md=first.description_md + "\n(v2)\n"))


def test_names(problem: ProblemBundle) -> list[str]:
    return re.findall(r"^def (test_\w+)", problem.reference_tests, re.MULTILINE) or ["test_it"]


def validation_of(problem: ProblemBundle) -> dict[str, Any]:
    """What judge_validation stores for a reference suite that kills every mutant."""
    tests = test_names(problem)
    runs = [("golden", "golden")] * GOLDEN_RUNS + [("twin", "twin")] * TWINS
    variants: list[dict[str, Any]] = [_variant(name, kind, "passed", []) for kind, name in runs]
    killers = [[tests[i % len(tests)]] for i in range(len(problem.mutants))]
    variants += [
        _variant(m.name, "mutant", "killed", killed_by)
        for m, killed_by in zip(problem.mutants, killers, strict=True)
    ]
    return {
        "ok": True,
        "reasons": [],
        "variants": variants,
        "examples_score": 40,
        "smallest_killing_suite": sorted({t for k in killers for t in k}),
    }


def _variant(name: str, kind: str, verdict: str, failed: list[str]) -> dict[str, Any]:
    return {
        "name": name,
        "kind": kind,
        "verdict": verdict,
        "duration_ms": 180,
        "failed_tests": failed,
        "refused": None,
    }


# -- people --------------------------------------------------------------------------------


def make_users(conn: db.Connection, count: int) -> list[int]:
    """`count` people: mostly learners, one in fifty an author; a token for every other."""
    rows = conn.execute(
        "INSERT INTO users (name, role, locale, created_at)"
        " SELECT 'user-' || lpad(i::text, 6, '0'),"
        " CASE WHEN i %% 50 = 0 THEN 'author' ELSE 'learner' END,"
        " CASE WHEN i %% 3 = 0 THEN 'en' ELSE 'ko' END,"
        " now() - (i %% 120) * interval '1 day'"
        " FROM generate_series(1, %s) AS i RETURNING id",
        (count,),
    ).fetchall()
    conn.execute(
        "INSERT INTO api_tokens (user_id, token_hash, revoked_at)"
        " SELECT id, sha256(gen_random_uuid()::text::bytea),"
        " CASE WHEN id % 7 = 0 THEN now() END FROM users WHERE id % 2 = 0"
    )
    return [row["id"] for row in rows]


def make_audit(conn: db.Connection, count: int, days: int, now: datetime) -> int:
    """`count` admin actions over `days` days by the admin, from a few addresses."""
    conn.execute(
        "INSERT INTO audit_events (at, actor_id, actor_name, action, target, detail, source)"
        " SELECT %(now)s - random() * %(days)s * interval '1 day', u.id, u.name,"
        " (%(actions)s::text[])[1 + i %% cardinality(%(actions)s::text[])],"
        " 'user-' || lpad((i %% 997)::text, 6, '0'), jsonb_build_object('n', i),"
        " '10.0.0.' || (i %% 16) FROM generate_series(1, %(count)s) AS i,"
        " users u WHERE u.name = %(admin)s",
        {"now": now, "days": days, "actions": list(AUDIT_ACTIONS), "count": count, "admin": ADMIN},
    )
    return count


# -- submissions ---------------------------------------------------------------------------


def generate(
    conn: db.Connection, rows: int, days: int, now: datetime, users: list[int], slugs: list[str]
) -> int:
    """COPY `rows` submissions created over the `days` days before `now`; how many were
    judged (the rest would finish after `now`: still pending)."""
    rng = random.Random(9)
    span_us = days * 24 * 3600 * 10**6
    judged = 0
    for first in range(0, rows, CHUNK):
        chunk: list[Submission] = [
            _random_row(rng, now, span_us, users, slugs) for _ in range(min(CHUNK, rows - first))
        ]
        insert(conn, chunk)
        judged += sum(1 for row in chunk if row.judged)
    conn.execute(
        "UPDATE submissions s SET code = v.reference_tests, code_sha256 = md5(s.id::text)"
        " FROM problem_versions v WHERE v.id = s.version_id"
    )
    return judged


def one_judged(conn: db.Connection, user_id: int, slug: str, now: datetime) -> int:
    """One submission judged a minute ago, SUCCESS."""
    created = now - timedelta(minutes=1)
    row = Submission(
        slug,
        user_id,
        "SUCCESS",
        80,
        created,
        created + timedelta(seconds=1),
        created + timedelta(seconds=3),
    )
    insert(conn, [row])
    conn.execute(
        "UPDATE submissions s SET code = v.reference_tests, code_sha256 = md5(s.id::text)"
        " FROM problem_versions v WHERE v.id = s.version_id"
    )
    return 1


def add_results(conn: db.Connection, share: float) -> int:
    """Per-variant and per-test results for `share` of the judged submissions (at least
    one), and the mutant counts of every judged one; how many got results."""
    conn.execute("SELECT setseed(0.9)")
    conn.execute(
        "CREATE TEMP TABLE detailed AS SELECT s.id, s.version_id, s.status FROM submissions s"
        " WHERE s.status IN ('SUCCESS', 'FAILURE') AND (random() < %s"
        "  OR s.id = (SELECT id FROM submissions WHERE status = 'SUCCESS'"
        "   ORDER BY created_at DESC LIMIT 1))",
        (share,),
    )
    conn.execute(_VARIANTS, {"mutants_from": MUTANT_POSITION, "golden_runs": GOLDEN_RUNS})
    conn.execute("CREATE TEMP TABLE suites (version_id bigint, names text[])")
    for row in conn.execute("SELECT id, reference_tests FROM problem_versions").fetchall():
        names = re.findall(r"^def (test_\w+)", row["reference_tests"], re.MULTILINE)
        conn.execute("INSERT INTO suites VALUES (%s, %s)", (row["id"], names or ["test_it"]))
    conn.execute(_TESTS)
    conn.execute(_COUNTS)
    detailed = _count(conn, "detailed")
    conn.execute("DROP TABLE detailed, suites")
    return detailed


# Golden's runs and the twins pass; a mutant is killed three times in four. Golden's first
# run carries a pytest-like output of GOLDEN_OUTPUT_LINES lines, the others a summary.
_VARIANTS = (
    "INSERT INTO variant_results (submission_id, position, name, kind, verdict,"
    " duration_ms, limit_ms, output)"
    " SELECT d.id, r.position, r.name, r.kind, r.verdict, 40 + (random() * 400)::int,"
    " (v.wall_seconds * 1000)::int,"
    " CASE WHEN r.position = 0 THEN repeat('reference_test.py::test_case PASSED  [ 10%%]\n',"
    f" {GOLDEN_OUTPUT_LINES}) ELSE '5 passed in 0.04s' END"
    " FROM detailed d JOIN problem_versions v ON v.id = d.version_id"
    " CROSS JOIN LATERAL ("
    "  SELECT g - 1, 'golden', 'golden', 'passed' FROM generate_series(1, %(golden_runs)s) g"
    "  UNION ALL SELECT %(golden_runs)s + t - 1, 'twin', 'twin', 'passed'"
    f"  FROM generate_series(1, {TWINS}) t"
    "  UNION ALL SELECT %(mutants_from)s + m.position, m.name, 'mutant',"
    "  CASE WHEN random() < 0.75 THEN 'killed' ELSE 'survived' END"
    "  FROM mutants m WHERE m.version_id = d.version_id"
    " ) AS r(position, name, kind, verdict)"
)

# Every run collects the suite's tests; a killed mutant fails one of them.
_TESTS = (
    "INSERT INTO test_results (submission_id, position, test_name, outcome, duration_ms,"
    " message)"
    " SELECT r.submission_id, r.position, t.name,"
    " CASE WHEN r.verdict = 'killed' AND t.ord = 1 + r.position % cardinality(s.names)"
    "  THEN 'failed' ELSE 'passed' END, (random() * 30)::int,"
    " CASE WHEN r.verdict = 'killed' AND t.ord = 1 + r.position % cardinality(s.names)"
    "  THEN 'AssertionError: assert 3 == 4' ELSE '' END"
    " FROM variant_results r JOIN detailed d ON d.id = r.submission_id"
    " JOIN suites s ON s.version_id = d.version_id"
    " CROSS JOIN LATERAL unnest(s.names) WITH ORDINALITY AS t(name, ord)"
)

# The mutant counts the list shows: from the stored runs where there are some, otherwise
# drawn, for every judged SUCCESS.
_COUNTS = (
    "UPDATE submissions s SET total_count = m.n, total_weight = m.w,"
    " killed_count = LEAST(m.n, (random() * (m.n + 1))::int),"
    " killed_weight = LEAST(m.w, (random() * (m.w + 1))::int)"
    " FROM (SELECT version_id, count(*) AS n, sum(weight) AS w FROM mutants"
    "  GROUP BY version_id) m WHERE m.version_id = s.version_id AND s.status = 'SUCCESS'"
)


def detailed_submission(conn: db.Connection) -> str:
    """The newest submission with stored results: the one the detail page opens."""
    row = conn.execute(
        "SELECT s.id::text AS id FROM submissions s WHERE EXISTS"
        " (SELECT 1 FROM variant_results r WHERE r.submission_id = s.id)"
        " ORDER BY s.created_at DESC LIMIT 1"
    ).fetchone()
    return str(row["id"]) if row else "00000000-0000-0000-0000-000000000000"


def workers_alive(conn: db.Connection) -> None:
    """Two workers that beat just now, as on a running appliance (the overview lists them)."""
    conn.execute(
        "INSERT INTO workers (name, hostname, pid, docker_ok, judge_image_id)"
        " VALUES ('worker-1', 'bench', 101, true, 'sha256:bench'),"
        " ('worker-2', 'bench', 102, true, 'sha256:bench')"
        " ON CONFLICT (name) DO UPDATE SET heartbeat_at = now()"
    )
