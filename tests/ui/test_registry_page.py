"""/registry: the aliases and the version each names, a manual promote that needs a reason
(audited), a rollback behind a confirmation, each alias's history, and the promotion policy
applied to a finished evaluation run (models of known quality on a scripted server,
judged for real) with its checks said in words, in English and in Korean."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from litestar.testing import TestClient
from nicegui.testing.user import User as SimulatedUser

from appliance import db
from appliance.accounts.users import User, create_user
from appliance.audit.trail import Actor
from appliance.errors import ArenaError, Conflict, Invalid, NotFound
from appliance.models import endpoints, problem_sets
from appliance.models.endpoints import DEFAULT_PROMPT_TEMPLATE, Registration, Sampling
from appliance.models.problem_sets import SetFilter
from appliance.registry import store
from appliance.settings import Settings
from tests import services
from tests.bundles import STRONG_SUITE, WEAK_SUITE
from tests.conftest import PROBLEM, bearer
from tests.evaluations.conftest import SIGNATURE
from tests.llm_server import KnownProblem, ScriptedServer
from tests.ui.conftest import text_of
from ui.admin import registry_actions as actions
from ui.i18n import translator

CHAMPION = "feedback-champion"
WAIT = 100  # retries of 0.1 s: every change runs in a thread
BASE_URL = "http://127.0.0.1:9"  # registering only stores it


def register(conn: db.Connection, settings: Settings, name: str, base_url: str = BASE_URL) -> None:
    reg = Registration(name, base_url, name, None, Sampling(), DEFAULT_PROMPT_TEMPLATE)
    endpoints.register(conn, settings, reg)


@pytest.fixture
def root(conn: db.Connection) -> Actor:
    user, _ = create_user(conn, "keeper", "admin")
    return Actor(User(user.id, user.name, user.role), "127.0.0.1")


def set_value(user: SimulatedUser, marker: str, value: Any) -> None:
    element = next(iter(user.find(marker=marker).elements))
    with user:
        element.value = value  # type: ignore[attr-defined]


def alias_names(conn: db.Connection) -> dict[str, str | None]:
    return {
        v.alias: None if v.model is None else f"{v.model}@{v.version}" for v in store.aliases(conn)
    }


def audit(conn: db.Connection, action: str) -> list[dict[str, Any]]:
    return conn.execute(
        "SELECT actor_name, target, detail FROM audit_events WHERE action = %s ORDER BY id",
        (action,),
    ).fetchall()


async def test_each_alias_shows_the_version_it_names(
    admin_user: SimulatedUser, conn: db.Connection, settings: Settings, root: Actor
) -> None:
    register(conn, settings, "alpha")
    store.promote(conn, CHAMPION, "alpha", 1, "the first one", root)
    await admin_user.open("/registry")
    assert "alpha@1" in text_of(admin_user, f"alias-{CHAMPION}")
    assert "writes AI feedback for learners" in text_of(admin_user, f"alias-{CHAMPION}")
    assert "no version" in text_of(admin_user, "alias-challenger")


async def test_a_manual_promote_needs_a_reason_and_is_audited_and_in_the_history(
    admin_user: SimulatedUser, conn: db.Connection, settings: Settings
) -> None:
    register(conn, settings, "alpha")
    register(conn, settings, "beta")
    await admin_user.open("/registry")
    admin_user.find(marker=f"promote-{CHAMPION}").click()
    await admin_user.should_see(marker="promote-version", retries=WAIT)
    set_value(admin_user, "promote-version", "beta@1")
    admin_user.find(marker="promote-submit").click()
    await admin_user.should_see("Give a reason: say why the alias moves.", retries=WAIT)
    assert alias_names(conn)[CHAMPION] is None
    admin_user.find(marker="promote-reason").type("beta writes kinder hints")
    admin_user.find(marker="promote-submit").click()
    await admin_user.should_see(f"{CHAMPION} now names beta@1.", retries=WAIT)
    assert alias_names(conn)[CHAMPION] == "beta@1"
    [event] = audit(conn, "model.promote")
    assert (event["actor_name"], event["target"]) == ("ada", CHAMPION)
    assert event["detail"]["version"] == "beta@1"
    assert event["detail"]["reason"] == "beta writes kinder hints"
    [move] = store.history(conn, CHAMPION)
    row = text_of(admin_user, f"move-{move.id}")
    for expected in ("by hand", "no version → beta@1", "ada", "beta writes kinder hints"):
        assert expected in row


async def test_promoting_the_version_an_alias_names_already_is_refused(
    admin_user: SimulatedUser, conn: db.Connection, settings: Settings, root: Actor
) -> None:
    register(conn, settings, "alpha")
    store.promote(conn, "challenger", "alpha", 1, "try it", root)
    await admin_user.open("/registry")
    admin_user.find(marker="promote-challenger").click()
    await admin_user.should_see(marker="promote-version", retries=WAIT)
    admin_user.find(marker="promote-reason").type("again")
    admin_user.find(marker="promote-submit").click()
    await admin_user.should_see("challenger names alpha@1 already.", retries=WAIT)
    assert len(store.history(conn, "challenger")) == 1


async def test_a_rollback_asks_first_then_moves_the_alias_back_with_its_reason(
    admin_user: SimulatedUser, conn: db.Connection, settings: Settings, root: Actor
) -> None:
    register(conn, settings, "alpha")
    register(conn, settings, "beta")
    store.promote(conn, CHAMPION, "alpha", 1, "first", root)
    moved = store.promote(conn, CHAMPION, "beta", 1, "better", root)
    await admin_user.open("/registry")
    admin_user.find(marker=f"rollback-{CHAMPION}").click()
    await admin_user.should_see(
        f"{CHAMPION} names beta@1. Rolling back undoes move #{moved.id} and points it at"
        " alpha@1 again.",
        retries=WAIT,
    )
    admin_user.find("Cancel").click()
    await admin_user.should_not_see(marker="rollback-question")
    assert alias_names(conn)[CHAMPION] == "beta@1"
    admin_user.find(marker=f"rollback-{CHAMPION}").click()
    await admin_user.should_see(marker="rollback-reason", retries=WAIT)
    admin_user.find(marker="rollback-submit").click()
    await admin_user.should_see("Give a reason: say why the alias moves.", retries=WAIT)
    admin_user.find(marker="rollback-reason").type("beta regressed")
    admin_user.find(marker="rollback-submit").click()
    await admin_user.should_see(f"{CHAMPION} was rolled back.", retries=WAIT)
    assert alias_names(conn)[CHAMPION] == "alpha@1"
    back = store.history(conn, CHAMPION)[0]
    assert (back.kind, back.actor, back.reason, back.undoes) == (
        "rollback",
        "ada",
        "beta regressed",
        moved.id,
    )
    row = text_of(admin_user, f"move-{back.id}")
    assert f"undoes move #{moved.id}" in row and "beta@1 → alpha@1" in row
    assert [e["actor_name"] for e in audit(conn, "model.rollback")] == ["ada"]


async def test_a_rollback_whose_move_is_no_longer_the_last_is_refused_and_moves_nothing(
    admin_user: SimulatedUser, conn: db.Connection, settings: Settings, root: Actor
) -> None:
    for name in ("alpha", "beta", "gamma"):
        register(conn, settings, name)
    store.promote(conn, CHAMPION, "alpha", 1, "first", root)
    seen = store.promote(conn, CHAMPION, "beta", 1, "better", root)
    await admin_user.open("/registry")
    admin_user.find(marker=f"rollback-{CHAMPION}").click()
    await admin_user.should_see(f"undoes move #{seen.id}", retries=WAIT)
    # While the confirmation is open, the alias moves again (the policy, another admin).
    store.promote(conn, CHAMPION, "gamma", 1, "in between", root)
    admin_user.find(marker="rollback-reason").type("beta regressed")
    admin_user.find(marker="rollback-submit").click()
    await admin_user.should_see(
        f"{CHAMPION} moved since this confirmation opened; nothing was rolled back.",
        retries=WAIT,
    )
    assert alias_names(conn)[CHAMPION] == "gamma@1"
    assert [m.kind for m in store.history(conn, CHAMPION)] == ["manual"] * 3
    assert audit(conn, "model.rollback") == []


async def test_with_the_database_refusing_a_promote_says_so_and_the_page_lives_on(
    admin_user: SimulatedUser,
    conn: db.Connection,
    settings: Settings,
    pg_admin_url: str,
    database_url: str,
) -> None:
    register(conn, settings, "alpha")
    await admin_user.open("/registry")
    admin_user.find(marker=f"promote-{CHAMPION}").click()
    await admin_user.should_see(marker="promote-version", retries=WAIT)
    admin_user.find(marker="promote-reason").type("alpha is good")
    with services.database_refusing(pg_admin_url, database_url):
        admin_user.find(marker="promote-submit").click()
        await admin_user.should_see(
            "The database cannot be reached right now. Try again shortly.", retries=WAIT
        )
    with db.connect(database_url) as again:  # the refusal ended every session, conn's too
        assert alias_names(again)[CHAMPION] is None


async def test_with_nothing_to_undo_the_rollback_says_so_in_korean(
    admin_user: SimulatedUser, conn: db.Connection
) -> None:
    conn.execute("UPDATE users SET locale = 'ko' WHERE name = 'ada'")
    await admin_user.open("/registry")
    admin_user.find(marker="rollback-challenger").click()
    await admin_user.should_see("challenger에는 되돌릴 이동이 남아 있지 않습니다.", retries=WAIT)
    admin_user.find(marker="rollback-reason").type("시험")
    admin_user.find(marker="rollback-submit").click()
    await admin_user.should_see(marker="rollback-message")
    for _ in range(WAIT):
        message = text_of(admin_user, "rollback-message")
        if message:
            break
        await asyncio.sleep(0.1)
    assert message == "challenger에는 되돌릴 이동이 남아 있지 않습니다."
    assert store.history(conn, "challenger") == []


def test_the_versions_offered_are_every_endpoints_newest_first_in_one_query(
    conn: db.Connection, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    register(conn, settings, "beta")
    register(conn, settings, "alpha")
    register(conn, settings, "alpha", "http://127.0.0.1:10")
    seen: list[str] = []
    execute = conn.execute

    def counted(query: Any, *args: Any, **kwargs: Any) -> Any:
        seen.append(str(query))
        return execute(query, *args, **kwargs)

    monkeypatch.setattr(conn, "execute", counted)
    assert actions.version_keys(conn) == ["alpha@2", "alpha@1", "beta@1"]
    assert len(seen) == 1


@pytest.mark.parametrize(
    ("exc", "en", "ko"),
    [
        (Conflict("x moved"), "registry.refused.conflict", "registry.refused.conflict"),
        (NotFound("no such thing"), "registry.refused.not_found", "registry.refused.not_found"),
        (Invalid("bad"), "registry.refused.invalid", "registry.refused.invalid"),
        (ArenaError("odd"), "registry.refused.other", "registry.refused.other"),
    ],
)
def test_a_refusal_without_a_code_is_said_in_the_pages_language_not_in_english(
    exc: ArenaError, en: str, ko: str
) -> None:
    said = actions.refusal_words(translator("ko"), exc)
    assert said == translator("ko")(ko) and exc.detail not in said
    assert actions.refusal_words(translator("en"), exc) == translator("en")(en)


async def test_an_author_is_sent_to_the_problems(author_user: SimulatedUser) -> None:
    await author_user.open("/registry")
    await author_user.should_not_see(marker="registry-aliases")
    await author_user.should_see("Problems")


# -- the policy on a finished run --------------------------------------------------------


@pytest.fixture
def llm_server() -> Iterator[ScriptedServer]:
    server = ScriptedServer([KnownProblem(SIGNATURE, STRONG_SUITE, WEAK_SUITE)]).start()
    yield server
    server.stop()


@pytest.fixture
def finished_run(
    api: TestClient[Any],
    conn: db.Connection,
    settings: Settings,
    admin_token: str,
    drain: Callable[[], None],
    llm_server: ScriptedServer,
) -> int:
    """strong@1 and weak@1 evaluated on the test problem over the API, judged for real."""
    for model in ("strong", "weak"):
        register(conn, settings, model, llm_server.base_url)
    problem_sets.create(conn, "decide-set", SetFilter(slugs=[PROBLEM]))
    sent = {"problem_set": "decide-set", "models": [{"name": "strong"}, {"name": "weak"}]}
    created = api.post("/api/v1/evaluations", json=sent, headers=bearer(admin_token))
    assert created.status_code == 201, created.text
    drain()
    return int(created.json()["id"])


async def decide(user: SimulatedUser, run_id: int, challenger: str, margin: float) -> str:
    """The decision's outcome line, once it is shown."""
    set_value(user, "decide-run", run_id)
    set_value(user, "decide-challenger", challenger)
    set_value(user, "decide-margin", margin)
    user.find(marker="decide-submit").click()
    await user.should_see(marker="decide-outcome", retries=WAIT)
    return text_of(user, "decide-outcome")


