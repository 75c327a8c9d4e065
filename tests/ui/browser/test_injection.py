"""Attack kept as a test: a learner's suite whose test ids, failure messages and output
carry HTML and Vue template syntax is shown to an admin as text, never run or rendered.
(An admin's browser executing a learner's markup would hand the learner the console.)"""

from __future__ import annotations

import docker
import pytest
from litestar.testing import TestClient
from selenium import webdriver
from selenium.common.exceptions import NoAlertPresentException
from selenium.webdriver.common.by import By

from appliance import db, queue
from appliance.accounts.users import create_user
from appliance.api import create_app
from appliance.workers.worker import ContextWorker, close, make_context
from tests.conftest import PROBLEM, make_settings
from tests.ui.browser.conftest import RunningConsole, open_page, use_locale

MARKUP = "<img src=x onerror=window.pwned=1>"
TEMPLATE = "{{ 7 * 191 }}"
# Passes on golden (so it is stored in full), says MARKUP and TEMPLATE every way it can.
HOSTILE_SUITE = f'''
import pytest
from target import clamp

@pytest.mark.parametrize("x", [5], ids=["{MARKUP}"])
def test_markup_in_the_id(x):
    print("{MARKUP} {TEMPLATE}")
    assert clamp(x, 0, 10) == 5

@pytest.mark.parametrize("x", [5], ids=["{TEMPLATE}"])
def test_template_in_the_id(x):
    assert clamp(x, 0, 10) == 5, "{MARKUP} {TEMPLATE}"

def test_kills_with_a_hostile_message():
    assert clamp(11, 0, 10) == 10, "{MARKUP} {TEMPLATE}"
'''


@pytest.fixture(scope="module")
def hostile_submission(
    console: RunningConsole, console_redis: str, docker_engine: docker.DockerClient
) -> str:
    settings = make_settings(console.database_url, console_redis)
    with db.connect(console.database_url) as conn:
        token = create_user(conn, "mallory", "learner")[1]
    with TestClient(app=create_app(settings)) as api:
        answer = api.post(
            "/api/v1/submissions",
            json={"problem": PROBLEM, "code": HOSTILE_SUITE},
            headers={"Authorization": f"Bearer {token}"},
        )
    assert answer.status_code == 202, answer.text
    broker = queue.connect(console_redis)
    ctx = make_context(settings, db.connect(console.database_url), docker_engine, "worker-x")
    try:
        ContextWorker([queue.judge_queue(broker)], broker, ctx).work(burst=True)
    finally:
        close(ctx)
        broker.close()
    return str(answer.json()["id"])


def test_a_hostile_suite_is_shown_as_text_to_an_admin(
    admin_browser: webdriver.Chrome, console: RunningConsole, hostile_submission: str
) -> None:
    use_locale(console, "en")
    open_page(admin_browser, console, f"/submissions/{hostile_submission}", "nav.submissions", "en")
    body = admin_browser.find_element(By.TAG_NAME, "body").text
    assert "Success" in body or "SUCCESS" in body  # judged, and shown in full
    assert MARKUP in body  # as text
    assert TEMPLATE in body and str(7 * 191) not in body  # never evaluated by Vue
    assert admin_browser.find_elements(By.CSS_SELECTOR, "img[src=x]") == []
    assert admin_browser.execute_script("return window.pwned === undefined")
    with pytest.raises(NoAlertPresentException):
        admin_browser.switch_to.alert.text  # noqa: B018
