"""The README's pictures of the console (docs/console-*.png come from these screenshots),
taken from real work: learners' suites submitted through the API, judged by a worker in the
real judge image, their times spread over the last week, then the metrics collected by the
scheduler's own jobs. Each picture is checked for what it is meant to show."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import docker
import pytest
from litestar.testing import TestClient
from selenium import webdriver
from selenium.webdriver.common.by import By

from appliance import db, queue
from appliance import queries as core_queries
from appliance.accounts.users import create_user
from appliance.api import create_app
from appliance.metrics import collect
from appliance.workers.worker import ContextWorker, beat_once, close, make_context
from tests.bundles import FIVE_MUTANT_SUITE, STRONG_SUITE, WEAK_SUITE
from tests.conftest import FAST_PROBLEM, PROBLEM, make_settings
from tests.ui.browser.conftest import RunningConsole, open_page, screenshot, use_locale

# (learner, problem, suite): strong and weak suites, one that tests nothing, one that
# does not even parse, so every status and score of a real week shows.
SUBMISSIONS = [
    *[(f"learner{i}", PROBLEM, STRONG_SUITE) for i in range(1, 5)],
    *[(f"learner{i}", PROBLEM, WEAK_SUITE) for i in range(1, 4)],
    *[(f"learner{i}", FAST_PROBLEM, FIVE_MUTANT_SUITE) for i in range(2, 5)],
    ("learner5", PROBLEM, "def test_nothing():\n    assert True\n"),
    ("learner5", FAST_PROBLEM, "def test_broken(:\n"),
]


@pytest.fixture(scope="module")
def week_of_work(
    console: RunningConsole, console_redis: str, docker_engine: docker.DockerClient
) -> Iterator[str]:
    """Judges SUBMISSIONS for real, spreads them over the last week, collects the metrics
    and keeps a live worker heartbeat and the scheduler's lock; yields a strong suite's id."""
    settings = make_settings(console.database_url, console_redis)
    with db.connect(console.database_url) as conn:
        ids = _submit_all(settings, conn)
        _judge_all(settings, docker_engine)
        _spread_over_the_week(conn, ids)
        clock = lambda: datetime.now(UTC)  # noqa: E731
        collect.snapshot_job(conn, settings, clock, lambda _s: None)
        collect.latency_job(conn, settings, clock)
        beat_once(conn, docker_engine, "worker-1", settings.judge_image)
        with db.connect(console.database_url) as lock_holder:
            assert core_queries.try_lock(lock_holder, core_queries.SCHEDULER_LOCK)
            yield ids[0]


def _submit_all(settings: Any, conn: db.Connection) -> list[str]:
    names = sorted({name for name, _, _ in SUBMISSIONS})
    tokens = {name: create_user(conn, name, "learner")[1] for name in names}
    ids = []
    with TestClient(app=create_app(settings)) as api:
        for name, problem, suite in SUBMISSIONS:
            answer = api.post(
                "/api/v1/submissions",
                json={"problem": problem, "code": suite},
                headers={"Authorization": f"Bearer {tokens[name]}"},
            )
            assert answer.status_code == 202, answer.text
            ids.append(answer.json()["id"])
    return ids


def _judge_all(settings: Any, engine: docker.DockerClient) -> None:
    """A worker's burst, on a connection of its own (the context closes it)."""
    broker = queue.connect(settings.redis_url)
    ctx = make_context(settings, db.connect(settings.database_url), engine, "worker-1")
    try:
        ContextWorker([queue.judge_queue(broker)], broker, ctx).work(
            burst=True, logging_level="WARNING"
        )
    finally:
        close(ctx)
        broker.close()


def _spread_over_the_week(conn: db.Connection, ids: list[str]) -> None:
    """The i-th submission moves back 11 h per step, keeping its queue wait and run time."""
    for step, submission_id in enumerate(reversed(ids)):
        conn.execute(
            "UPDATE submissions SET created_at = created_at - %(shift)s,"
            " started_at = started_at - %(shift)s, finished_at = finished_at - %(shift)s"
            " WHERE id = %(id)s",
            {"shift": timedelta(hours=step * 11), "id": submission_id},
        )


def _shows(driver: webdriver.Chrome, text: str) -> bool:
    return text in driver.find_element(By.TAG_NAME, "body").text


def test_the_overview_shows_a_healthy_appliance_with_its_worker(
    admin_browser: webdriver.Chrome, console: RunningConsole, week_of_work: str
) -> None:
    use_locale(console, "en")
    open_page(admin_browser, console, "/", "nav.overview", "en")
    screenshot(admin_browser, "readme-overview")
    assert _shows(admin_browser, "worker-1")
    assert _shows(admin_browser, "Healthy") or _shows(admin_browser, "Degraded")


def test_the_metrics_page_draws_the_weeks_charts(
    admin_browser: webdriver.Chrome, console: RunningConsole, week_of_work: str
) -> None:
    use_locale(console, "en")
    open_page(admin_browser, console, "/metrics", "nav.metrics", "en")
    screenshot(admin_browser, "readme-metrics")
    charts = admin_browser.find_elements(By.CSS_SELECTOR, "canvas")
    assert len(charts) >= 5


def test_a_submissions_detail_shows_its_kill_matrix(
    admin_browser: webdriver.Chrome, console: RunningConsole, week_of_work: str
) -> None:
    use_locale(console, "en")
    open_page(admin_browser, console, f"/submissions/{week_of_work}", "nav.submissions", "en")
    screenshot(admin_browser, "readme-submission")
    assert _shows(admin_browser, "SUCCESS") or _shows(admin_browser, "Success")
    assert "✓" in admin_browser.find_element(By.TAG_NAME, "body").text