async def test_the_policy_crowns_a_first_champion_then_lets_strong_take_it_and_refuses_weak(
    admin_user: SimulatedUser, conn: db.Connection, finished_run: int
) -> None:
    await admin_user.open("/registry")
    first = await decide(admin_user, finished_run, "weak@1", 5)
    assert first == "Promote: weak@1 is now feedback-champion (it was no version)."
    checks = text_of(admin_user, "decide-result")
    assert "First champion · passed: there is no champion yet" in checks
    assert alias_names(conn)[CHAMPION] == "weak@1"

    await admin_user.open("/registry")
    won = await decide(admin_user, finished_run, "strong@1", 5)
    assert won == "Promote: strong@1 is now feedback-champion (it was weak@1)."
    checks = text_of(admin_user, "decide-result")
    assert (
        "Margin · passed: the challenger scores +59.00 points against the champion on 1 shared"
        " problems (1 wins, 0 losses, 0 ties); at least +5.00 needed." in checks
    )
    assert "Golden pass rate · passed: the challenger's 100.0% against the champion's" in checks
    assert alias_names(conn)[CHAMPION] == "strong@1"

    await admin_user.open("/registry")
    lost = await decide(admin_user, finished_run, "weak@1", 5)
    assert lost == "Refuse: weak@1 does not replace strong@1."
    assert "Margin · failed: the challenger scores -59.00 points" in text_of(
        admin_user, "decide-result"
    )
    assert alias_names(conn)[CHAMPION] == "strong@1"
    policy = [m for m in store.history(conn, CHAMPION) if m.kind == "policy"]
    assert [(m.to_model, m.moved, m.actor) for m in policy] == [
        ("weak", False, "ada"),
        ("strong", True, "ada"),
        ("weak", True, "ada"),
    ]
    # The stored decisions, newest first, each with its checks and numbers.
    refused = text_of(admin_user, f"decision-{policy[0].id}")
    assert f"Refused by the policy (run #{finished_run})" in refused
    assert "Lower bound · failed" in refused and "difference -59.00" in refused
    row = text_of(admin_user, f"move-{policy[0].id}")
    assert f"Refused by the policy (run #{finished_run})" in row
    assert "3 of 5 checks passed" in row and "strong@1 stays (not weak@1)" in row


