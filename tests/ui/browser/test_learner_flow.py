"""A learner's whole flow in a real browser, once in Korean and once in English: log in
through the form, find mini-clamp with the problem browser's search box, open it, write a
suite in the CodeMirror editor with the keyboard, submit it with Ctrl+Enter, watch the
result arrive in the same page (pushed: no reload, no polling), read a survivor's hint and
find the attempt in the history.

The console runs jailed (conftest.py, jail.py) and so does a real worker (`python -m
appliance worker`, the judge image in Docker), each in a network namespace that records
every packet trying to leave: after the flow neither recorded one, the browser asked no
other host for anything and logged no SEVERE entry, and no page was wider than the
window at 1280 px nor on a 768 px tablet (where the problem page stacks the editor below
the statement; at 1280 px they sit side by side). Screenshots go to
tests/artifacts/learner-*.png.

The learner has a browser of their own (not the session's `browser`, which stays logged
in as the admin for the console's tests)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from selenium import webdriver
from selenium.common.exceptions import StaleElementReferenceException, TimeoutException
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support.ui import WebDriverWait

from appliance import db
from appliance.accounts.users import create_user, set_locale, set_password
from appliance.vocabulary import Locale
from tests.bundles import MUTANTS, WEAK_SUITE
from tests.conftest import JUDGE_IMAGE, PROBLEM
from tests.ui.browser.conftest import (
    HERE,
    LOCALES,
    PASSWORD,
    ROOT,
    RunningConsole,
    _end,
    chromium,
    connected,
    drain_logs,
    foreign,
    network_events,
    requested_urls,
    screenshot,
)
from ui.i18n import translator

TERMINAL = ("SUCCESS", "FAILURE", "ERROR")
# The typed suite kills bounds_swapped only (weight 1 of 6): 30 + 70 * 1 // 6.
TYPED_SUITE, TYPED_SCORE = WEAK_SUITE, 41
KILLED, SURVIVORS = ("bounds_swapped",), ("upper_exclusive", "no_range_check")
JUDGED_WITHIN_S = 180
WIDTHS = (1280, 768)
STACKED_BELOW = 1024
# Every page of the learner's area the flow visits; {id} is the flow's submission.
LEARNER_PAGES = (
    "/learn",
    f"/learn/{PROBLEM}",
    "/learn/results/{id}",
    "/learn/attempts",
    "/learn/progress",
)


# -- a real worker, jailed like the console ------------------------------------------------


@dataclass
class RunningWorker:
    process: subprocess.Popen[bytes]
    packets_log: Path
    output_log: Path

    def packets(self) -> list[str]:
        return self.packets_log.read_text().splitlines()

    def output(self) -> str:
        return self.output_log.read_text(errors="replace")[-4000:]


def worker_env(database_url: str, redis_url: str, data_dir: Path) -> dict[str, str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("ARENA_", "PYTEST_"))}
    return {
        **base,
        "ARENA_DATABASE_URL": database_url,
        "ARENA_REDIS_URL": redis_url,
        "ARENA_JUDGE_IMAGE": JUDGE_IMAGE,
        "ARENA_DATA_DIR": str(data_dir),
        "PYTHONUNBUFFERED": "1",
    }


@contextmanager
def jailed_worker(console: RunningConsole, redis_url: str, folder: Path) -> Iterator[RunningWorker]:
    """`python -m appliance worker` on the console's database and Redis (Unix sockets),
    in a network namespace of its own whose packets are recorded; Docker is reached
    through its Unix socket. Ready once its first heartbeat is stored."""
    python = sys.executable
    jail = ["unshare", "--net", "--", python, str(HERE / "jail.py"), str(folder / "packets.log")]
    output = folder / "worker.log"
    with open(output, "wb") as out:
        process = subprocess.Popen(
            [*jail, python, "-m", "appliance", "worker"],
            cwd=ROOT,
            env=worker_env(console.database_url, redis_url, folder / "data"),
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    running = RunningWorker(process, folder / "packets.log", output)
    try:
        _wait_for_heartbeat(console.database_url, running)
        yield running
    finally:
        _end(process)


@pytest.fixture(scope="module")
def worker(
    console: RunningConsole, console_redis: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RunningWorker]:
    with jailed_worker(console, console_redis, tmp_path_factory.mktemp("learner-worker")) as w:
        yield w


def _wait_for_heartbeat(database_url: str, running: RunningWorker) -> None:
    # unshare and jail.py exec: the worker keeps the pid the test started.
    deadline = time.monotonic() + 90
    with db.connect(database_url) as conn:
        while True:
            beat = conn.execute(
                "SELECT docker_ok FROM workers WHERE pid = %s", (running.process.pid,)
            ).fetchone()
            if beat is not None:
                assert beat["docker_ok"], running.output()
                return
            if running.process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"the worker did not beat:\n{running.output()}")
            time.sleep(0.2)


# -- the learner's own browser --------------------------------------------------------------


@pytest.fixture(scope="module")
def learner_browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[webdriver.Chrome]:
    driver = chromium(tmp_path_factory.mktemp("learner-chromium"))
    yield driver
    driver.quit()


@dataclass
class Record:
    """What the browser did across the flow: every URL it requested, every console entry
    it logged, and the widest page it drew."""

    urls: list[str] = field(default_factory=list)
    logs: list[dict[str, Any]] = field(default_factory=list)
    too_wide: list[str] = field(default_factory=list)
    misplaced: list[str] = field(default_factory=list)

    def take(self, driver: webdriver.Chrome) -> None:
        self.logs += driver.get_log("browser")
        self.urls += requested_urls(network_events(driver))

    def severe(self) -> list[dict[str, Any]]:
        return [entry for entry in self.logs if entry["level"] == "SEVERE"]

    def check_width(self, driver: webdriver.Chrome, what: str) -> None:
        """The page scrolls only vertically: nothing is wider than the window."""
        scroll, client = driver.execute_script(
            "const e = document.documentElement; return [e.scrollWidth, e.clientWidth];"
        )
        if scroll > client:
            self.too_wide.append(f"{what}: {scroll} px in {client} px")

    def check_columns(self, driver: webdriver.Chrome, width: int) -> None:
        """The problem page puts its statement and its editor side by side from 1024 px
        on, one above the other below."""
        statement, editor = driver.execute_script(
            "return ['.nicegui-markdown', '[data-testid=\"editor\"]'].map(s =>"
            " document.querySelector(s).getBoundingClientRect().toJSON());"
        )
        beside = editor["left"] >= statement["right"] and editor["top"] < statement["bottom"]
        below = editor["top"] >= statement["bottom"]
        if (width >= STACKED_BELOW and not beside) or (width < STACKED_BELOW and not below):
            where = "beside" if width >= STACKED_BELOW else "below"
            self.misplaced.append(f"at {width} px the editor is not {where} the statement")


def learner(database_url: str, locale: Locale) -> str:
    """A learner of their own for this language, with the browser tests' password."""
    name = f"learner-{locale}"
    with db.connect(database_url) as conn:
        user, _ = create_user(conn, name, "learner")
        set_password(conn, name, PASSWORD)
        set_locale(conn, user.id, locale)
    return name


