"""A real console in a real browser: `python -m ui` as its own process, jailed in a network
namespace whose only way out records every packet (jail.py), and Debian's chromium driven
through its chromedriver (selenium, headless, no selenium-manager), logged in as an admin.

The console reaches this session's PostgreSQL and a Redis of its own through Unix sockets
(namespaces do not separate those), and the browser reaches the console through a relay
(relay.py) from a TCP port on 127.0.0.1 to a Unix socket into the namespace."""

from __future__ import annotations

import base64
import json
import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from selenium import webdriver
from selenium.common.exceptions import StaleElementReferenceException, TimeoutException
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import WebDriverWait

from appliance import db
from appliance.accounts.users import create_user, set_locale, set_password
from appliance.vocabulary import Locale
from tests import services
from tests.conftest import JUDGE_IMAGE
from ui.i18n import translator
from ui.layout import NAVIGATION

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[2]
ARTIFACTS = ROOT / "tests" / "artifacts"
CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
ADMIN, PASSWORD = "ada", "a browser test's password"
CONSOLE_PORT_INSIDE = 8080
LOCALES: tuple[Locale, ...] = ("ko", "en")
PAGES = [(path, key) for path, key, _ in NAVIGATION]


@dataclass
class RunningConsole:
    """The console process, where the browser finds it, and what left its namespace."""

    process: subprocess.Popen[bytes]
    base_url: str
    packets_log: Path
    output_log: Path
    database_url: str

    @property
    def netloc(self) -> str:
        return urlsplit(self.base_url).netloc

    def packets(self) -> list[str]:
        return self.packets_log.read_text().splitlines()

    def output(self) -> str:
        return self.output_log.read_text(errors="replace")[-4000:]


def _require_tools() -> None:
    missing = [p for p in (CHROMIUM, CHROMEDRIVER) if not Path(p).exists()]
    if missing:
        pytest.fail(f"{', '.join(missing)} missing: ops/install-host.sh --dev installs them")
    if os.geteuid() != 0 or shutil.which("unshare") is None:
        pytest.fail("the console runs in a network namespace of its own: run as root with unshare")


@pytest.fixture(scope="session")
def console_database(pg_admin_url: str, template_database: str) -> Iterator[str]:
    """A database of its own (from the template: three published problems) with the admin
    `ada`; yields its URL over PostgreSQL's Unix socket."""
    name = f"browser_{os.getpid()}"
    with db.connect(pg_admin_url) as admin:
        admin.execute(f"CREATE DATABASE {name} TEMPLATE {template_database}")
        socket_dir = admin.execute("SHOW unix_socket_directories").fetchone()
    assert socket_dir is not None
    port = urlsplit(pg_admin_url).port
    url = f"postgresql://arena@/{name}?host={socket_dir['unix_socket_directories']}&port={port}"
    with db.connect(url) as conn:
        create_user(conn, ADMIN, "admin")
        set_password(conn, ADMIN, PASSWORD)
    yield url
    with db.connect(pg_admin_url) as admin:
        admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture(scope="session")
def console_redis(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A Redis of the console's own, on a Unix socket only."""
    folder = tmp_path_factory.mktemp("browser-redis")
    sock = folder / "redis.sock"
    binary = shutil.which("redis-server") or "/usr/bin/redis-server"
    options = ["--save", "", "--appendonly", "no", "--dir", str(folder)]
    server = subprocess.Popen(
        [binary, "--port", "0", "--unixsocket", str(sock), "--unixsocketperm", "700", *options],
        stdout=subprocess.DEVNULL,
    )
    _wait_for(lambda: sock.exists(), 15, "Redis's socket")
    yield f"unix://{sock}?db=0"
    server.terminate()
    server.wait(timeout=15)


def _wait_for(ready: Any, timeout_s: float, what: str) -> None:
    deadline = time.monotonic() + timeout_s
    while not ready():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} not there within {timeout_s} s")
        time.sleep(0.1)


def _console_env(database_url: str, redis_url: str, data_dir: Path) -> dict[str, str]:
    # Not PYTEST_CURRENT_TEST (NiceGUI behaves differently under pytest), nor any setting
    # of this session's.
    base = {k: v for k, v in os.environ.items() if not k.startswith(("ARENA_", "PYTEST_"))}
    return {
        **base,
        "ARENA_DATABASE_URL": database_url,
        "ARENA_REDIS_URL": redis_url,
        "ARENA_JUDGE_IMAGE": JUDGE_IMAGE,
        "ARENA_DATA_DIR": str(data_dir),
        "ARENA_CONSOLE_SECRET": "a browser test's secret, not a real one",
        "ARENA_CONSOLE_HOST": "127.0.0.1",
        "ARENA_CONSOLE_PORT": str(CONSOLE_PORT_INSIDE),
        "PYTHONUNBUFFERED": "1",
    }


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return bool(response.status == 200)
    except (urllib.error.URLError, OSError):
        return False


