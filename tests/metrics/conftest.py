"""Generated history for the metrics tests: 90 days of submissions written straight into the
test database (users made here, the template's problems), the same rows kept in Python
so the tests can compute what the metrics should be, and a clock the tests move by hand."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest

from appliance import db

# A Monday afternoon, 00:07:30 in Seoul on Tuesday: a zone whose day differs from UTC's.
NOW = datetime(2025, 3, 31, 15, 7, 30, tzinfo=UTC)
MS = timedelta(milliseconds=1)
COLUMNS = (
    "user_id, version_id, code, code_sha256, status, reason, score,"
    " created_at, started_at, finished_at"
)


@dataclass(frozen=True)
class Submission:
    problem: str
    user_id: int
    status: str
    score: int | None
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None

    @property
    def judged(self) -> bool:
        return self.started_at is not None and self.finished_at is not None

    @property
    def judge_ms(self) -> float:
        assert self.started_at and self.finished_at
        # timedelta / timedelta rounds the exact microseconds once, as PostgreSQL's
        # numeric-to-float8 does: both sides hold the same float.
        return (self.finished_at - self.started_at) / MS

    @property
    def wait_ms(self) -> float:
        assert self.started_at
        return (self.started_at - self.created_at) / MS

    def finished_in(self, start: datetime, end: datetime) -> bool:
        return self.judged and start <= self.finished_at < end  # type: ignore[operator]


class Clock:
    """The time the code under test sees; only the test moves it."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, delta: timedelta) -> None:
        self.now += delta


@pytest.fixture
def clock() -> Clock:
    return Clock(NOW)


@pytest.fixture
def sleeps() -> list[float]:
    return []


def versions(conn: db.Connection) -> dict[str, int]:
    rows = conn.execute("SELECT slug, current_version_id FROM problems").fetchall()
    return {row["slug"]: row["current_version_id"] for row in rows}


def make_users(conn: db.Connection, count: int) -> list[int]:
    rows = conn.execute(
        "INSERT INTO users (name, role) SELECT 'metrics-' || gen_random_uuid(), 'learner'"
        " FROM generate_series(1, %s) AS i RETURNING id",
        (count,),
    ).fetchall()
    return [row["id"] for row in rows]


def insert(conn: db.Connection, rows: list[Submission]) -> None:
    """COPY the rows in: 90 days of them take well under a second."""
    ids = versions(conn)
    with conn.cursor().copy(f"COPY submissions ({COLUMNS}) FROM STDIN") as copy:
        for row in rows:
            reason = "golden_failed" if row.status == "FAILURE" else None
            copy.write_row(
                (
                    row.user_id,
                    ids[row.problem],
                    "",
                    "",
                    row.status,
                    reason,
                    row.score,
                    row.created_at,
                    row.started_at,
                    row.finished_at,
                )
            )


def one(
    conn: db.Connection,
    user_id: int,
    created_at: datetime,
    wait: timedelta | None = None,
    duration: timedelta | None = None,
) -> Submission:
    """One submission to mini-clamp, judged (SUCCESS) when `wait` and `duration` are given."""
    started = None if wait is None else created_at + wait
    finished = None if started is None or duration is None else started + duration
    status = "PENDING" if finished is None else "SUCCESS"
    score = None if finished is None else 50
    row = Submission("mini-clamp", user_id, status, score, created_at, started, finished)
    insert(conn, [row])
    return row


def generate(conn: db.Connection, now: datetime, days: int = 90, seed: int = 8) -> list[Submission]:
    """About 4 submissions an hour for `days` days before `now` (so some hours are idle),
    over the template's problems and 25 users, mostly judged; the ones that would finish
    after `now` are still pending."""
    rng = random.Random(seed)
    users = make_users(conn, 25)
    problems = sorted(versions(conn))
    span_us = days * 24 * 3600 * 10**6
    rows = [_random_row(rng, now, span_us, users, problems) for _ in range(days * 24 * 4)]
    insert(conn, rows)
    return rows


def _random_row(
    rng: random.Random, now: datetime, span_us: int, users: list[int], problems: list[str]
) -> Submission:
    created = now - timedelta(microseconds=rng.randrange(1, span_us))
    # Log-normal in microseconds: a median queue wait near 60 ms, judging near 730 ms.
    started = created + timedelta(microseconds=round(rng.lognormvariate(11.0, 1.2)))
    finished = started + timedelta(microseconds=round(rng.lognormvariate(13.5, 0.6)))
    problem, user = rng.choice(problems), rng.choice(users)
    if finished >= now:
        return Submission(problem, user, "PENDING", None, created, None, None)
    status = rng.choices(["SUCCESS", "FAILURE", "ERROR"], weights=[70, 22, 8])[0]
    score = {"SUCCESS": rng.randrange(30, 101), "FAILURE": rng.choice([0, None])}.get(status)
    return Submission(problem, user, status, score, created, started, finished)


@pytest.fixture
def history(conn: db.Connection) -> list[Submission]:
    return generate(conn, NOW)
