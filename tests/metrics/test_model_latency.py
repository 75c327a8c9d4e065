"""Per-model latency from the appliance's own requests (issue 11 item 5): evaluation samples
and AI feedback written straight into the test database with known latencies and tokens,
and the percentiles, tokens per second, error counts, stale flag, levels, hourly history
and API checked against numpy over the same requests."""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
import pytest
import redis
from litestar.testing import TestClient

from appliance import db
from appliance.accounts.users import User, create_user
from appliance.audit.trail import Actor
from appliance.evaluations import runs
from appliance.evaluations.runs import ModelChoice, Plan
from appliance.metrics import collect, latency, reports, routes
from appliance.metrics.collect import Retention
from appliance.metrics.latency import IDLE, ModelLatency, model_request_latency
from appliance.metrics.percentiles import Percentiles
from appliance.models import endpoints, problem_sets
from appliance.models.endpoints import DEFAULT_PROMPT_TEMPLATE, Registration, Sampling
from appliance.models.problem_sets import SetFilter
from appliance.settings import Settings
from tests.bundles import STRONG_SUITE, WEAK_SUITE
from tests.conftest import PROBLEM, bearer, make_settings
from tests.llm_server import KnownProblem, ScriptedServer
from tests.metrics.conftest import NOW

WINDOWS = list(reports.WINDOWS.items())
FULL = Retention(
    hourly=timedelta(days=30),
    daily=timedelta(days=90),
    failures=timedelta(days=30),
    job_runs=timedelta(days=30),
)
# No model server is asked: a registration only stores its URL (loopback is allowed).
BASE_URL = "http://127.0.0.1:9"


@dataclass(frozen=True)
class Request:
    """One model request as the rows keep it: which version, when it ended, how long it
    took, the completion tokens it reported and whether it got an answer."""

    key: str
    version_id: int
    ended_at: datetime
    ms: int
    tokens: int | None
    failed: bool
    feedback: bool

    @property
    def tokens_per_s(self) -> float | None:
        if self.failed or self.tokens is None or self.ms <= 0:
            return None
        return self.tokens / (self.ms / 1000)


class Store:
    """Writes requests as evaluation samples (in one run) and feedback rows."""

    def __init__(self, conn: db.Connection, settings: Settings) -> None:
        self.conn = conn
        self.user, _ = create_user(conn, "evaluator", "admin")
        problem_sets.create(conn, "clamp-only", SetFilter(slugs=[PROBLEM]))
        row = conn.execute(
            "SELECT s.id AS set_id, p.current_version_id AS version_id FROM problem_sets s,"
            " problems p WHERE s.name = 'clamp-only' AND p.slug = %s",
            (PROBLEM,),
        ).fetchone()
        assert row is not None
        self.problem_version = row["version_id"]
        self.run_id = self.new_run(row["set_id"])
        self.submission = self._submission()
        self.settings = settings
        self.count = 0

    def new_run(self, set_id: int) -> int:
        row = self.conn.execute(
            "INSERT INTO evaluation_runs (set_id, samples, seed, manifest, created_by)"
            " VALUES (%s, 100, 1, '{}', %s) RETURNING id",
            (set_id, self.user.id),
        ).fetchone()
        assert row is not None
        return int(row["id"])

    def _submission(self) -> str:
        row = self.conn.execute(
            "INSERT INTO submissions (user_id, version_id, code, code_sha256, status)"
            " VALUES (%s, %s, 'def test_x(): pass', 'x', 'PENDING') RETURNING id",
            (self.user.id, self.problem_version),
        ).fetchone()
        assert row is not None
        return str(row["id"])

    def model(self, name: str, number: int = 1) -> tuple[str, int]:
        """Register `name` until it has version `number`: its key and version id."""
        for n in range(1, number + 1):
            sampling = Sampling(temperature=n / 10)
            reg = Registration(name, BASE_URL, name, None, sampling, DEFAULT_PROMPT_TEMPLATE)
            registered = endpoints.register(self.conn, self.settings, reg)
        row = self.conn.execute(
            "SELECT v.id FROM model_versions v JOIN model_endpoints e ON e.id = v.endpoint_id"
            " WHERE e.name = %s AND v.number = %s",
            (name, number),
        ).fetchone()
        assert row is not None and registered is not None
        return f"{name}@{number}", int(row["id"])

    def add(self, request: Request) -> None:
        self.count += 1
        if request.feedback:
            self._feedback(request)
        else:
            self._sample(request)

    def _sample(self, r: Request) -> None:
        # Claimed just before the model was asked; judged for a while after it answered.
        started = r.ended_at - timedelta(milliseconds=r.ms)
        self.conn.execute(
            "INSERT INTO evaluation_samples (run_id, model_version_id, subject, version_id,"
            " sample_index, seed, status, error, response, latency_ms, prompt_tokens,"
            " completion_tokens, started_at, finished_at) VALUES (%s, %s, %s, %s, %s, 1, %s,"
            " %s, %s, %s, 10, %s, %s, %s)",
            (
                self.run_id,
                r.version_id,
                r.key,
                self.problem_version,
                self.count,
                "ERROR" if r.failed else "SUCCESS",
                "timeout: no answer" if r.failed else None,
                None if r.failed else "```python\ndef test_x(): pass\n```",
                r.ms,
                r.tokens,
                started,
                r.ended_at + timedelta(seconds=40),
            ),
        )

    def _feedback(self, r: Request) -> None:
        self.conn.execute(
            "INSERT INTO feedback (code_sha256, version_id, model_version_id, submission_id,"
            " status, text, reason, detail, latency_ms, completion_tokens, requested_at,"
            " finished_at) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
            (
                f"sha-{self.count}",
                self.problem_version,
                r.version_id,
                self.submission,
                "failed" if r.failed else "ready",
                None if r.failed else "- try the bounds",
                "the feedback model did not answer in time" if r.failed else None,
                "timeout: no answer" if r.failed else None,
                r.ms,
                r.tokens,
                r.ended_at - timedelta(seconds=5),
                r.ended_at,
            ),
        )


