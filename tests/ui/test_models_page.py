"""/models: the registered endpoints with their current version and never a key, one
endpoint's versions, registering and adding a version by form with the API's validation
(refusals in the page's language, the form kept as typed), the connectivity check against
a scripted server on loopback (one up, one down), and each version's latency in the colour
and the words of its level."""

from __future__ import annotations

import asyncio
import hashlib
import socket
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from nicegui import ui
from nicegui.testing.user import User as SimulatedUser

from appliance import db
from appliance.metrics import latency
from appliance.metrics.reports import WINDOWS
from appliance.models import endpoints, keys
from appliance.models.endpoints import DEFAULT_PROMPT_TEMPLATE, Registration, Sampling
from appliance.settings import Settings
from appliance.vocabulary import Locale
from tests import services
from tests.conftest import make_settings
from tests.llm_server import ScriptedServer
from tests.metrics.conftest import NOW
from tests.metrics.test_model_latency import Request, Store
from tests.models.conftest import ALLOWED_HOSTS, MODEL_KEY
from tests.ui.conftest import text_of
from ui.admin import model_form, model_latency
from ui.i18n import translator

KEY = "sk-console-5e8d1f20"
WAIT = 100  # retries of 0.1 s: registering and checking run in threads


@pytest.fixture(autouse=True)
def model_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    """The console's models settings: a model key, the tests' allow-list, a short timeout."""
    monkeypatch.setenv("ARENA_MODEL_KEY", MODEL_KEY)
    monkeypatch.setenv("ARENA_MODEL_HOSTS", ALLOWED_HOSTS)
    monkeypatch.setenv("ARENA_MODEL_TIMEOUT_SECONDS", "2")


@pytest.fixture
def settings(database_url: str, redis_url: str) -> Settings:
    return make_settings(
        database_url, redis_url, ARENA_MODEL_KEY=MODEL_KEY, ARENA_MODEL_HOSTS=ALLOWED_HOSTS
    )


@pytest.fixture
def llm_server() -> Iterator[ScriptedServer]:
    server = ScriptedServer(api_key=KEY).start()
    yield server
    server.stop()


def register(
    conn: db.Connection, settings: Settings, name: str, base_url: str, **changes: Any
) -> int:
    values: dict[str, Any] = {"model": "strong", "api_key": None, "sampling": Sampling()}
    values |= changes
    reg = Registration(
        name,
        base_url,
        values["model"],
        values["api_key"],
        values["sampling"],
        values.get("template", DEFAULT_PROMPT_TEMPLATE),
    )
    return endpoints.register(conn, settings, reg).number


def closed_port_url() -> str:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{probe.getsockname()[1]}"


def set_value(user: SimulatedUser, marker: str, value: Any) -> None:
    element = next(iter(user.find(marker=marker).elements))
    with user:
        element.value = value  # type: ignore[attr-defined]


def value_of(user: SimulatedUser, marker: str) -> Any:
    return next(iter(user.find(marker=marker).elements)).value  # type: ignore[attr-defined]


def everything_shown(user: SimulatedUser) -> str:
    """Every text and value of every element on the page: what reaches the browser."""
    parts = []
    for element in user.client.elements.values():
        parts += [str(getattr(element, "text", "")), str(getattr(element, "value", ""))]
        parts.append(str(element.props))
    return " ".join(parts)


def fill(user: SimulatedUser, **fields: Any) -> None:
    for name, value in fields.items():
        set_value(user, f"model-form-{name}", value)


def stored_versions(conn: db.Connection) -> list[dict[str, Any]]:
    return conn.execute(
        "SELECT e.name, v.number, v.base_url, v.model, v.sampling, v.api_key_encrypted"
        " FROM model_versions v JOIN model_endpoints e ON e.id = v.endpoint_id"
        " ORDER BY e.name, v.number"
    ).fetchall()


