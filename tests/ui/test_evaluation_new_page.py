"""/evaluations/new: a sentence becomes a proposed plan shown as a table, with who planned
it and what the check found; nothing is created until the admin confirms, which freezes a
problem set, starts the run and opens it. The champion plans when there is one."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from typing import Any

import pytest
from nicegui.testing.user import User as SimulatedUser
from psycopg import sql

from appliance import db
from appliance.accounts.users import create_user
from appliance.audit.trail import Actor
from appliance.models import endpoints
from appliance.models.endpoints import DEFAULT_PROMPT_TEMPLATE, Registration, Sampling
from appliance.problems import versions
from appliance.registry import store
from appliance.settings import Settings
from tests.conftest import FAST_PROBLEM, HIDDEN_PROBLEM, PROBLEM
from tests.llm_server import ScriptedServer
from tests.ui.conftest import text_of

PAGE = "/evaluations/new"
SENTENCE = "compare strong and weak on the easy boundary problems, 3 samples each"


@pytest.fixture
def llm_server() -> Iterator[ScriptedServer]:
    server = ScriptedServer().start()
    yield server
    server.stop()


@pytest.fixture
def models(conn: db.Connection, settings: Settings, llm_server: ScriptedServer) -> Any:
    """models(*names): endpoints of the scripted server's models of those names."""

    def register(*names: str) -> None:
        for name in names:
            reg = Registration(
                name, llm_server.base_url, name, None, Sampling(), DEFAULT_PROMPT_TEMPLATE
            )
            endpoints.register(conn, settings, reg)

    return register


def crown(conn: db.Connection, name: str) -> None:
    actor = Actor(create_user(conn, "crowner", "admin")[0], "127.0.0.1")
    store.promote(conn, "feedback-champion", name, 1, "the page's champion", actor)


def counts(conn: db.Connection) -> tuple[int, int]:
    row = conn.execute(
        "SELECT (SELECT count(*) FROM problem_sets) AS sets,"
        " (SELECT count(*) FROM evaluation_runs) AS runs"
    ).fetchone()
    assert row is not None
    return row["sets"], row["runs"]


def speak_korean(conn: db.Connection) -> None:
    conn.execute("UPDATE users SET locale = 'ko' WHERE name = 'ada'")


def cut_off(conn: db.Connection, pg_admin_url: str) -> None:
    """An outage, as the console sees one: PostgreSQL ends every other session of this
    test's database and takes no new one (only `conn` still reaches it)."""
    row = conn.execute("SELECT current_database() AS name, pg_backend_pid() AS pid").fetchone()
    assert row is not None
    with db.connect(pg_admin_url) as admin:
        admin.execute(
            sql.SQL("ALTER DATABASE {} ALLOW_CONNECTIONS false").format(sql.Identifier(row["name"]))
        )
        admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE datname = %s AND pid <> %s",
            (row["name"], row["pid"]),
        )


async def plan(user: SimulatedUser, sentence: str) -> None:
    await user.open(PAGE)
    user.find(marker="planner-sentence").type(sentence)
    user.find(marker="planner-plan").click()
    await user.should_see(marker="planner-proposal", retries=100)


async def eventually(check: Any, tries: int = 200) -> None:
    for _ in range(tries):
        if check():
            return
        await asyncio.sleep(0.025)
    raise AssertionError("not within 5 s")


async def test_a_sentence_is_proposed_as_a_table_and_nothing_is_created(
    admin_user: SimulatedUser, conn: db.Connection, models: Any
) -> None:
    models("strong", "weak")
    await plan(admin_user, SENTENCE)
    assert text_of(admin_user, "planner-planned-by") == "Planned by the keyword parser."
    assert text_of(admin_user, "planner-row-models") == "Models strong@1\nweak@1"
    assert text_of(admin_user, "planner-row-filter") == (
        "Problem filter difficulty: Easy · tags: boundaries"
    )
    assert (
        text_of(admin_user, "planner-row-count")
        == "Problems 3 selected from the published problems"
    )
    assert text_of(admin_user, "planner-row-samples") == "Samples per problem 3"
    assert text_of(admin_user, "planner-row-total") == (
        "Total samples 18 (models and baselines: 2; problems: 3; samples each: 3)"
    )
    for slug in (PROBLEM, FAST_PROBLEM, HIDDEN_PROBLEM):
        await admin_user.should_see(marker=f"planner-problem-{slug}")
    await admin_user.should_not_see(marker="planner-issues")
    assert counts(conn) == (0, 0)