@pytest.fixture(scope="session")
def console(
    console_database: str, console_redis: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RunningConsole]:
    _require_tools()
    work = tmp_path_factory.mktemp("browser-console")
    inner_socket, port = work / "console.sock", services.free_port()
    python = sys.executable
    # In the namespace: the relay from the Unix socket to the console's port, then the console.
    inside = (
        f"{python} {HERE / 'relay.py'} unix {inner_socket} {CONSOLE_PORT_INSIDE} & "
        f"exec {python} -m ui"
    )
    output = work / "console.log"
    jail = ["unshare", "--net", "--", python, str(HERE / "jail.py"), str(work / "packets.log")]
    with open(output, "wb") as out:
        process = subprocess.Popen(
            [*jail, "bash", "-c", inside],
            cwd=ROOT,
            env=_console_env(console_database, console_redis, work / "data"),
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    outer = subprocess.Popen(
        [python, str(HERE / "relay.py"), "tcp", str(port), str(inner_socket)],
        start_new_session=True,
    )
    running = RunningConsole(
        process, f"http://127.0.0.1:{port}", work / "packets.log", output, console_database
    )
    try:
        _wait_until_it_answers(running)
        yield running
    finally:
        for child in (process, outer):
            _end(child)


def _wait_until_it_answers(running: RunningConsole) -> None:
    deadline = time.monotonic() + 60
    while not _answers(running.base_url + "/login"):
        if running.process.poll() is not None:
            pytest.fail(f"the console exited {running.process.returncode}:\n{running.output()}")
        if time.monotonic() > deadline:
            pytest.fail(f"the console did not answer within 60 s:\n{running.output()}")
        time.sleep(0.2)


def _end(process: subprocess.Popen[bytes]) -> None:
    """Its whole process group (the console, the namespace's relay and packet recorder)."""
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=20)
    except ProcessLookupError:
        return
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


def chromium(profile: Path) -> webdriver.Chrome:
    """Headless chromium at 1280 px, logging the console and every network request, with
    its profile in `profile`."""
    _require_tools()
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in (
        "--headless=new",
        "--no-sandbox",  # root, in a container
        "--disable-dev-shm-usage",
        "--disable-gpu",
        "--window-size=1280,900",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={profile}",
    ):
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    # With the driver's path given, selenium does not run selenium-manager (which would
    # look for, or download, a driver).
    service = webdriver.ChromeService(executable_path=CHROMEDRIVER)
    driver = webdriver.Chrome(options=options, service=service)
    driver.set_page_load_timeout(30)
    return driver


@pytest.fixture(scope="session")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[webdriver.Chrome]:
    """The session's chromium (the admin's)."""
    driver = chromium(tmp_path_factory.mktemp("chromium-profile"))
    ARTIFACTS.mkdir(exist_ok=True)
    yield driver
    driver.quit()


def connected(driver: webdriver.Chrome) -> None:
    """Until the page's socket has shaken hands with the console: what is typed before that
    may never reach the server (the login form then sees an empty password)."""
    WebDriverWait(driver, 15).until(lambda d: d.execute_script("return window.did_handshake"))


@pytest.fixture(scope="session")
def admin_browser(browser: webdriver.Chrome, console: RunningConsole) -> webdriver.Chrome:
    """The browser, logged in as the admin `ada` through the login form."""
    browser.get(console.base_url + "/login")
    name = WebDriverWait(browser, 15).until(
        lambda d: d.find_element(By.CSS_SELECTOR, "input[autocomplete=username]")
    )
    connected(browser)
    name.send_keys(ADMIN)
    password = browser.find_element(By.CSS_SELECTOR, "input[type=password]")
    password.send_keys(PASSWORD, Keys.ENTER)
    try:
        WebDriverWait(browser, 20).until(lambda d: urlsplit(d.current_url).path != "/login")
    except TimeoutException:
        alerts = [e.text for e in browser.find_elements(By.CSS_SELECTOR, "[role=alert]")]
        screenshot(browser, "console-login-failed")
        pytest.fail(f"the login did not go through: {alerts}\n{console.output()}")
    return browser