def wait(driver: webdriver.Chrome, seconds: float = 15) -> WebDriverWait[webdriver.Chrome]:
    return WebDriverWait(driver, seconds, ignored_exceptions=[StaleElementReferenceException])


def log_in(driver: webdriver.Chrome, console: RunningConsole, name: str) -> None:
    """Through the login form, from a browser holding no session."""
    driver.delete_all_cookies()
    driver.get(console.base_url + "/login")
    box = wait(driver).until(
        lambda d: d.find_element(By.CSS_SELECTOR, "input[autocomplete=username]")
    )
    connected(driver)
    box.send_keys(name)
    driver.find_element(By.CSS_SELECTOR, "input[type=password]").send_keys(PASSWORD, Keys.ENTER)
    try:
        wait(driver, 20).until(lambda d: urlsplit(d.current_url).path != "/login")
    except TimeoutException:
        screenshot(driver, f"learner-login-failed-{name}")
        pytest.fail(f"{name} could not log in:\n{console.output()}")


def search(driver: webdriver.Chrome, locale: Locale, text: str) -> None:
    """Types into the browser's search box, found by its label, and presses Enter."""
    label = translator(locale)("learn.filter.text")
    box = wait(driver).until(
        lambda d: d.find_element(By.CSS_SELECTOR, f'input[aria-label="{label}"]')
    )
    box.send_keys(text, Keys.ENTER)
    wait(driver).until(lambda d: "q=" in urlsplit(d.current_url).query)