@pytest.fixture
def store(conn: db.Connection, settings: Settings) -> Store:
    return Store(conn, settings)


def numpys(values: list[float]) -> Percentiles:
    if not values:
        return IDLE
    p50, p95, p99 = (float(p) for p in np.percentile(values, [50, 95, 99]))
    return Percentiles(p50, p95, p99, len(values))


def in_window(requests: list[Request], key: str, start: datetime, end: datetime) -> list[Request]:
    return [r for r in requests if r.key == key and start <= r.ended_at < end]


@pytest.fixture
def history(store: Store) -> dict[str, list[Request]]:
    """90 days of requests of two versions of "fast" and one of "slow", the newest a minute
    before NOW; "idle" is registered and never asked."""
    rng = random.Random(11)
    keys = [store.model("fast", 1), store.model("fast", 2), store.model("slow")]
    store.model("idle")
    requests: list[Request] = []
    for key, version_id in keys:
        scale = 4000 if key.startswith("slow") else 300
        for i in range(600):
            ago = timedelta(seconds=rng.uniform(60, 90 * 86400)) if i else timedelta(minutes=1)
            failed = rng.random() < 0.1
            tokens = None if rng.random() < 0.05 else rng.randint(50, 900)
            ms = round(rng.expovariate(1 / scale)) + 1
            feedback = rng.random() < 0.3
            requests.append(Request(key, version_id, NOW - ago, ms, tokens, failed, feedback))
    for request in requests:
        store.add(request)
    return {"all": requests}


def check(found: ModelLatency, requests: list[Request]) -> None:
    assert found.latency.percentiles == numpys([float(r.ms) for r in requests])
    rates = [r.tokens_per_s for r in requests if r.tokens_per_s is not None]
    assert found.tokens_per_s_count == len(rates)
    if rates:
        assert found.tokens_per_s_p50 == float(np.percentile(rates, 50))
        assert found.tokens_per_s_mean == pytest.approx(float(np.mean(rates)), rel=1e-12)
    else:
        assert (found.tokens_per_s_p50, found.tokens_per_s_mean) == (None, None)
    assert found.errors == sum(r.failed for r in requests)


# -- the percentiles -------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "window"), WINDOWS)
def test_every_window_equals_numpys_percentiles_of_the_same_requests(
    conn: db.Connection, history: dict[str, list[Request]], name: str, window: timedelta
) -> None:
    found = model_request_latency(conn, NOW, window)
    assert [m.latency.key for m in found] == ["fast@1", "fast@2", "idle@1", "slow@1"]
    for item in found:
        check(item, in_window(history["all"], item.latency.key, NOW - window, NOW))
    assert sum(m.latency.percentiles.count for m in found) > 0