async def test_the_list_shows_each_current_version_and_whether_a_key_is_set_never_the_key(
    admin_user: SimulatedUser, conn: db.Connection, settings: Settings
) -> None:
    register(conn, settings, "coder", "http://127.0.0.1:9", api_key=KEY)
    register(conn, settings, "coder", "http://10.1.2.3:8000/v1", api_key=KEY, template="Hi $title")
    register(conn, settings, "plain", "http://127.0.0.1:9", sampling=Sampling(seed=7))
    await admin_user.open("/models")
    row = text_of(admin_user, "model-coder")
    digest = hashlib.sha256(b"Hi $title").hexdigest()[:12]
    for expected in ("#2 of 2", "http://10.1.2.3:8000/v1", "model strong", f"custom · {digest}"):
        assert expected in row
    assert "temperature 0.2, top_p 1.0, max_tokens 2048, seed none" in row
    assert row.split("custom")[1].split()[2] == "set"
    plain = text_of(admin_user, "model-plain")
    assert "#1 of 1" in plain and "seed 7" in plain and " none " in plain
    assert "default · " in plain
    assert KEY not in everything_shown(admin_user)


async def test_the_versions_of_an_endpoint_are_listed_newest_first_with_who_and_when(
    admin_user: SimulatedUser, conn: db.Connection, settings: Settings
) -> None:
    register(conn, settings, "coder", "http://127.0.0.1:9")
    register(conn, settings, "coder", "http://127.0.0.1:9", model="weak")
    register(conn, settings, "other", "http://127.0.0.1:9")
    await admin_user.open("/models")
    admin_user.find(marker="show-versions-coder").click()
    await admin_user.should_see("Versions of coder", retries=WAIT)
    table = next(iter(admin_user.find(marker="model-versions-table").elements))
    markers = [m for e in table.descendants() for m in e._markers]
    assert [m for m in markers if m[-1].isdigit()] == ["model-version-2", "model-version-1"]
    newest = text_of(admin_user, "model-version-2")
    assert "current" in newest and "model weak" in newest and "(no user)" in newest
    assert "current" not in text_of(admin_user, "model-version-1")


async def test_a_model_registered_by_form_is_version_1_and_audited_without_its_key(
    admin_user: SimulatedUser, conn: db.Connection
) -> None:
    await admin_user.open("/models")
    admin_user.find(marker="models-new").click()
    await admin_user.should_see(marker="model-form-title")
    fill(admin_user, name="coder", base_url="http://127.0.0.1:9/v1", model="strong", api_key=KEY)
    fill(admin_user, temperature=0.5, max_tokens=512, seed=3)
    admin_user.find(marker="model-form-submit").click()
    await admin_user.should_see("coder: version 1 registered and made current.", retries=WAIT)
    [version] = stored_versions(conn)
    assert (version["base_url"], version["model"]) == ("http://127.0.0.1:9/v1", "strong")
    assert version["sampling"] == {"temperature": 0.5, "top_p": 1.0, "max_tokens": 512, "seed": 3}
    unsealed = keys.unseal(
        keys.require(make_settings("", "", ARENA_MODEL_KEY=MODEL_KEY).model_key),
        bytes(version["api_key_encrypted"]),
        "coder",
    )
    assert unsealed == KEY
    event = conn.execute(
        "SELECT actor_name, action, target, detail::text AS detail FROM audit_events"
        " WHERE action = 'model.register'"
    ).fetchone()
    assert (event["actor_name"], event["target"]) == ("ada", "coder")
    assert KEY not in event["detail"] and '"has_api_key": true' in event["detail"]
    await admin_user.should_see(marker="model-coder")