def use_locale(console: RunningConsole, locale: str) -> None:
    """The admin's language, as the header's switch stores it."""
    with db.connect(console.database_url) as conn:
        row = conn.execute("SELECT id FROM users WHERE name = %s", (ADMIN,)).fetchone()
        assert row is not None
        set_locale(conn, row["id"], locale)


def drain_logs(driver: webdriver.Chrome) -> None:
    driver.get_log("browser")
    driver.get_log("performance")


def network_events(driver: webdriver.Chrome) -> list[dict[str, Any]]:
    """The DevTools Network events since the last call (the performance log)."""
    events = [json.loads(entry["message"])["message"] for entry in driver.get_log("performance")]
    return [event for event in events if event["method"].startswith("Network.")]


def settle(
    driver: webdriver.Chrome, quiet_s: float = 0.6, limit_s: float = 8
) -> list[dict[str, Any]]:
    """Waits until no request started for `quiet_s` (charts and fonts load after the
    page); returns the Network events meanwhile."""
    events: list[dict[str, Any]] = []
    deadline = time.monotonic() + limit_s
    last_request = time.monotonic()
    while time.monotonic() - last_request < quiet_s and time.monotonic() < deadline:
        fresh = network_events(driver)
        if any(e["method"] == "Network.requestWillBeSent" for e in fresh):
            last_request = time.monotonic()
        events += fresh
        time.sleep(0.1)
    return events


def screenshot(driver: webdriver.Chrome, name: str) -> Path:
    """The whole page (not only the window), as a PNG under tests/artifacts/."""
    metrics = driver.execute_cdp_cmd("Page.getLayoutMetrics", {})
    size = metrics["cssContentSize"]
    shot = driver.execute_cdp_cmd(
        "Page.captureScreenshot",
        {
            "format": "png",
            "captureBeyondViewport": True,
            "clip": {"x": 0, "y": 0, "width": size["width"], "height": size["height"], "scale": 1},
        },
    )
    path = ARTIFACTS / f"{name}.png"
    path.write_bytes(base64.b64decode(shot["data"]))
    return path


def page_name(path: str) -> str:
    """A file name for the page at `path` ("/learn/attempts" -> "learn-attempts")."""
    return path.strip("/").replace("/", "-") or "overview"


def document_status(events: list[dict[str, Any]], url: str) -> int | None:
    """The HTTP status the page's own document was answered with."""
    for event in events:
        params = event["params"]
        answer = event["method"] == "Network.responseReceived" and params["type"] == "Document"
        if answer and params["response"]["url"] == url:
            return int(params["response"]["status"])
    return None


def requested_urls(events: list[dict[str, Any]]) -> list[str]:
    """Every URL the page asked for: documents, scripts, styles, fonts, images, fetches
    and its websocket."""
    urls = [
        e["params"]["request"]["url"] for e in events if e["method"] == "Network.requestWillBeSent"
    ]
    urls += [e["params"]["url"] for e in events if e["method"] == "Network.webSocketCreated"]
    return urls


def foreign(urls: list[str], netloc: str) -> list[str]:
    """The URLs that go to another host than the console's. data: and blob: stay in the
    page, and chrome: is the browser's own pages (a new tab page it opens on its own now and
    then shows up in the log), served from inside it, never from the network."""
    return [
        u
        for u in urls
        if urlsplit(u).scheme not in ("data", "blob", "chrome") and urlsplit(u).netloc != netloc
    ]


def open_page(
    driver: webdriver.Chrome, console: RunningConsole, path: str, key: str, locale: Locale
) -> list[dict[str, Any]]:
    """Opens `path` and waits until its header shows the page's own entry in `locale` and
    the network is quiet; returns the Network events of the load."""
    drain_logs(driver)
    url = console.base_url + path
    driver.get(url)
    label = translator(locale)(key)
    try:
        WebDriverWait(driver, 10, ignored_exceptions=[StaleElementReferenceException]).until(
            lambda d: (
                any(
                    link.text == label
                    for link in d.find_elements(By.CSS_SELECTOR, "header [role=navigation] a")
                )
                and d.find_elements(By.CSS_SELECTOR, "[role=heading]")
            )
        )
    except TimeoutException:
        events = settle(driver)
        status = document_status(events, url)
        pytest.fail(
            f"{path} ({locale}) did not draw its frame within 10 s: HTTP {status}"
            + (" (the page does not exist yet)" if status == 404 else "")
        )
    events = settle(driver)
    assert document_status(events, url) in (200, None), f"{path}: {document_status(events, url)}"
    return events