def test_evaluation_samples_and_feedback_both_count(conn: db.Connection, store: Store) -> None:
    key, version = store.model("mixed")
    requests = [
        Request(key, version, NOW - timedelta(minutes=m), ms, tok, False, m % 2 == 0)
        for m, ms, tok in [(1, 1000, 100), (2, 2000, 100), (3, 500, 100), (4, 4000, 400)]
    ]
    for request in requests:
        store.add(request)
    (found,) = model_request_latency(conn, NOW, timedelta(hours=1))
    check(found, requests)
    assert found.latency.percentiles.count == 4
    # 100/1 s, 100/2 s, 100/0.5 s, 400/4 s: the median of 50, 100, 100, 200 and their mean.
    assert (found.tokens_per_s_p50, found.tokens_per_s_mean) == (100.0, 112.5)


def test_a_failed_request_counts_its_wait_and_an_error_but_no_tokens(
    conn: db.Connection, store: Store
) -> None:
    key, version = store.model("flaky")
    store.add(Request(key, version, NOW - timedelta(minutes=1), 1000, 100, False, False))
    store.add(Request(key, version, NOW - timedelta(minutes=2), 3000, None, True, False))
    store.add(Request(key, version, NOW - timedelta(minutes=3), 3000, None, True, True))
    (found,) = model_request_latency(conn, NOW, timedelta(hours=1))
    assert found.latency.percentiles == numpys([1000.0, 3000.0, 3000.0])
    assert (found.errors, found.tokens_per_s_count, found.tokens_per_s_p50) == (2, 1, 100.0)


def test_baselines_and_requests_never_made_are_not_model_requests(
    conn: db.Connection, store: Store
) -> None:
    """A baseline asks no model; a sample refused by the URL policy never sent a request."""
    key, version = store.model("refused")
    conn.execute(
        "INSERT INTO evaluation_samples (run_id, baseline, subject, version_id, sample_index,"
        " seed, status, started_at, finished_at) VALUES (%s, 'examples', 'baseline:examples',"
        " %s, 0, 1, 'SUCCESS', %s, %s)",
        (store.run_id, store.problem_version, NOW - timedelta(minutes=2), NOW),
    )
    conn.execute(
        "INSERT INTO evaluation_samples (run_id, model_version_id, subject, version_id,"
        " sample_index, seed, status, error, started_at, finished_at) VALUES (%s, %s, %s, %s,"
        " 1, 1, 'ERROR', 'not allowed', %s, %s)",
        (store.run_id, version, key, store.problem_version, NOW - timedelta(minutes=2), NOW),
    )
    (found,) = model_request_latency(conn, NOW, timedelta(hours=1))
    assert found.latency.key == key and found.latency.percentiles == IDLE


# -- stale flag and levels -------------------------------------------------------------------


def test_a_model_is_stale_without_a_request_in_the_last_15_minutes(
    conn: db.Connection, store: Store
) -> None:
    fresh, fresh_id = store.model("fresh")
    old, old_id = store.model("old")
    store.add(Request(fresh, fresh_id, NOW - timedelta(minutes=14), 500, 50, False, True))
    store.add(Request(old, old_id, NOW - timedelta(minutes=16), 500, 50, False, False))
    found = {m.latency.key: m.latency for m in model_request_latency(conn, NOW, timedelta(hours=1))}
    assert (found[fresh].stale, found[old].stale) == (False, True)
    assert found[fresh].newest_at == NOW - timedelta(minutes=14)
    # Nothing in the last 5 minutes: idle there, stale, and without a level.
    short = {
        m.latency.key: m.latency for m in model_request_latency(conn, NOW, timedelta(minutes=5))
    }
    assert short[fresh].stale and short[fresh].level is None and short[fresh].newest_at is None