async def test_a_new_version_keeps_the_current_key_unless_told_otherwise(
    admin_user: SimulatedUser, conn: db.Connection, settings: Settings
) -> None:
    register(conn, settings, "coder", "http://127.0.0.1:9", api_key=KEY)
    await admin_user.open("/models")
    admin_user.find(marker="add-version-coder").click()
    await admin_user.should_see("New version of coder")
    assert value_of(admin_user, "model-form-api_key") == ""  # the key never comes back
    assert value_of(admin_user, "model-form-keep-key") is True
    fill(admin_user, temperature=0.9)
    admin_user.find(marker="model-form-submit").click()
    await admin_user.should_see("coder: version 2 registered and made current.", retries=WAIT)
    admin_user.find(marker="add-version-coder").click()
    await admin_user.should_see("New version of coder")
    fill(admin_user, **{"keep-key": False})
    admin_user.find(marker="model-form-submit").click()
    await admin_user.should_see("coder: version 3 registered and made current.", retries=WAIT)
    _, kept, dropped = stored_versions(conn)
    assert kept["sampling"]["temperature"] == 0.9 and dropped["sampling"]["temperature"] == 0.9
    assert settings.model_key is not None
    assert keys.unseal(settings.model_key, bytes(kept["api_key_encrypted"]), "coder") == KEY
    assert dropped["api_key_encrypted"] is None


@pytest.mark.parametrize(
    ("typed", "same"),
    [
        ("HTTP://127.0.0.1:9/v1", True),  # case and path: the same server
        ("https://127.0.0.1:9", False),
        ("http://127.0.0.2:9", False),
        ("http://127.0.0.1:10", False),
        ("http://localhost:9", False),  # another name is another server, whatever it resolves to
    ],
)
def test_a_kept_key_goes_only_to_the_server_it_was_typed_for(typed: str, same: bool) -> None:
    assert (model_form.origin("http://127.0.0.1:9") == model_form.origin(typed)) is same


def test_a_default_port_written_or_not_is_the_same_server() -> None:
    assert model_form.origin("https://models.corp.example") == model_form.origin(
        "https://models.corp.example:443/v1"
    )
    assert model_form.origin("http://models.corp.example") != model_form.origin(
        "https://models.corp.example"
    )


@pytest.mark.parametrize("locale", ["en", "ko"])
async def test_a_new_version_on_another_server_does_not_keep_the_key(
    admin_user: SimulatedUser, conn: db.Connection, settings: Settings, locale: Locale
) -> None:
    conn.execute("UPDATE users SET locale = %s WHERE name = 'ada'", (locale,))
    register(conn, settings, "coder", "http://127.0.0.1:9", api_key=KEY)
    await admin_user.open("/models")
    admin_user.find(marker="add-version-coder").click()
    await admin_user.should_see(marker="model-form-keep-key")
    assert value_of(admin_user, "model-form-keep-key") is True
    fill(admin_user, base_url="http://127.0.0.2:9")
    admin_user.find(marker="model-form-submit").click()
    said = translator(locale)("models.refused.key_elsewhere")
    await admin_user.should_see(said, retries=WAIT)
    assert len(stored_versions(conn)) == 1  # nothing registered, the key sent nowhere
    assert value_of(admin_user, "model-form-base_url") == "http://127.0.0.2:9"  # kept as typed
    # Typed again for the new server, it is the new version's key.
    fill(admin_user, api_key="sk-other-server")
    admin_user.find(marker="model-form-submit").click()
    await admin_user.should_not_see(marker="model-form-submit", retries=WAIT)
    _, moved = stored_versions(conn)
    assert settings.model_key is not None
    unsealed = keys.unseal(settings.model_key, bytes(moved["api_key_encrypted"]), "coder")
    assert (moved["base_url"], unsealed) == ("http://127.0.0.2:9", "sk-other-server")


async def test_with_the_database_refusing_registering_says_so_and_nothing_is_lost(
    admin_user: SimulatedUser,
    conn: db.Connection,
    settings: Settings,
    pg_admin_url: str,
    database_url: str,
) -> None:
    register(conn, settings, "coder", "http://127.0.0.1:9")
    await admin_user.open("/models")
    admin_user.find(marker="add-version-coder").click()
    await admin_user.should_see(marker="model-form-submit")
    fill(admin_user, temperature=0.7)
    with services.database_refusing(pg_admin_url, database_url):
        admin_user.find(marker="model-form-submit").click()
        await admin_user.should_see(
            "The database cannot be reached right now. Try again shortly.", retries=WAIT
        )
        admin_user.find(marker="model-form-message")  # the dialog stays, as typed
        assert value_of(admin_user, "model-form-temperature") == 0.7
    with db.connect(database_url) as again:  # the refusal ended every session, conn's too
        assert len(stored_versions(again)) == 1


