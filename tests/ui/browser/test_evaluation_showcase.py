"""The README's picture of an evaluation (tests/artifacts/readme-leaderboard.png, copied to
docs/console-leaderboard.png), taken from a real run: the baselines examples and reference
and four scripted models on loopback (tests/llm_server.py: strong, weak, garbage, and a
"mixed" one, strong on some problems and weak on others) writing
suites for the three test problems, judged by a worker in the real judge image. And the
attack kept as a test: a model's answer with markup and template syntax is shown as text in
a real browser, never run or rendered."""

from __future__ import annotations

from collections.abc import Iterator

import docker
import pytest
from selenium import webdriver
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from appliance import db, queue
from appliance.accounts.users import User, create_user
from appliance.audit.trail import Actor
from appliance.evaluations import runs
from appliance.evaluations.runs import ModelChoice, Plan
from appliance.models import endpoints, problem_sets
from appliance.models.endpoints import DEFAULT_PROMPT_TEMPLATE, Registration, Sampling
from appliance.models.problem_sets import SetFilter
from appliance.settings import Settings
from appliance.workers.worker import ContextWorker, beat_once, close, make_context
from tests.bundles import STRONG_SUITE, WEAK_SUITE
from tests.conftest import FAST_PROBLEM, HIDDEN_PROBLEM, PROBLEM, make_settings
from tests.llm_server import KnownProblem, ScriptedServer
from tests.ui.browser.conftest import RunningConsole, open_page, screenshot, use_locale

SIGNATURE = "def clamp(x, lo, hi)"
MARKUP = "<img src=x onerror=window.pwned=1>"
TEMPLATE = "{{ 7 * 191 }}"
HOSTILE_SUITE = STRONG_SUITE + f"\n# {MARKUP} {TEMPLATE}\n"
# The prompt shows the code under test except for the hidden problem: "mixed" writes the
# weak suite where it sees the code and the strong one where it does not, so its scores
# differ between problems and its intervals are wide.
SHOWN_CODE = "The code under test (module"


def _register(conn: db.Connection, settings: Settings, name: str, model: str, url: str) -> None:
    reg = Registration(name, url, model, None, Sampling(), DEFAULT_PROMPT_TEMPLATE)
    endpoints.register(conn, settings, reg)


def _work(settings: Settings, engine: docker.DockerClient) -> None:
    """A worker's burst over both queues, on a connection of its own (the context closes it)."""
    broker = queue.connect(settings.redis_url)
    ctx = make_context(settings, db.connect(settings.database_url), engine, "worker-1")
    try:
        ContextWorker(queue.worker_queues(broker), broker, ctx).work(
            burst=True, logging_level="WARNING"
        )
    finally:
        close(ctx)
        broker.close()


@pytest.fixture(scope="module")
def evaluated(
    console: RunningConsole, console_redis: str, docker_engine: docker.DockerClient
) -> Iterator[tuple[int, int]]:
    """(the showcase run, the hostile run), both finished."""
    settings = make_settings(console.database_url, console_redis)
    honest = ScriptedServer([KnownProblem(SIGNATURE, STRONG_SUITE, WEAK_SUITE)]).start()
    hostile = ScriptedServer([KnownProblem(SIGNATURE, HOSTILE_SUITE, WEAK_SUITE)]).start()
    mixed = ScriptedServer(
        [
            KnownProblem(SHOWN_CODE, WEAK_SUITE, WEAK_SUITE),
            KnownProblem(SIGNATURE, STRONG_SUITE, WEAK_SUITE),
        ]
    ).start()
    try:
        with db.connect(console.database_url) as conn:
            beat_once(conn, docker_engine, "worker-1", settings.judge_image)
            user, _ = create_user(conn, "evaluator", "admin")
            by = Actor(User(user.id, user.name, user.role), "127.0.0.1")
            for model in ("strong", "weak", "garbage"):
                _register(conn, settings, model, model, honest.base_url)
            _register(conn, settings, "mixed", "strong", mixed.base_url)
            _register(conn, settings, "hostile", "strong", hostile.base_url)
            problem_sets.create(
                conn, "all-clamps", SetFilter(slugs=[PROBLEM, FAST_PROBLEM, HIDDEN_PROBLEM])
            )
            problem_sets.create(conn, "one-clamp", SetFilter(slugs=[PROBLEM]))
            models = [ModelChoice(m) for m in ("strong", "mixed", "weak", "garbage")]
            plan = Plan("all-clamps", models, baselines=["reference", "examples"], seed=7)
            broker = queue.connect(console_redis)
            showcase = runs.create(conn, broker, settings, by, plan)
            attack = Plan("one-clamp", [ModelChoice("hostile")], seed=7)
            attack_id = runs.create(conn, broker, settings, by, attack)
            broker.close()
            _work(settings, docker_engine)
            beat_once(conn, docker_engine, "worker-1", settings.judge_image)
        yield showcase, attack_id
    finally:
        for server in (honest, hostile, mixed):
            server.stop()


