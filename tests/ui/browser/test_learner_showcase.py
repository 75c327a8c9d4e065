"""The README's pictures of the learner's side (docs/learner-*.png are written here), taken
from real work: a learner's history of suites submitted through the API on mini-clamp and
catalog problems, then one suite typed into the editor and submitted with Ctrl+Enter; all
judged by a real worker in the real judge image. Each picture is checked for what it is
meant to show before it is written.

The catalog's problems are published for the picture of the problem browser; their
validation is stored as the judge writes it rather than run (bench/_console_seed.py does the
same; the judge needs no validation to judge a learner's suite)."""

from __future__ import annotations

import ast
import base64
import shutil
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from litestar.testing import TestClient
from selenium import webdriver
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

from appliance import db
from appliance.accounts.users import create_user, set_locale, set_password
from appliance.api import create_app
from bench._console_seed import CATALOG, publish_catalog
from tests.bundles import STRONG_SUITE, WEAK_SUITE
from tests.conftest import FAST_PROBLEM, PROBLEM, make_settings
from tests.ui.browser.conftest import ARTIFACTS, PASSWORD, ROOT, RunningConsole, chromium
from tests.ui.browser.test_learner_flow import (
    Record,
    RunningWorker,
    editor,
    jailed_worker,
    judged,
    log_in,
    open_learner_page,
    picture,
    result_panel,
    submitted_id,
    type_code,
)

DOCS = ROOT / "docs"
LEARNER = "jisoo"
ROMAN = "to-roman"
# Typed in the editor for the result picture: some of to_roman's mutants die, some live.
ROMAN_SUITE = """\
import pytest
from target import to_roman


def test_small_numbers():
    assert to_roman(3) == "III"
    assert to_roman(4) == "IV"


def test_a_year():
    assert to_roman(2024) == "MMXXIV"


def test_too_large_is_refused():
    with pytest.raises(ValueError):
        to_roman(5000)
"""
FAILS_ON_GOLDEN = "from target import clamp\n\ndef test_wrong():\n    assert clamp(5, 0, 10) == 6\n"


def first_tests(slug: str, count: int) -> str:
    """A catalog problem's reference suite cut to its first `count` tests (it still passes
    on golden, and kills fewer mutants)."""
    tree = ast.parse((CATALOG / slug / "reference_test.py").read_text())
    kept, tests = [], 0
    for node in tree.body:
        is_test = isinstance(node, ast.FunctionDef) and node.name.startswith("test_")
        tests += is_test
        if not is_test or tests <= count:
            kept.append(node)
    return ast.unparse(ast.Module(body=kept, type_ignores=[])) + "\n"


def reference_suite(slug: str) -> str:
    return (CATALOG / slug / "reference_test.py").read_text()


def history() -> list[tuple[str, str]]:
    """(problem, suite) in the order the learner sent them: a weak then a strong suite on
    mini-clamp, a suite golden fails, a complete suite and a growing one on catalog
    problems (short diffs: the picture of the history stays readable)."""
    return [
        (PROBLEM, WEAK_SUITE),
        (PROBLEM, STRONG_SUITE),
        (FAST_PROBLEM, FAILS_ON_GOLDEN),
        ("luhn-check", reference_suite("luhn-check")),
        ("leap-year", first_tests("leap-year", 1)),
        ("leap-year", first_tests("leap-year", 3)),
    ]


@pytest.fixture(scope="module")
def catalog_published(console: RunningConsole) -> None:
    with db.connect(console.database_url) as conn:
        if conn.execute("SELECT 1 FROM problems WHERE slug = %s", (ROMAN,)).fetchone() is None:
            publish_catalog(conn)


@pytest.fixture(scope="module")
def worker(
    console: RunningConsole, console_redis: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RunningWorker]:
    with jailed_worker(console, console_redis, tmp_path_factory.mktemp("showcase-worker")) as w:
        yield w


@pytest.fixture(scope="module")
def learners_history(
    console: RunningConsole, console_redis: str, catalog_published: None, worker: RunningWorker
) -> list[str]:
    """The learner (English, for the README), their history submitted through the API and
    judged by the worker; the submissions' ids."""
    with db.connect(console.database_url) as conn:
        user, token = create_user(conn, LEARNER, "learner")
        set_password(conn, LEARNER, PASSWORD)
        set_locale(conn, user.id, "en")
        conn.execute(
            "INSERT INTO bookmarks (user_id, problem_id) SELECT %s, id FROM problems"
            " WHERE slug IN (%s, 'word-wrap')",
            (user.id, ROMAN),
        )
    settings = make_settings(console.database_url, console_redis)
    ids = []
    with TestClient(app=create_app(settings)) as api:
        for problem, suite in history():
            answer = api.post(
                "/api/v1/submissions",
                json={"problem": problem, "code": suite},
                headers={"Authorization": f"Bearer {token}"},
            )
            assert answer.status_code == 202, answer.text
            ids.append(answer.json()["id"])
    _wait_until_judged(console.database_url, ids, worker)
    _spread_over_days(console.database_url, ids)
    return ids