def test_levels_follow_the_stored_model_thresholds(conn: db.Connection, store: Store) -> None:
    quick, quick_id = store.model("quick")
    slow, slow_id = store.model("slow")
    store.add(Request(quick, quick_id, NOW - timedelta(minutes=1), 900, 90, False, False))
    store.add(Request(slow, slow_id, NOW - timedelta(minutes=1), 2500, 90, False, True))
    report = reports.model_latency_report(conn, "1h", NOW)
    assert (report.warning_from_ms, report.danger_from_ms) == (1000.0, 2000.0)
    assert [(i.key, i.level) for i in report.items] == [(quick, "good"), (slow, "danger")]
    admin = User(store.user.id, store.user.name, store.user.role)
    latency.edit_thresholds(conn, admin, "127.0.0.1", "model", 500.0, 3000.0, NOW)
    report = reports.model_latency_report(conn, "1h", NOW)
    assert [(i.key, i.level) for i in report.items] == [(quick, "warning"), (slow, "warning")]
    # The problems' thresholds are their own.
    assert latency.stored_thresholds(conn, "problem").warning_from == 1000.0


# -- history through the latency rollups, and a run's p95 -------------------------------------


def test_the_hourly_history_comes_from_the_model_rollups_within_1_percent(
    conn: db.Connection, history: dict[str, list[Request]]
) -> None:
    assert collect.collect_latency(conn, NOW, FULL) > 0
    kinds = conn.execute("SELECT DISTINCT key_kind FROM latency_rollups").fetchall()
    assert {row["key_kind"] for row in kinds} == {"model"}
    # A second run finds nothing out of date.
    assert collect.collect_latency(conn, NOW, FULL) == 0
    hours = 72
    found = reports.model_latency_history(conn, "slow@1", hours, NOW)
    assert len(found.points) == hours and found.by == "model"
    for point in found.points:
        end = point.start + timedelta(hours=1)
        want = numpys([float(r.ms) for r in in_window(history["all"], "slow@1", point.start, end)])
        assert point.count == want.count
        for name in ("p50", "p95", "p99"):
            got, exact = getattr(point, f"{name}_ms"), getattr(want, name)
            assert got == (None if exact is None else pytest.approx(exact, rel=0.01))


def test_a_sample_stored_after_its_hour_was_rolled_up_is_rolled_up_again(
    conn: db.Connection, store: Store
) -> None:
    key, version = store.model("late")
    store.add(Request(key, version, NOW - timedelta(hours=3), 1000, 10, False, False))
    assert collect.collect_latency(conn, NOW, FULL) == 2  # its hour and its day
    store.add(Request(key, version, NOW - timedelta(hours=3, minutes=1), 3000, 10, False, False))
    assert collect.collect_latency(conn, NOW, FULL) == 2
    points = reports.model_latency_history(conn, key, 4, NOW).points
    assert [p.count for p in points] == [2, 0, 0, 0]


# -- the API ---------------------------------------------------------------------------------


@pytest.fixture
def api_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(routes, "now", lambda: NOW)


@pytest.mark.usefixtures("api_clock")
def test_the_api_gives_admins_each_models_latency_and_history(
    api: TestClient[Any], admin_token: str, conn: db.Connection, store: Store
) -> None:
    key, version = store.model("served", 2)
    requests = [
        Request(key, version, NOW - timedelta(minutes=m), 100 * m, 20 * m, m == 3, m % 2 == 0)
        for m in range(1, 7)
    ]
    for request in requests:
        store.add(request)
    response = api.get(
        "/api/v1/metrics/models/latency", params={"window": "1h"}, headers=bearer(admin_token)
    )
    assert response.status_code == 200, response.text
    body = response.json()
    want = numpys([float(r.ms) for r in requests])
    rates = [r.tokens_per_s for r in requests if r.tokens_per_s is not None]
    assert body["window"] == "1h" and body["end"].startswith("2025-03-31T15:07:30")
    assert (body["warning_from_ms"], body["danger_from_ms"]) == (1000.0, 2000.0)
    assert body["items"][0]["key"] == "served@1" and body["items"][0]["count"] == 0
    item = body["items"][1]
    assert item == {
        "key": key,
        "p50_ms": want.p50,
        "p95_ms": want.p95,
        "p99_ms": want.p99,
        "tokens_per_s_p50": float(np.percentile(rates, 50)),
        "tokens_per_s_mean": pytest.approx(float(np.mean(rates))),
        "count": 6,
        "error_count": 1,
        "newest_at": item["newest_at"],
        "stale": False,
        "level": "good",
    }
    assert item["newest_at"].startswith("2025-03-31T15:06:30")
    collect.collect_latency(conn, NOW, FULL)
    history = api.get(
        "/api/v1/metrics/models/latency/history",
        params={"key": key, "hours": 2},
        headers=bearer(admin_token),
    )
    assert history.status_code == 200, history.text
    assert [p["count"] for p in history.json()["points"]] == [0, 6]