def problem_link(driver: webdriver.Chrome, slug: str) -> WebElement:
    return wait(driver).until(lambda d: d.find_element(By.CSS_SELECTOR, f'a[href="/learn/{slug}"]'))


def editor(driver: webdriver.Chrome) -> WebElement:
    return wait(driver).until(
        lambda d: d.find_element(By.CSS_SELECTOR, '[data-testid="editor"] .cm-content')
    )


def _active_line(driver: webdriver.Chrome) -> str:
    text = driver.execute_script(
        "const l = document.querySelector('[data-testid=\"editor\"] .cm-activeLine');"
        " return l ? l.textContent : '';"
    )
    return str(text)


def type_code(driver: webdriver.Chrome, code: str) -> None:
    """Replaces the editor's text by `code`, typed line by line as a person would.
    CodeMirror indents a new line by itself and closes brackets and quotes (typing the
    closing one steps over it): each line's indentation is brought to the wanted width
    with Backspace or spaces, then the rest of the line is typed."""
    content = editor(driver)
    content.click()
    content.send_keys(Keys.CONTROL, "a")
    content.send_keys(Keys.DELETE)
    for number, line in enumerate(code.rstrip("\n").split("\n")):
        if number:
            # A completion list CodeMirror may have opened on the last word (a moment later
            # on a busy machine) takes Enter for itself: close it first, as a person would.
            content.send_keys(Keys.ESCAPE)
            content.send_keys(Keys.ENTER)
        wanted = len(line) - len(line.lstrip(" "))
        for _ in range(40):
            current = _active_line(driver)
            have = len(current) - len(current.lstrip(" "))
            if have == wanted:
                break
            content.send_keys(Keys.BACKSPACE if have > wanted else " " * (wanted - have))
        content.send_keys(line.lstrip(" "))


def editor_text(driver: webdriver.Chrome) -> str:
    """The document as CodeMirror holds it (its lines, not the rendered text)."""
    lines = driver.execute_script(
        "return [...document.querySelectorAll('[data-testid=\"editor\"] .cm-line')]"
        ".map(l => l.textContent);"
    )
    return "\n".join(lines)


# Records every (submission, status) the result panel shows, as it changes; a marker on
# the window shows the page was not reloaded meanwhile.
_WATCH_RESULT = """
window.__learnerFlow = 'same page';
window.__shown = [];
const note = () => {
  const panel = document.querySelector('[data-testid="result"]');
  if (!panel) return;
  const seen = panel.dataset.submission + ' ' + panel.dataset.status;
  if (window.__shown[window.__shown.length - 1] !== seen) window.__shown.push(seen);
};
note();
new MutationObserver(note).observe(document.body, {
  subtree: true, childList: true, attributes: true,
  attributeFilter: ['data-status', 'data-submission'],
});
"""


def polls(events: list[dict[str, Any]]) -> list[str]:
    """The requests a page's own code made (XHR, fetch): how a polling page asks."""
    return [
        e["params"]["request"]["url"]
        for e in events
        if e["method"] == "Network.requestWillBeSent"
        and e["params"].get("type") in ("XHR", "Fetch")
    ]