def _body(driver: webdriver.Chrome) -> str:
    return str(driver.find_element(By.TAG_NAME, "body").text)


def test_a_finished_runs_leaderboard_shows_its_intervals(
    admin_browser: webdriver.Chrome, console: RunningConsole, evaluated: tuple[int, int]
) -> None:
    showcase, _ = evaluated
    use_locale(console, "en")
    open_page(admin_browser, console, f"/evaluations/{showcase}", "nav.evaluations", "en")
    WebDriverWait(admin_browser, 30).until(
        lambda d: len(d.find_elements(By.CSS_SELECTOR, "[data-testid] canvas, canvas")) >= 4
    )
    # The default comparison: strong against mixed, equal where mixed wrote the strong suite.
    WebDriverWait(admin_browser, 30).until(lambda d: "not distinguishable" in _body(d))
    screenshot(admin_browser, "readme-leaderboard")
    body = _body(admin_browser)
    assert "100.0 [100.0, 100.0]" in body  # the reference baseline: the ceiling
    assert "18 / 18 samples" in body
    errors = [e for e in admin_browser.get_log("browser") if e["level"] == "SEVERE"]
    assert errors == [], errors
    assert admin_browser.execute_script("return document.documentElement.scrollWidth") <= 1280


def test_a_models_markup_is_shown_as_text(
    admin_browser: webdriver.Chrome, console: RunningConsole, evaluated: tuple[int, int]
) -> None:
    _, attack = evaluated
    use_locale(console, "en")
    open_page(admin_browser, console, f"/evaluations/{attack}", "nav.evaluations", "en")
    opener = WebDriverWait(admin_browser, 30).until(
        lambda d: d.find_element(By.XPATH, "//button[normalize-space(.)='Open']")
    )
    opener.click()
    WebDriverWait(admin_browser, 30).until(lambda d: TEMPLATE in _body(d))
    body = _body(admin_browser)
    assert MARKUP in body and str(7 * 191) not in body
    assert admin_browser.execute_script("return window.pwned") is None
    assert admin_browser.find_elements(By.CSS_SELECTOR, "img[src=x]") == []
    screenshot(admin_browser, "console-en-evaluation-evidence")


def test_the_run_page_reads_in_korean(
    admin_browser: webdriver.Chrome, console: RunningConsole, evaluated: tuple[int, int]
) -> None:
    showcase, _ = evaluated
    use_locale(console, "ko")
    open_page(admin_browser, console, f"/evaluations/{showcase}", "nav.evaluations", "ko")
    WebDriverWait(admin_browser, 30).until(lambda d: "구별되지 않습니다" in _body(d))
    screenshot(admin_browser, "console-ko-evaluation")
    assert "리더보드" in _body(admin_browser)
    errors = [e for e in admin_browser.get_log("browser") if e["level"] == "SEVERE"]
    assert errors == [], errors
    assert admin_browser.execute_script("return document.documentElement.scrollWidth") <= 1280