def _spread_over_days(database_url: str, ids: list[str]) -> None:
    """The history as a learner makes it, an attempt every few hours over the last days,
    in the order they were sent (all were sent a moment ago)."""
    with db.connect(database_url) as conn:
        for back, submission_id in enumerate(reversed(ids), start=1):
            shift = timedelta(hours=7 * back, minutes=13 * back)
            conn.execute(
                "UPDATE submissions SET created_at = created_at - %(shift)s,"
                " started_at = started_at - %(shift)s, finished_at = finished_at - %(shift)s"
                " WHERE id = %(id)s",
                {"shift": shift, "id": submission_id},
            )


def _wait_until_judged(database_url: str, ids: list[str], worker: RunningWorker) -> None:
    deadline = time.monotonic() + 240
    with db.connect(database_url) as conn:
        while True:
            rows = conn.execute(
                "SELECT count(*) AS n FROM submissions WHERE id = ANY(%s::uuid[])"
                " AND status IN ('SUCCESS', 'FAILURE', 'ERROR')",
                (ids,),
            ).fetchone()
            if rows is not None and rows["n"] == len(ids):
                return
            assert time.monotonic() < deadline, worker.output()
            time.sleep(0.5)


@pytest.fixture(scope="module")
def readme_browser(
    tmp_path_factory: pytest.TempPathFactory, console: RunningConsole, learners_history: list[str]
) -> Iterator[webdriver.Chrome]:
    driver = chromium(tmp_path_factory.mktemp("showcase-chromium"))
    log_in(driver, console, LEARNER)
    yield driver
    driver.quit()


# The editor's label down to the end of the result panel: what the learner wrote and what
# the judge made of it, without the statement above.
EDITOR_AND_RESULT = ("#learn-editor-label", '[data-testid="result"]')
MARGIN = 16


def region(driver: webdriver.Chrome, name: str, between: tuple[str, str]) -> Path:
    """The part of the page from the top of the first element to the bottom of the
    second, as wide as both, under tests/artifacts/."""
    driver.execute_script("window.scrollTo(0, 0)")
    box = driver.execute_script(
        "const [a, b] = [...arguments].map(s => document.querySelector(s).getBoundingClientRect());"
        " return {x: Math.min(a.left, b.left), y: a.top + window.scrollY,"
        " right: Math.max(a.right, b.right), bottom: b.bottom + window.scrollY};",
        *between,
    )
    clip = {
        "x": max(0, box["x"] - MARGIN),
        "y": max(0, box["y"] - MARGIN),
        "width": box["right"] - box["x"] + 2 * MARGIN,
        "height": box["bottom"] - box["y"] + 2 * MARGIN,
        "scale": 1,
    }
    shot = driver.execute_cdp_cmd(
        "Page.captureScreenshot", {"format": "png", "captureBeyondViewport": True, "clip": clip}
    )
    path = ARTIFACTS / f"{name}.png"
    path.write_bytes(base64.b64decode(shot["data"]))
    return path


def publish(shot: Path, name: str) -> None:
    shutil.copyfile(shot, DOCS / f"{name}.png")


def _body(driver: webdriver.Chrome) -> str:
    return str(driver.find_element(By.TAG_NAME, "body").text)


def test_the_problem_browser_shows_the_catalog_with_the_learners_standing(
    readme_browser: webdriver.Chrome, console: RunningConsole
) -> None:
    driver = readme_browser
    open_learner_page(driver, console.base_url + "/learn", Record())
    body = _body(driver)
    assert "Integer to Roman numerals" in body and "100" in body
    states = {
        b.get_attribute("data-state") for b in driver.find_elements(By.CSS_SELECTOR, "[data-state]")
    }
    assert {"solved", "tried", "new"} <= states
    publish(picture(driver, "learner-readme-problems"), "learner-problems")


def test_a_suite_typed_and_submitted_shows_its_result_explained_with_hints(
    readme_browser: webdriver.Chrome, console: RunningConsole, worker: RunningWorker
) -> None:
    driver = readme_browser
    open_learner_page(driver, console.base_url + f"/learn/{ROMAN}", Record())
    type_code(driver, ROMAN_SUITE)
    editor(driver).send_keys(Keys.CONTROL, Keys.ENTER)
    submission_id = submitted_id(driver, None)
    assert judged(driver, submission_id) == "SUCCESS", worker.output()
    panel = result_panel(driver)
    assert driver.find_elements(By.CSS_SELECTOR, '[data-testid="hint"]'), panel.text
    assert "✓" in panel.text or "killed" in panel.text.lower()
    driver.execute_script("document.activeElement && document.activeElement.blur()")
    picture(driver, "learner-readme-result-page")
    publish(region(driver, "learner-readme-result", EDITOR_AND_RESULT), "learner-result")


def test_the_history_shows_each_attempt_with_its_score_and_diff(
    readme_browser: webdriver.Chrome, console: RunningConsole, learners_history: list[str]
) -> None:
    driver = readme_browser
    open_learner_page(driver, console.base_url + "/learn/attempts", Record())
    body = _body(driver)
    assert "Clamp (test problem)" in body
    diffs = driver.find_elements(By.CSS_SELECTOR, "pre[aria-label]")
    assert diffs, body
    publish(picture(driver, "learner-readme-attempts"), "learner-attempts")