def result_panel(driver: webdriver.Chrome) -> WebElement:
    return driver.find_element(By.CSS_SELECTOR, '[data-testid="result"]')


def submitted_id(driver: webdriver.Chrome, before: str | None) -> str:
    """The submission the panel switched to after the submit."""
    panel = wait(driver, 30).until(
        lambda d: (
            (p := result_panel(d)).get_attribute("data-submission") not in (None, "", before) and p
        )
    )
    return str(panel.get_attribute("data-submission"))


def judged(driver: webdriver.Chrome, submission_id: str) -> str:
    try:
        wait(driver, JUDGED_WITHIN_S).until(
            lambda d: (
                result_panel(d).get_attribute("data-submission") == submission_id
                and result_panel(d).get_attribute("data-status") in TERMINAL
            )
        )
    except TimeoutException:
        screenshot(driver, "learner-not-judged")
        raise
    return str(result_panel(driver).get_attribute("data-status"))


def stored(database_url: str, submission_id: str) -> dict[str, Any]:
    with db.connect(database_url) as conn:
        row = conn.execute(
            "SELECT s.status, s.score, u.name FROM submissions s JOIN users u ON u.id = s.user_id"
            " WHERE s.id = %s",
            (submission_id,),
        ).fetchone()
    assert row is not None
    return dict(row)


def visible_hints(driver: webdriver.Chrome) -> list[str]:
    """The hints the panel shows; a hint folded away is opened first, by keyboard."""
    hints = driver.find_elements(By.CSS_SELECTOR, '[data-testid="result"] [data-testid="hint"]')
    for hint in hints:
        if not hint.is_displayed() or not hint.text.strip():
            _unfold(driver, hint)
    return [hint.text.strip() for hint in hints if hint.is_displayed()]


def _unfold(driver: webdriver.Chrome, hint: WebElement) -> None:
    """Opens the expansion a hint sits in (its header is a button)."""
    headers = hint.find_elements(
        By.XPATH, "ancestor::*[contains(@class, 'q-expansion-item')][1]//*[@role='button']"
    )
    if headers:
        headers[0].send_keys(Keys.ENTER)
        wait(driver, 5).until(lambda _d: hint.is_displayed())


def picture(driver: webdriver.Chrome, name: str) -> Path:
    """The whole page from its top: the fixed header is drawn where the window is
    scrolled to, so the window goes back to the top first."""
    driver.execute_script("window.scrollTo(0, 0)")
    return screenshot(driver, name)


def open_learner_page(driver: webdriver.Chrome, url: str, record: Record) -> None:
    """Opens a page of the learner's area and waits for its title and for the network
    to fall quiet."""
    driver.get(url)
    wait(driver).until(lambda d: d.find_elements(By.CSS_SELECTOR, "[role=heading]"))
    _settle(driver, record)


def _settle(driver: webdriver.Chrome, record: Record, quiet_s: float = 0.6) -> None:
    deadline, last = time.monotonic() + 8, time.monotonic()
    while time.monotonic() - last < quiet_s and time.monotonic() < deadline:
        events = network_events(driver)
        if any(e["method"] == "Network.requestWillBeSent" for e in events):
            last = time.monotonic()
        record.urls += requested_urls(events)
        time.sleep(0.1)
    record.logs += driver.get_log("browser")


def at_width(driver: webdriver.Chrome, width: int) -> None:
    """The page's viewport exactly `width` px wide (a tablet at 768), or the window's."""
    if width == 1280:
        driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
        return
    driver.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {"width": width, "height": 1024, "deviceScaleFactor": 1, "mobile": False},
    )