@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("/api/v1/metrics/models/latency", {"window": "24h"}),
        ("/api/v1/metrics/models/latency/history", {"key": "fast@1"}),
    ],
)
def test_the_model_latency_is_refused_to_a_learner_and_needs_a_token(
    api: TestClient[Any], learner_token: str, path: str, params: dict[str, str]
) -> None:
    assert api.get(path, params=params, headers=bearer(learner_token)).status_code == 403
    assert api.get(path, params=params).status_code == 401


@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("/api/v1/metrics/models/latency", {"window": "2h"}),
        ("/api/v1/metrics/models/latency", {"window": ""}),
        ("/api/v1/metrics/models/latency/history", {"hours": "24"}),
        ("/api/v1/metrics/models/latency/history", {"key": "fast@1", "hours": "0"}),
    ],
)
def test_a_bad_parameter_is_a_400(
    api: TestClient[Any], admin_token: str, path: str, params: dict[str, str]
) -> None:
    response = api.get(path, params=params, headers=bearer(admin_token))
    assert response.status_code == 400, response.text


def test_model_requests_never_reach_the_problem_latency(conn: db.Connection, store: Store) -> None:
    key, version = store.model("apart")
    store.add(Request(key, version, NOW - timedelta(minutes=1), 1000, 10, False, False))
    keys = {k.key for k in latency.window_latency(conn, NOW, timedelta(hours=1))}
    assert key not in keys and "mini-clamp" in keys
    assert all(k.percentiles == IDLE for k in latency.window_latency(conn, NOW, timedelta(hours=1)))


# -- requests the appliance really made --------------------------------------------------------


@pytest.fixture
def settings(database_url: str, redis_url: str) -> Settings:
    # Short, so that the scripted "slow" model (3 s) times out quickly.
    return make_settings(database_url, redis_url, ARENA_MODEL_TIMEOUT_SECONDS="1")


@pytest.fixture
def llm_server() -> Iterator[ScriptedServer]:
    server = ScriptedServer([KnownProblem("def clamp(x, lo, hi)", STRONG_SUITE, WEAK_SUITE)])
    yield server.start()
    server.stop()


def test_an_evaluation_runs_requests_are_counted_as_they_were_stored(
    conn: db.Connection,
    broker: redis.Redis,
    settings: Settings,
    drain: Callable[[], None],
    llm_server: ScriptedServer,
    store: Store,
) -> None:
    """ "garbage" answers prose (no suite, nothing judged) with usage; "slow" times out."""
    for name in ("garbage", "slow"):
        reg = Registration(
            name, llm_server.base_url, name, None, Sampling(), DEFAULT_PROMPT_TEMPLATE
        )
        endpoints.register(conn, settings, reg)
    admin = Actor(User(store.user.id, store.user.name, store.user.role), "127.0.0.1")
    plan = Plan("clamp-only", [ModelChoice("garbage"), ModelChoice("slow")], samples=2, seed=5)
    run_id = runs.create(conn, broker, settings, admin, plan)
    drain()
    samples = conn.execute(
        "SELECT subject, latency_ms, completion_tokens, response FROM evaluation_samples"
        " WHERE run_id = %s",
        (run_id,),
    ).fetchall()
    found = {
        m.latency.key: m
        for m in model_request_latency(
            conn, datetime.now(UTC) + timedelta(minutes=1), timedelta(hours=1)
        )
    }
    for key in ("garbage@1", "slow@1"):
        mine = [s for s in samples if s["subject"] == key]
        assert len(mine) == 2 and all(s["latency_ms"] is not None for s in mine)
        assert found[key].latency.percentiles == numpys([float(s["latency_ms"]) for s in mine])
        assert not found[key].latency.stale
    assert (found["garbage@1"].errors, found["slow@1"].errors) == (0, 2)
    rates = [s["completion_tokens"] / (s["latency_ms"] / 1000) for s in samples
             if s["subject"] == "garbage@1" and s["latency_ms"] > 0]  # fmt: skip
    assert found["garbage@1"].tokens_per_s_count == len(rates)
    assert found["slow@1"].tokens_per_s_p50 is None