async def test_confirming_freezes_the_set_starts_the_run_and_opens_it(
    admin_user: SimulatedUser, conn: db.Connection, models: Any
) -> None:
    models("strong", "weak")
    await plan(admin_user, SENTENCE)
    admin_user.find(marker="planner-confirm").click()
    await admin_user.should_see(
        "Freeze these 3 problems as a new problem set and start a run of 18 samples?"
    )
    admin_user.find(marker="planner-confirm-yes").click()
    await eventually(lambda: counts(conn) == (1, 1))
    run = conn.execute(
        "SELECT r.id, r.samples, s.item_count, r.manifest FROM evaluation_runs r"
        " JOIN problem_sets s ON s.id = r.set_id"
    ).fetchone()
    assert run is not None and (run["samples"], run["item_count"]) == (3, 3)
    assert [m["name"] for m in run["manifest"]["models"]] == ["strong", "weak"]
    await eventually(lambda: admin_user.back_history[-1] == f"/evaluations/{run['id']}")
    planned = conn.execute(
        "SELECT actor_name, detail FROM audit_events WHERE action = 'evaluation.plan'"
    ).fetchone()
    assert planned is not None and planned["actor_name"] == "ada"
    assert planned["detail"]["sentence"] == SENTENCE


async def test_errors_are_shown_and_block_confirming(
    admin_user: SimulatedUser, conn: db.Connection, models: Any
) -> None:
    models("weak")
    await plan(admin_user, "compare llama and weak on the hard problems")
    await admin_user.should_see("No registered model is named “llama”.")
    await admin_user.should_see("No published problem matches this filter: the selection is empty.")
    (confirm,) = admin_user.find(marker="planner-confirm").elements
    assert not confirm.enabled
    await admin_user.should_see("Fix the errors (edit the plan or the sentence) before confirming.")
    assert counts(conn) == (0, 0)


async def test_the_champion_plans_and_the_page_says_so(
    admin_user: SimulatedUser, conn: db.Connection, models: Any, llm_server: ScriptedServer
) -> None:
    models("weak", "planner")
    crown(conn, "planner")
    llm_server.plan_answer = json.dumps({"models": ["weak"], "slugs": [PROBLEM], "samples": 2})
    await admin_user.open(PAGE)
    await admin_user.should_see(
        "The feedback champion planner@1 plans first; when its answer is not usable,"
        " the keyword parser does."
    )
    await plan(admin_user, "just the clamp problem with weak, twice")
    assert text_of(admin_user, "planner-planned-by") == (
        "Planned by the feedback champion planner@1."
    )
    assert text_of(admin_user, "planner-row-filter") == f"Problem filter problems: {PROBLEM}"


async def test_a_champion_answering_garbage_is_said_and_the_keyword_parser_plans(
    admin_user: SimulatedUser, conn: db.Connection, models: Any
) -> None:
    models("weak", "garbage")
    crown(conn, "garbage")
    await plan(admin_user, "weak on easy problems")
    said = text_of(admin_user, "planner-planned-by")
    assert said.startswith(
        "Planned by the keyword parser. The champion garbage@1 was asked, but its plan was not"
        " used: its answer was not a JSON plan."
    )
    assert text_of(admin_user, "planner-row-models") == "Models weak@1"


async def test_an_edited_plan_is_checked_again_before_it_is_confirmed(
    admin_user: SimulatedUser, conn: db.Connection, models: Any
) -> None:
    models("strong", "weak")
    await plan(admin_user, "weak on easy problems")
    admin_user.find(marker="planner-edit").click()
    await admin_user.should_see(marker="planner-edit-models")
    for marker, value in (
        ("planner-edit-models", ["strong@1", "weak@1"]),
        ("planner-edit-baselines", ["reference"]),
        ("planner-edit-samples", 2),
    ):
        (element,) = admin_user.find(marker=marker).elements
        with admin_user:
            element.value = value  # type: ignore[attr-defined]
    admin_user.find(marker="planner-edit-apply").click()
    await admin_user.should_see(marker="planner-edited", retries=100)
    assert text_of(admin_user, "planner-row-models") == "Models strong@1\nweak@1"
    assert text_of(admin_user, "planner-row-total").startswith(
        "Total samples 18 (models and baselines: 3;"
    )
    assert counts(conn) == (0, 0)


async def test_an_empty_sentence_is_asked_for(admin_user: SimulatedUser) -> None:
    await admin_user.open(PAGE)
    admin_user.find(marker="planner-plan").click()
    await admin_user.should_see("Write what to evaluate first.")
    await admin_user.should_not_see(marker="planner-proposal")