async def test_decision_reads_in_korean_and_a_run_without_the_champion_is_refused(
    admin_user: SimulatedUser,
    conn: db.Connection,
    settings: Settings,
    finished_run: int,
    root: Actor,
) -> None:
    store.promote(conn, CHAMPION, "strong", 1, "set by hand", root)
    conn.execute("UPDATE users SET locale = 'ko' WHERE name = 'ada'")
    await admin_user.open("/registry")
    lost = await decide(admin_user, finished_run, "weak@1", 5)
    assert lost == "거부: weak@1은(는) strong@1을(를) 대신하지 않습니다."
    checks = text_of(admin_user, "decide-result")
    assert "차이 · 실패: 공통 1문제에서 도전자가 챔피언보다 -59.00점 (승 0, 패 1, 무 0)" in checks
    assert "정답 코드 통과율 · 실패" not in checks  # weak's suites pass on the golden code too
    # A champion promoted by hand from outside the run: the run proves nothing against it.
    register(conn, settings, "gamma")
    store.promote(conn, CHAMPION, "gamma", 1, "elsewhere", root)
    await admin_user.open("/registry")
    set_value(admin_user, "decide-run", finished_run)
    set_value(admin_user, "decide-challenger", "weak@1")
    admin_user.find(marker="decide-submit").click()
    await admin_user.should_see(
        f"챔피언 gamma@1이(가) 평가 실행 #{finished_run}에 없습니다.", retries=WAIT
    )
