"""Every page of the console's header (ui.layout.NAVIGATION), in Korean and in English, in
a real browser logged in as an admin: it answers 200, draws its frame in the chosen
language, logs no error in the browser's console and requests nothing from another host.
A full-page screenshot of each goes to tests/artifacts/console-<language>-<page>.png."""

from __future__ import annotations

import pytest
from selenium import webdriver
from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from appliance.vocabulary import Locale
from tests.ui.browser.conftest import (
    LOCALES,
    PAGES,
    RunningConsole,
    foreign,
    open_page,
    page_name,
    requested_urls,
    screenshot,
    use_locale,
)


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize(("path", "key"), PAGES, ids=[page_name(p) for p, _ in PAGES])
def test_each_page_opens_in_each_language_without_errors_or_foreign_requests(
    admin_browser: webdriver.Chrome, console: RunningConsole, path: str, key: str, locale: Locale
) -> None:
    use_locale(console, locale)
    events = open_page(admin_browser, console, path, key, locale)
    screenshot(admin_browser, f"console-{locale}-{page_name(path)}")
    errors = [e for e in admin_browser.get_log("browser") if e["level"] == "SEVERE"]
    assert errors == [], errors
    assert foreign(requested_urls(events), console.netloc) == []
    assert admin_browser.execute_script("return document.documentElement.scrollWidth") <= 1280


def test_the_header_switch_changes_the_language_and_remembers_it(
    admin_browser: webdriver.Chrome, console: RunningConsole
) -> None:
    use_locale(console, "ko")
    open_page(admin_browser, console, "/", "nav.overview", "ko")
    switch = admin_browser.find_element(By.XPATH, "//header//button[normalize-space(.)='English']")
    switch.click()
    WebDriverWait(admin_browser, 10, ignored_exceptions=[StaleElementReferenceException]).until(
        lambda d: any(
            link.text == "Overview"
            for link in d.find_elements(By.CSS_SELECTOR, "header [role=navigation] a")
        )
    )
    # Remembered: another page, opened afresh, is in English too.
    open_page(admin_browser, console, "/problems", "nav.problems", "en")
    errors = [e for e in admin_browser.get_log("browser") if e["level"] == "SEVERE"]
    assert errors == [], errors


def test_a_request_to_another_host_is_told_apart_from_the_consoles_own() -> None:
    here = "127.0.0.1:8080"
    urls = [
        "http://127.0.0.1:8080/_nicegui/3.18.0/static/vue.js",
        "ws://127.0.0.1:8080/_nicegui_ws/socket.io/?EIO=4",
        "data:image/png;base64,AAAA",
        "chrome://new-tab-page-third-party/",
        "https://cdn.jsdelivr.net/npm/vue",
        "http://localhost:8080/same-machine-but-another-origin",
    ]
    assert foreign(urls, here) == urls[4:]