async def test_the_page_speaks_korean(
    admin_user: SimulatedUser, conn: db.Connection, models: Any
) -> None:
    conn.execute("UPDATE users SET locale = 'ko' WHERE name = 'ada'")
    models("strong", "weak")
    await plan(admin_user, "쉬운 문제에서 strong과 weak를 비교해 줘, 샘플 3개")
    assert text_of(admin_user, "planner-planned-by") == "키워드 해석기가 계획했습니다."
    assert text_of(admin_user, "planner-row-filter") == "문제 조건 난이도: 쉬움"
    assert text_of(admin_user, "planner-row-samples") == "문제당 샘플 3"
    await admin_user.should_see("피드백 챔피언이 없어 키워드 해석기가 계획합니다.")


async def test_an_author_is_sent_to_the_problems(author_user: SimulatedUser) -> None:
    await author_user.open(PAGE)
    await author_user.should_not_see(marker="planner-sentence")
    await author_user.should_see("Problems")


async def test_a_double_click_on_confirm_asks_once_and_starts_one_run(
    admin_user: SimulatedUser, conn: db.Connection, models: Any
) -> None:
    models("weak")
    await plan(admin_user, "weak on easy problems")
    confirm = admin_user.find(marker="planner-confirm")
    confirm.click()
    confirm.click()
    await admin_user.should_see(marker="planner-confirm-question")
    assert len(admin_user.find(marker="planner-confirm-yes").elements) == 1
    admin_user.find(marker="planner-confirm-yes").click()
    await eventually(lambda: counts(conn) == (1, 1))
    run = conn.execute("SELECT id FROM evaluation_runs").fetchone()
    assert run is not None
    await eventually(lambda: admin_user.back_history[-1] == f"/evaluations/{run['id']}")
    assert counts(conn) == (1, 1)  # the second click started nothing meanwhile


async def test_a_sentence_with_a_nul_is_refused_in_words(
    admin_user: SimulatedUser, conn: db.Connection, models: Any
) -> None:
    models("weak")
    await admin_user.open(PAGE)
    admin_user.find(marker="planner-sentence").type("weak on easy\x00 problems")
    admin_user.find(marker="planner-plan").click()
    await admin_user.should_see(
        "The sentence holds a NUL character, which cannot be stored: remove it."
    )
    await admin_user.should_not_see(marker="planner-proposal")


async def test_why_the_champion_was_not_used_is_said_in_korean(
    admin_user: SimulatedUser, conn: db.Connection, models: Any, llm_server: ScriptedServer
) -> None:
    speak_korean(conn)
    models("weak", "planner")
    crown(conn, "planner")
    llm_server.plan_answer = json.dumps({"models": ["weak@²", "weak"]})
    await plan(admin_user, "weak, 쉬운 문제")
    assert text_of(admin_user, "planner-fallback").endswith("계획이 검사를 통과하지 못했습니다.")
    details = [e.text for e in admin_user.find(marker="planner-fallback-detail").elements]  # type: ignore[attr-defined]
    assert details == ["“weak@²” 모델 버전이 없습니다."]
    llm_server.plan_answer = "계획은 없습니다"
    await plan(admin_user, "weak, 쉬운 문제")
    details = [e.text for e in admin_user.find(marker="planner-fallback-detail").elements]  # type: ignore[attr-defined]
    assert details == ["답: '계획은 없습니다'"]


async def test_a_refused_confirmation_is_said_in_korean(
    admin_user: SimulatedUser, conn: db.Connection, models: Any
) -> None:
    speak_korean(conn)
    models("weak")
    await plan(admin_user, "weak, 쉬운 문제")
    actor = Actor(create_user(conn, "retirer", "admin")[0], "127.0.0.1")
    versions.retire(conn, PROBLEM, actor)  # the selection changes before the admin confirms
    admin_user.find(marker="planner-confirm").click()
    await admin_user.should_see(marker="planner-confirm-question")
    admin_user.find(marker="planner-confirm-yes").click()
    await admin_user.should_see(
        "시작하지 못했습니다: 계획을 제안한 뒤 게시된 문제가 바뀌었습니다. 다시 계획해 주세요.",
        retries=100,
    )
    assert counts(conn) == (0, 0)


async def test_a_database_outage_is_said_on_the_page(
    admin_user: SimulatedUser, conn: db.Connection, models: Any, pg_admin_url: str
) -> None:
    models("weak")
    await admin_user.open(PAGE)
    admin_user.find(marker="planner-sentence").type("weak on easy problems")
    cut_off(conn, pg_admin_url)
    admin_user.find(marker="planner-plan").click()
    await admin_user.should_see(
        "The database cannot be reached right now. Try again shortly.", retries=400
    )
    await admin_user.should_not_see(marker="planner-proposal")
