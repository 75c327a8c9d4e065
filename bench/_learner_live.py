"""The live half of bench/learner.py: how long after the judge finished a submission its
result shows in the learner's page, over submissions judged by a real worker.

The learner's problem page is open in the browser (bench/_console_browser.py); each round
presses its submit button (the editor holds the learner's draft) and waits until the result
panel ([data-testid=result]) shows the new submission terminal. A MutationObserver in the
page notes, for each (submission, status) the panel shows, Date.now() at the change and at
the next animation frame (just before the paint): `shown` is the latter. The database notes
the moment of the UPDATE that made the submission terminal and its commit
(bench/_learner_seed.py); the browser, the database and the bench share the host's clock.

Beside the page, the `arena` command-line client's own polling (client/arena_client:
`follow`, 0.2 s growing to 2 s, against the real API in its own process) follows the same
submission from the moment its id is known, as `arena submit --wait` does after its POST:
the delay of an API-polling client, measured, on the same judgements.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from selenium.common.exceptions import TimeoutException, WebDriverException
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from appliance import db
from bench._console_browser import Browser
from bench._learner_seed import Terminal, terminal
from tests import services

ROOT = Path(__file__).resolve().parent.parent
TERMINAL = ("SUCCESS", "FAILURE", "ERROR")

_OBSERVE = """
window.__live = [];
const note = () => {
  const panel = document.querySelector('[data-testid="result"]');
  if (!panel) return;
  const key = panel.dataset.submission + ' ' + panel.dataset.status;
  const last = window.__live[window.__live.length - 1];
  if (last && last.key === key) return;
  const seen = {key: key, submission: panel.dataset.submission,
                status: panel.dataset.status, changed: Date.now(), shown: null};
  window.__live.push(seen);
  requestAnimationFrame(() => { seen.shown = Date.now(); });
};
note();
new MutationObserver(note).observe(document.body, {
  subtree: true, childList: true, attributes: true,
  attributeFilter: ['data-status', 'data-submission'],
});
"""


@dataclass(frozen=True)
class Round:
    """One submission: when it became terminal and when the page and the poller saw it
    (ms since the epoch), or what went wrong."""

    submission_id: str | None = None
    status: str | None = None
    terminal: Terminal | None = None
    changed_ms: float | None = None  # the panel's DOM changed
    shown_ms: float | None = None  # the frame after it (painted next)
    polled_ms: float | None = None  # the arena client's follow() returned
    first_status: str | None = None  # the panel's first status with the submission's id
    error: str | None = None

    def delay(self, seen: float | None, since: str = "updated") -> float | None:
        if seen is None or self.terminal is None:
            return None
        start = getattr(self.terminal, f"{since}_ms")
        return None if start is None else seen - start


# -- the worker and the API, as the appliance runs them ------------------------------------


@contextmanager
def process(
    command: list[str], env: dict[str, str], log: Path
) -> Iterator[subprocess.Popen[bytes]]:
    with open(log, "wb") as out:
        running = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    try:
        yield running
    finally:
        if running.poll() is None:
            os.killpg(running.pid, signal.SIGTERM)
            try:
                running.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.killpg(running.pid, signal.SIGKILL)
                running.wait(timeout=30)


def _env(arena_env: dict[str, str], **extra: str) -> dict[str, str]:
    inherited = {k: v for k, v in os.environ.items() if not k.startswith(("ARENA_", "PYTEST_"))}
    return {**inherited, **arena_env, **extra, "PYTHONUNBUFFERED": "1"}


@contextmanager
def worker(arena_env: dict[str, str], folder: Path) -> Iterator[subprocess.Popen[bytes]]:
    """`python -m appliance worker`, ready once it has beaten (its sandboxes warm)."""
    command = [sys.executable, "-m", "appliance", "worker"]
    log = folder / "worker.log"
    with (
        process(command, _env(arena_env), log) as running,
        db.connect(arena_env["ARENA_DATABASE_URL"]) as conn,
    ):
        deadline = time.monotonic() + 120
        query = "SELECT docker_ok FROM workers WHERE pid = %s"
        while (beat := conn.execute(query, (running.pid,)).fetchone()) is None:
            if running.poll() is not None or time.monotonic() > deadline:
                sys.exit(f"the worker did not start:\n{log.read_text()[-3000:]}")
            time.sleep(0.2)
        if not beat["docker_ok"]:
            sys.exit(f"the worker has no Docker:\n{log.read_text()[-3000:]}")
        yield running


@contextmanager
def api(arena_env: dict[str, str], folder: Path) -> Iterator[str]:
    """`python -m appliance api` on a free loopback port (one process); its base URL."""
    port = services.free_port()
    env = _env(arena_env, ARENA_API_PORT=str(port), ARENA_API_WORKERS="1")
    command = [sys.executable, "-m", "appliance", "api", "--host", "127.0.0.1"]
    log = folder / "api.log"
    base = f"http://127.0.0.1:{port}"
    with process(command, env, log) as running:
        deadline = time.monotonic() + 60
        while not _answers(f"{base}/healthz"):
            if running.poll() is not None or time.monotonic() > deadline:
                sys.exit(f"the API did not start:\n{log.read_text()[-3000:]}")
            time.sleep(0.2)
        yield base


def _answers(url: str) -> bool:
    try:
        return httpx.get(url, timeout=2).status_code < 500
    except httpx.HTTPError:
        return False


# -- the arena client's polling ---------------------------------------------------------------


class Poller:
    """The arena client's `follow` for one submission, in a thread."""

    def __init__(self, base: str, token: str, submission_id: str, timeout_s: float) -> None:
        self.returned_ms: float | None = None
        self.error: str | None = None
        args = (base, token, submission_id, timeout_s)
        self.thread = threading.Thread(target=self._follow, args=args, daemon=True)
        self.thread.start()

    def _follow(self, base: str, token: str, submission_id: str, timeout_s: float) -> None:
        if str(ROOT / "client") not in sys.path:
            sys.path.insert(0, str(ROOT / "client"))  # the client is its own package
        from arena_client.api import Api  # type: ignore[import-not-found]
        from arena_client.cli import follow  # type: ignore[import-not-found]

        try:
            with Api(base, token) as client:
                follow(client, {"id": submission_id, "status": "PENDING"}, timeout_s, _ignore)
            self.returned_ms = time.time() * 1000
        except Exception as exc:  # reported with the round, never a crash of the bench
            self.error = f"{type(exc).__name__}: {exc}"

    def wait(self, timeout_s: float) -> None:
        self.thread.join(timeout_s)