async def test_with_the_database_refusing_the_versions_say_so(
    admin_user: SimulatedUser,
    conn: db.Connection,
    settings: Settings,
    pg_admin_url: str,
    database_url: str,
) -> None:
    register(conn, settings, "coder", "http://127.0.0.1:9")
    await admin_user.open("/models")
    await admin_user.should_see(marker="model-versions")
    with services.database_refusing(pg_admin_url, database_url):
        admin_user.find(marker="show-versions-coder").click()
        await admin_user.should_see(marker="unavailable", retries=WAIT)
        await admin_user.should_not_see(marker="model-versions")


@pytest.mark.parametrize(
    ("locale", "base_url", "said"),
    [
        (
            "en",
            "http://8.8.8.8:8000",
            "The base URL's host 8.8.8.8 is 8.8.8.8, outside the air gap (neither loopback nor"
            " a private network). The operator can allow it in ARENA_MODEL_HOSTS.",
        ),
        (
            "ko",
            "http://8.8.8.8:8000",
            "기본 URL의 호스트 8.8.8.8은(는) 8.8.8.8로, 에어갭 밖의 주소입니다(루프백도 사설망도"
            " 아님). 운영자가 ARENA_MODEL_HOSTS에 추가해 허용할 수 있습니다.",
        ),
        (
            "en",
            "http://169.254.169.254/",
            "The base URL's host 169.254.169.254 is 169.254.169.254: link-local, unspecified"
            " and multicast addresses are never allowed.",
        ),
        (
            "ko",
            "http://user:pw@127.0.0.1:9",
            "기본 URL에 사용자나 비밀번호를 넣을 수 없습니다. 대신 API 키를 입력하십시오.",
        ),
        (
            "en",
            "ftp://127.0.0.1",
            "The base URL must start with http:// or https:// and name a host.",
        ),
        (
            "en",
            "http://127.0.0.1:9/?x=1",
            "The base URL may not have a query (?) or a fragment (#).",
        ),
    ],
)
async def test_a_url_the_policy_refuses_is_said_in_the_pages_language_and_nothing_is_lost(
    admin_user: SimulatedUser, conn: db.Connection, locale: str, base_url: str, said: str
) -> None:
    conn.execute("UPDATE users SET locale = %s WHERE name = 'ada'", (locale,))
    await admin_user.open("/models")
    admin_user.find(marker="models-new").click()
    await admin_user.should_see(marker="model-form-title")
    fill(admin_user, name="coder", base_url=base_url, model="strong", api_key=KEY)
    fill(admin_user, prompt_template="Write tests for $title.", temperature=1.5)
    admin_user.find(marker="model-form-submit").click()
    await admin_user.should_see(said, retries=WAIT)
    assert stored_versions(conn) == []
    typed = {
        "name": "coder",
        "base_url": base_url,
        "model": "strong",
        "api_key": KEY,
        "prompt_template": "Write tests for $title.",
        "temperature": 1.5,
    }
    assert {name: value_of(admin_user, f"model-form-{name}") for name in typed} == typed


@pytest.mark.parametrize(
    ("fields", "said"),
    [
        ({"name": "Coder!"}, "The name is 1 to 64 lowercase letters, digits"),
        ({"temperature": 3}, "The temperature lies between 0 and 2."),
        ({"max_tokens": 0}, "Max tokens is a whole number from 1 to 32,768."),
        ({"top_p": 0}, "top_p lies above 0 and at most 1."),
        ({"api_key": "two words"}, "An API key is up to 4,096 printable characters"),
        ({"prompt_template": "Costs 5$"}, "write a literal dollar as $$."),
        ({"prompt_template": "Give $answer"}, "unknown placeholders: answer."),
    ],
)
async def test_the_form_refuses_what_the_api_refuses(
    admin_user: SimulatedUser, conn: db.Connection, fields: dict[str, Any], said: str
) -> None:
    await admin_user.open("/models")
    admin_user.find(marker="models-new").click()
    await admin_user.should_see(marker="model-form-title")
    fill(admin_user, name="coder", base_url="http://127.0.0.1:9", model="strong")
    fill(admin_user, **fields)
    admin_user.find(marker="model-form-submit").click()
    await admin_user.should_see(said, retries=WAIT)
    assert stored_versions(conn) == []