@pytest.mark.parametrize("locale", LOCALES)
def test_a_learner_finds_a_problem_writes_a_suite_submits_it_and_sees_it_judged_live(
    learner_browser: webdriver.Chrome,
    console: RunningConsole,
    worker: RunningWorker,
    locale: Locale,
) -> None:
    driver, record, t = learner_browser, Record(), translator(locale)
    name = learner(console.database_url, locale)
    drain_logs(driver)  # what the browser logged before this test is not this test's

    # Logging in lands in the learner's area: the problem browser.
    log_in(driver, console, name)
    assert urlsplit(driver.current_url).path == "/learn"
    _settle(driver, record)
    record.check_width(driver, "/learn")

    # The search box finds the problem; its row opens its page.
    search(driver, locale, PROBLEM)
    _settle(driver, record)
    picture(driver, f"learner-{locale}-problems")
    problem_link(driver, PROBLEM).send_keys(Keys.ENTER)
    wait(driver).until(lambda d: urlsplit(d.current_url).path == f"/learn/{PROBLEM}")
    editor(driver)
    _settle(driver, record)
    record.check_width(driver, f"/learn/{PROBLEM}")

    # Typed with the keyboard, submitted with Ctrl+Enter from the editor.
    type_code(driver, TYPED_SUITE)
    assert editor_text(driver) == TYPED_SUITE.rstrip("\n")
    panels = driver.find_elements(By.CSS_SELECTOR, '[data-testid="result"]')
    before = panels[0].get_attribute("data-submission") if panels else None
    driver.execute_script(_WATCH_RESULT)
    record.take(driver)
    editor(driver).send_keys(Keys.CONTROL, Keys.ENTER)
    submission_id = submitted_id(driver, before)
    status = judged(driver, submission_id)
    meanwhile = network_events(driver)
    record.urls += requested_urls(meanwhile)

    # Judged by the worker, shown in the same page as it changed, never reloaded.
    row = stored(console.database_url, submission_id)
    assert (row["name"], row["status"], row["score"]) == (name, "SUCCESS", TYPED_SCORE)
    assert status == "SUCCESS", worker.output()
    assert driver.execute_script("return window.__learnerFlow") == "same page"
    assert polls(meanwhile) == []  # pushed over the page's websocket, not fetched
    shown = [
        s for s in driver.execute_script("return window.__shown") if s.startswith(submission_id)
    ]
    assert shown[0].split()[1] not in TERMINAL, shown  # seen before the verdict, then updated
    assert shown[-1] == f"{submission_id} SUCCESS"
    assert str(TYPED_SCORE) in result_panel(driver).text

    # Hints for the survivors only.
    hints = visible_hints(driver)
    for survivor in SURVIVORS:
        assert any(MUTANTS[survivor][2] in hint for hint in hints), hints
    for killed in KILLED:
        assert MUTANTS[killed][2] not in result_panel(driver).text
    _settle(driver, record)
    picture(driver, f"learner-{locale}-result")

    # The attempt is in the history, with its score.
    open_learner_page(driver, console.base_url + "/learn/attempts", record)
    attempt = wait(driver).until(
        lambda d: d.find_element(By.CSS_SELECTOR, f'a[href="/learn/results/{submission_id}"]')
    )
    assert attempt.is_displayed()
    assert (
        t("learn.score.value", score=TYPED_SCORE) in driver.find_element(By.TAG_NAME, "body").text
    )
    picture(driver, f"learner-{locale}-attempts")

    # Every page of the flow, at 1280 px and on a tablet: no horizontal scrolling.
    for width in WIDTHS:
        at_width(driver, width)
        for path in LEARNER_PAGES:
            url = console.base_url + path.format(id=submission_id)
            open_learner_page(driver, url, record)
            record.check_width(driver, f"{path} at {width} px")
            if path == f"/learn/{PROBLEM}":
                record.check_columns(driver, width)
            if width != 1280:
                picture(driver, f"learner-{locale}-{width}-{_page_name(path)}")
    at_width(driver, 1280)

    record.take(driver)
    assert record.too_wide == []
    assert record.misplaced == []
    assert record.severe() == []
    assert foreign(record.urls, console.netloc) == []
    assert console.packets() == [] and worker.packets() == []
    assert console.process.poll() is None, console.output()


def _page_name(path: str) -> str:
    return path.strip("/").replace("/", "-").replace("{id}", "id")