def _ignore(_: Any) -> None:
    pass


# -- the rounds ---------------------------------------------------------------------------------


def rounds(
    browser: Browser,
    page_url: str,
    database_url: str,
    count: int,
    poll: tuple[str, str] | None,
    timeout_s: float,
) -> list[Round]:
    """`count` submissions from the open problem page, one after the other."""
    driver = browser.driver
    try:
        driver.get(page_url)
        WebDriverWait(driver, timeout_s).until(
            lambda d: d.find_elements(By.CSS_SELECTOR, '[data-testid="submit"]')
        )
    except (TimeoutException, WebDriverException) as exc:
        shows = driver.execute_script("return location.pathname + ': ' + document.body.innerText")
        return [Round(error=f"no submit button ({type(exc).__name__}); {shows[:300]!r}")]
    driver.execute_script(_OBSERVE)
    done: list[Round] = []
    with db.connect(database_url) as conn:
        for _ in range(count):
            done.append(one_round(browser, conn, poll, timeout_s))
            if done[-1].error and done[-1].submission_id is None:
                break  # the page cannot submit: no point in trying again
    return done


def one_round(
    browser: Browser, conn: db.Connection, poll: tuple[str, str] | None, timeout_s: float
) -> Round:
    driver = browser.driver
    before = {entry["submission"] for entry in driver.execute_script("return window.__live")}
    try:
        driver.find_element(By.CSS_SELECTOR, '[data-testid="submit"]').click()
        found = WebDriverWait(driver, timeout_s).until(lambda _d: _new_id(driver, before) or False)
        submission_id = str(found)
    except (TimeoutException, WebDriverException) as exc:
        return Round(error=f"no new submission in the page: {type(exc).__name__}")
    poller = Poller(*poll, submission_id, timeout_s * 4) if poll else None
    try:
        seen: dict[str, Any] = dict(
            WebDriverWait(driver, timeout_s * 4, poll_frequency=0.05).until(
                lambda _d: _terminal_shown(driver, submission_id) or False
            )
        )
    except TimeoutException:
        return Round(submission_id, error=f"not shown judged within {timeout_s * 4:.0f} s")
    if poller is not None:
        poller.wait(timeout_s * 4)
    ended = terminal(conn, submission_id)
    first = next(e["status"] for e in _entries(driver) if e["submission"] == submission_id)
    error = poller.error if poller else None
    return Round(
        submission_id,
        seen["status"],
        ended,
        seen["changed"],
        seen["shown"],
        poller.returned_ms if poller else None,
        first,
        error=error or (None if ended else "no terminal UPDATE noted"),
    )


def _entries(driver: Any) -> list[dict[str, Any]]:
    return list(driver.execute_script("return window.__live"))


def _new_id(driver: Any, before: set[str]) -> str | None:
    fresh = [e["submission"] for e in _entries(driver) if e["submission"] not in before]
    return fresh[0] if fresh and fresh[0] not in ("", "undefined") else None


def _terminal_shown(driver: Any, submission_id: str) -> dict[str, Any] | None:
    """The panel's first terminal status of the submission after one that is not: the
    panel names a new submission before it has read it, and the status it shows until
    then is not that submission's."""
    read = False
    for entry in _entries(driver):
        if entry["submission"] != submission_id:
            continue
        if entry["status"] not in TERMINAL:
            read = True
        elif read and entry["shown"] is not None:
            return dict(entry)
    return None