async def test_the_check_says_how_the_live_endpoint_answered_and_why_the_dead_one_did_not(
    admin_user: SimulatedUser,
    conn: db.Connection,
    settings: Settings,
    llm_server: ScriptedServer,
) -> None:
    register(conn, settings, "alive", llm_server.base_url, api_key=KEY)
    register(conn, settings, "gone", closed_port_url())
    await admin_user.open("/models")
    admin_user.find(marker="check-alive").click()
    admin_user.find(marker="check-gone").click()
    await admin_user.should_see("Answers: a one-token chat took", retries=WAIT)
    await admin_user.should_see("Does not answer: the model list could not be read", retries=WAIT)
    alive = text_of(admin_user, "model-check-alive")
    assert alive.startswith("Answers: a one-token chat took ") and alive.endswith(" ms.")
    gone = text_of(admin_user, "model-check-gone")
    assert "(connection)" in gone and "Connection refused" in gone
    assert [r.path for r in llm_server.requests] == ["/v1/models", "/v1/chat/completions"]
    assert KEY not in everything_shown(admin_user)


async def test_a_check_the_url_policy_now_refuses_says_why_in_korean(
    admin_user: SimulatedUser, conn: db.Connection, database_url: str, redis_url: str
) -> None:
    # Registered under an allow-list that held 203.0.113.0/24; the console's does not.
    wider = make_settings(database_url, redis_url, ARENA_MODEL_HOSTS="203.0.113.0/24")
    register(conn, wider, "outside", "http://203.0.113.5:8000")
    conn.execute("UPDATE users SET locale = 'ko' WHERE name = 'ada'")
    await admin_user.open("/models")
    admin_user.find(marker="check-outside").click()
    await admin_user.should_see(
        "확인하지 못함: 기본 URL의 호스트 203.0.113.5은(는) 203.0.113.5로, 에어갭 밖의 주소입니다",
        retries=WAIT,
    )


# -- latency ---------------------------------------------------------------------------


