"""A real browser on the console for bench/console.py: Debian's headless Chromium driven
through selenium, and what one page load shows when.

Times are taken inside the page, from its navigation start (performance.now() of the new
document, redirects included): a script Chromium evaluates in every new document, before
the page's own, checks each animation frame (just before it is painted) whether

  * heading: the page's title is visible: the label with role="heading" that
    ui/layout.py frame() draws (on the login page, which has no frame, its password box);
  * content: an element after that heading is visible too: the page's own first element,
    in the column frame() yields (on the login page, the password box again);

and `fcp` is the browser's own first-contentful-paint entry, `first_byte` the moment the
server's answer began (NiceGUI sends a page once its page function has built it: this is
the server's share; the rest is the browser's).
"""

from __future__ import annotations

import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from selenium import webdriver
from selenium.common.exceptions import TimeoutException, WebDriverException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.ui import WebDriverWait

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
WIDTH, HEIGHT = 1280, 900
PAINT_WAIT_S = 2.0

# Evaluated in every new document before its own scripts (CDP addScriptToEvaluateOnNewDocument).
_MARKS = """
(() => {
  const marks = {heading: null, content: null};
  window.__benchMarks = marks;
  const TITLE = '[role="heading"], input[type="password"]';
  const shown = (el) => {
    if (!el) return false;
    const box = el.getBoundingClientRect();
    if (box.width === 0 || box.height === 0) return false;
    const style = getComputedStyle(el);
    return style.visibility !== 'hidden' && style.opacity !== '0';
  };
  const after = (title) => {
    if (title.matches('input')) return title;
    for (let el = title.nextElementSibling; el; el = el.nextElementSibling) {
      if (shown(el)) return el;
    }
    return null;
  };
  const frame = () => {
    const now = performance.now();
    const title = document.querySelector(TITLE);
    if (marks.heading === null && shown(title)) marks.heading = now;
    if (marks.heading !== null && marks.content === null && after(title)) marks.content = now;
    if (marks.content === null && now < 120000) requestAnimationFrame(frame);
  };
  requestAnimationFrame(frame);
})();
"""

_READ = """
const marks = window.__benchMarks || {heading: null, content: null};
const paint = performance.getEntriesByName('first-contentful-paint')[0];
const nav = performance.getEntriesByType('navigation')[0];
return {
  heading: marks.heading, content: marks.content, fcp: paint ? paint.startTime : null,
  status: nav ? nav.responseStatus : null, path: location.pathname,
  first_byte: nav ? nav.responseStart : null,
};
"""


@dataclass(frozen=True)
class Load:
    """One page load: its times in ms from navigation start, or what went wrong."""

    first_byte_ms: float | None = None  # the server's answer began (its page built)
    fcp_ms: float | None = None
    heading_ms: float | None = None
    content_ms: float | None = None
    error: str | None = None


class Browser:
    """One headless Chromium with a fresh profile (its own cookies and cache)."""

    def __init__(self, profile: Path, timeout_s: float) -> None:
        options = webdriver.ChromeOptions()
        options.binary_location = CHROMIUM
        for argument in (
            "--headless=new",
            "--no-sandbox",  # we may be root in a container
            "--disable-dev-shm-usage",
            f"--window-size={WIDTH},{HEIGHT}",
            f"--user-data-dir={profile}",
            # Nothing leaves the host: no updates, sync or phoning home.
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-default-apps",
            "--disable-extensions",
            "--no-first-run",
        ):
            options.add_argument(argument)
        service = Service(executable_path=CHROMEDRIVER, log_output=subprocess.DEVNULL)
        self.driver: WebDriver = webdriver.Chrome(service=service, options=options)
        self.driver.set_page_load_timeout(timeout_s)
        self.driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": _MARKS})
        self.timeout_s = timeout_s

    def close(self) -> None:
        self.driver.quit()

    def version(self) -> str:
        caps = self.driver.capabilities
        return f"{caps.get('browserName', '?')} {caps.get('browserVersion', '?')}"

    def log_in(self, base: str, name: str, password: str) -> str | None:
        """Logs in through the login form as a person would; None, or why it failed."""
        driver = self.driver
        driver.get(f"{base}/login")
        wait = WebDriverWait(driver, self.timeout_s)
        try:
            wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, "input[type=password]"))
        except TimeoutException:
            return f"no login form at {base}/login within {self.timeout_s:.0f} s"
        name_box = driver.find_element(By.CSS_SELECTOR, "input:not([type=password])")
        name_box.send_keys(name)
        driver.find_element(By.CSS_SELECTOR, "input[type=password]").send_keys(
            password + Keys.ENTER
        )
        try:  # argon2 takes a while
            wait.until(lambda d: urlsplit(d.current_url).path != "/login")
        except TimeoutException:
            alerts = driver.find_elements(By.CSS_SELECTOR, '[role="alert"]')
            said = " ".join(a.text for a in alerts if a.text) or "no message"
            return f"the login form did not let {name} in ({said})"
        return None

    def load(self, url: str) -> Load:
        """Open `url` and wait for its content; never raises for a page that fails."""
        try:
            self.driver.get(url)
            return self._measure(urlsplit(url).path)
        except TimeoutException:
            return Load(error=f"not loaded within {self.timeout_s:.0f} s")
        except WebDriverException as exc:
            return Load(error=f"browser error: {exc.msg or type(exc).__name__}")

    def _measure(self, path: str) -> Load:
        deadline = time.monotonic() + self.timeout_s
        shown_at = None  # the content was seen; its paint entry follows within frames
        while True:
            seen = self.driver.execute_script(_READ)
            status, landed = seen.get("status"), seen.get("path")
            if status and status >= 400:
                return Load(error=f"HTTP {status}")
            if not (landed == path or landed.startswith(path.rstrip("/") + "/")):
                return Load(error=f"redirected to {landed}")  # e.g. the login: a failure
            if seen["content"] is not None:
                shown_at = shown_at or time.monotonic()
                if seen["fcp"] is not None or time.monotonic() - shown_at > PAINT_WAIT_S:
                    return Load(seen["first_byte"], seen["fcp"], seen["heading"], seen["content"])
            elif time.monotonic() > deadline:
                what = "heading" if seen["heading"] is None else "content after the heading"
                return Load(error=f"no {what} within {self.timeout_s:.0f} s")
            time.sleep(0.02)