@pytest.fixture
def requests_made(conn: db.Connection, settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    """fast@1: quick and fresh; slow@1: over the danger threshold and two hours old (stale);
    idle@1 never asked."""
    monkeypatch.setattr(model_latency, "now", lambda: NOW)
    store = Store(conn, settings)
    fast, fast_id = store.model("fast")
    slow, slow_id = store.model("slow")
    store.model("idle")
    for i in range(3):
        ended = NOW - timedelta(minutes=2 + i)
        store.add(Request(fast, fast_id, ended, 400, 100, False, False))
    store.add(Request(slow, slow_id, NOW - timedelta(hours=2), 2500, 50, False, True))
    store.add(Request(slow, slow_id, NOW - timedelta(hours=2, minutes=1), 2600, None, True, False))


def texts(user: SimulatedUser, marker: str) -> list[str]:
    """The row's texts; none while it is being drawn again."""
    try:
        element = next(iter(user.find(marker=marker).elements))
    except AssertionError:
        return []
    return [e.text for e in element.descendants() if isinstance(e, ui.label | ui.badge)]


@pytest.mark.usefixtures("requests_made")
async def test_each_versions_latency_shows_its_level_in_colour_and_words_and_stale_rows(
    admin_user: SimulatedUser,
) -> None:
    await admin_user.open("/models")
    await admin_user.should_see(marker="model-latency-table")
    assert texts(admin_user, "model-latency-row-fast@1") == [
        "400 ms · good",
        "400 ms · good",
        "400 ms · good",
        "250.0 (mean 250.0)",
        "3",
        "0",
        (NOW - timedelta(minutes=2)).strftime("%Y-%m-%d %H:%M:%S"),  # the zone is UTC
        "good",
    ]
    slow = texts(admin_user, "model-latency-row-slow@1")
    assert slow[1].endswith("ms · danger") and slow[3] == "20.0 (mean 20.0)"
    assert slow[4:6] == ["2", "1"] and "stale" in slow
    row = next(iter(admin_user.find(marker="model-latency-row-slow@1").elements))
    assert any("bg-red-100" in cell.classes for cell in row.descendants())
    idle = texts(admin_user, "model-latency-row-idle@1")
    assert idle[:3] == ["idle", "idle", "idle"] and "stale" in idle
    assert "stale" not in texts(admin_user, "model-latency-row-fast@1")


@pytest.mark.usefixtures("requests_made")
async def test_a_shorter_window_and_one_versions_hourly_history(
    admin_user: SimulatedUser,
) -> None:
    assert "1h" in WINDOWS
    await admin_user.open("/models")
    assert texts(admin_user, "model-latency-row-slow@1")[0] != "idle"
    set_value(admin_user, "model-latency-window", "1h")
    for _ in range(WAIT):  # the table is read again in a thread
        if texts(admin_user, "model-latency-row-slow@1")[:3] == ["idle", "idle", "idle"]:
            break
        await asyncio.sleep(0.1)
    assert texts(admin_user, "model-latency-row-slow@1")[:3] == ["idle", "idle", "idle"]
    assert texts(admin_user, "model-latency-row-fast@1")[0] == "400 ms · good"
    admin_user.find(marker="model-latency-pick-fast@1").click()
    await admin_user.should_see("Hourly history of fast@1")
    chart = next(iter(admin_user.find(marker="model-latency-history-chart").elements))
    assert isinstance(chart, ui.echart)
    series = chart.props["options"]["series"]
    assert [s["name"] for s in series] == ["p50", "p95", "p99"] and len(series[1]["data"]) == 24


@pytest.mark.usefixtures("requests_made")
async def test_the_model_thresholds_are_edited_here_audited_and_leave_the_problems_alone(
    admin_user: SimulatedUser, conn: db.Connection
) -> None:
    await admin_user.open("/models")
    assert texts(admin_user, "model-latency-row-fast@1")[0] == "400 ms · good"
    set_value(admin_user, "model-latency-warning", 300)
    set_value(admin_user, "model-latency-danger", 1000)
    admin_user.find(marker="model-latency-save").click()
    await admin_user.should_see("Thresholds saved.")
    for _ in range(WAIT):  # the table is read again in a thread
        if texts(admin_user, "model-latency-row-fast@1")[:1] == ["400 ms · warning"]:
            break
        await asyncio.sleep(0.1)
    assert texts(admin_user, "model-latency-row-fast@1")[0] == "400 ms · warning"
    stored = conn.execute(
        "SELECT key_kind, warning_ms, danger_ms FROM latency_thresholds ORDER BY key_kind"
    ).fetchall()
    assert [(r["key_kind"], r["warning_ms"], r["danger_ms"]) for r in stored if r["key_kind"]
            == "model"] == [("model", 300.0, 1000.0)]  # fmt: skip
    problem = latency.stored_thresholds(conn, "problem")
    assert (problem.warning_from, problem.danger_from) == (1000.0, 2000.0)
    event = conn.execute(
        "SELECT target, detail FROM audit_events WHERE action = 'latency.thresholds'"
    ).fetchone()
    assert event is not None and event["target"] == "model"
    assert event["detail"]["new"] == {"warning_ms": 300.0, "danger_ms": 1000.0}


async def test_an_author_is_sent_to_the_problems(author_user: SimulatedUser) -> None:
    await author_user.open("/models")
    await author_user.should_not_see(marker="models-new")
    await author_user.should_see("Problems")
