"""The planner's API, for admins: a sentence becomes a checked proposal and nothing else;
a confirmed plan becomes a frozen problem set and a running evaluation, audited."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from typing import Any

import psycopg
import pytest
import redis
from litestar.testing import TestClient

from appliance.audit.trail import Actor
from appliance.db import Connection
from appliance.planner import service
from appliance.planner.plans import Draft
from appliance.planner.service import Origin
from appliance.problems import versions
from appliance.settings import Settings
from tests.conftest import FAST_PROBLEM, HIDDEN_PROBLEM, PROBLEM, bearer
from tests.llm_server import ScriptedServer
from tests.planner.conftest import HARD_PROBLEM, Crown, Register

PLAN = "/api/v1/evaluations/plan"
CONFIRM = "/api/v1/evaluations/plan/confirm"
EASY = sorted([PROBLEM, FAST_PROBLEM, HIDDEN_PROBLEM])


def created(conn: Connection) -> dict[str, int]:
    counts = conn.execute(
        "SELECT (SELECT count(*) FROM problem_sets) AS sets,"
        " (SELECT count(*) FROM evaluation_runs) AS runs,"
        " (SELECT count(*) FROM evaluation_samples) AS samples"
    ).fetchone()
    assert counts is not None
    return dict(counts)


def propose(api: TestClient[Any], token: str, sentence: str) -> dict[str, Any]:
    answer = api.post(PLAN, json={"sentence": sentence}, headers=bearer(token))
    assert answer.status_code == 200, answer.text
    return answer.json()  # type: ignore[no-any-return]


def confirmation(proposal: dict[str, Any], **changes: Any) -> dict[str, Any]:
    """The confirm request for a proposal, as the console sends it."""
    plan = proposal["plan"]
    return {
        "sentence": proposal["sentence"],
        "planner": proposal["planner"],
        "champion": proposal["champion"],
        "models": [{"name": m["name"], "version": m["version"]} for m in plan["models"]],
        "baselines": plan["baselines"],
        "filter": plan["filter"],
        "samples": plan["samples"],
        "problems_hash": plan["problems_hash"],
    } | changes


@pytest.mark.parametrize(
    ("path", "sent"),
    [(PLAN, {"sentence": "strong on easy problems"}),
     (CONFIRM, {"sentence": "x", "planner": "keywords", "baselines": ["reference"]})],
)  # fmt: skip
def test_planning_and_confirming_need_a_token_and_the_admin_role(
    api: TestClient[Any], learner_token: str, path: str, sent: dict[str, Any]
) -> None:
    assert api.post(path, json=sent).status_code == 401
    assert api.post(path, json=sent, headers=bearer(learner_token)).status_code == 403


def test_a_sentence_becomes_a_checked_proposal_and_nothing_is_created(
    api: TestClient[Any], admin_token: str, conn: Connection, register: Register
) -> None:
    register("strong", "strong-model"), register("weak", "weak-model")
    before = created(conn)
    proposal = propose(
        api, admin_token, "compare strong-model and weak-model on the easy boundary problems, 3 samples each"
    )  # fmt: skip
    assert created(conn) == before
    assert (proposal["planner"], proposal["champion"], proposal["fallback"]) == (
        "keywords",
        None,
        None,
    )
    plan = proposal["plan"]
    assert [m["key"] for m in plan["models"]] == ["strong-model@1", "weak-model@1"]
    assert plan["filter"] == {
        "difficulties": ["Easy"],
        "tags": ["boundaries"],
        "slugs": [],
        "all_problems": False,
    }
    assert [p["slug"] for p in plan["problems"]] == EASY and plan["problem_count"] == 3
    assert plan["samples"] == 3 and plan["total_samples"] == 2 * 3 * 3
    assert plan["ok"] is True and plan["issues"] == []


def test_a_korean_sentence_plans_the_same(
    api: TestClient[Any], admin_token: str, register: Register
) -> None:
    register("strong"), register("weak")
    plan = propose(api, admin_token, "쉬운 문제에서 strong과 weak를 비교해 줘, 샘플 3개")["plan"]
    assert [m["key"] for m in plan["models"]] == ["strong@1", "weak@1"]
    assert plan["filter"]["difficulties"] == ["Easy"] and plan["samples"] == 3
    assert plan["problem_count"] == 3 and plan["ok"]


def test_unknown_names_are_reported_not_guessed(
    api: TestClient[Any], admin_token: str, register: Register
) -> None:
    register("weak")
    plan = propose(api, admin_token, "compare llama and weak on frobnicate problems")["plan"]
    assert [m["key"] for m in plan["models"]] == ["weak@1"]
    errors = [(i["code"], i["subject"]) for i in plan["issues"] if i["level"] == "error"]
    assert ("unknown_model", "llama") in errors and ("unknown_tag", "frobnicate") in errors
    assert plan["ok"] is False
    llama = next(i for i in plan["issues"] if i["code"] == "unknown_model")
    assert llama["message"] == "no registered model is named 'llama'"


def test_an_empty_selection_is_an_error_with_a_clear_message(
    api: TestClient[Any], admin_token: str, register: Register
) -> None:
    register("weak")
    plan = propose(api, admin_token, "weak on the hard problems")["plan"]
    assert plan["problems"] == [] and plan["ok"] is False
    (issue,) = [i for i in plan["issues"] if i["level"] == "error"]
    assert issue["code"] == "no_problems"
    assert issue["message"] == "no published problem matches the filter"


def test_the_champion_plans_through_the_api_and_says_so(
    api: TestClient[Any],
    admin_token: str,
    register: Register,
    crown: Crown,
    llm_server: ScriptedServer,
) -> None:
    register("weak")
    key = crown("planner")
    llm_server.plan_answer = json.dumps({"models": ["weak"], "slugs": [PROBLEM], "samples": 2})
    proposal = propose(api, admin_token, "just the clamp one with weak, twice")
    assert (proposal["planner"], proposal["champion"], proposal["fallback"]) == (
        "champion",
        key,
        None,
    )
    assert [p["slug"] for p in proposal["plan"]["problems"]] == [PROBLEM]
    llm_server.plan_answer = "no plan today"
    fallen = propose(api, admin_token, "weak on mini-clamp")
    assert fallen["planner"] == "keywords" and fallen["fallback"]["reason"] == "not_json"


def test_confirming_freezes_the_problems_starts_the_run_and_audits_it(
    api: TestClient[Any],
    admin_token: str,
    conn: Connection,
    register: Register,
    drain: Callable[[], None],
) -> None:
    register("weak")
    sentence = "the reference baseline on mini-clamp"
    proposal = propose(api, admin_token, sentence)
    answer = api.post(CONFIRM, json=confirmation(proposal), headers=bearer(admin_token))
    assert answer.status_code == 201, answer.text
    done = answer.json()
    assert done["problems"] == 1 and done["total_samples"] == 1
    shown = api.get(f"/api/v1/evaluations/{done['run']}", headers=bearer(admin_token)).json()
    assert shown["problem_set"] == done["problem_set"] and shown["manifest"]["baselines"] == [
        "reference"
    ]
    frozen = api.get(
        f"/api/v1/problem-sets/{done['problem_set']}", headers=bearer(admin_token)
    ).json()
    assert [i["slug"] for i in frozen["items"]] == [PROBLEM]
    assert frozen["content_hash"] == proposal["plan"]["problems_hash"]
    events = conn.execute(
        "SELECT action, target, detail FROM audit_events WHERE action IN"
        " ('problem_set.create', 'evaluation.create', 'evaluation.plan') ORDER BY id"
    ).fetchall()
    assert [e["action"] for e in events] == [
        "problem_set.create",
        "evaluation.create",
        "evaluation.plan",
    ]
    assert events[2]["target"] == str(done["run"]) and events[2]["detail"] == {
        "sentence": sentence,
        "planner": "keywords",
        "champion": None,
        "problem_set": done["problem_set"],
    }
    drain()
    finished = api.get(f"/api/v1/evaluations/{done['run']}", headers=bearer(admin_token)).json()
    assert finished["status"] == "finished" and finished["progress"]["success"] == 1


def test_an_edited_plan_is_checked_again_when_confirmed(
    api: TestClient[Any], admin_token: str, conn: Connection, register: Register
) -> None:
    register("weak"), register("strong")
    proposal = propose(api, admin_token, "weak on easy problems")
    edited = confirmation(proposal, models=[{"name": "strong"}, {"name": "weak", "version": 1}])
    edited |= {"samples": 2}
    done = api.post(CONFIRM, json=edited, headers=bearer(admin_token)).json()
    assert done["total_samples"] == 2 * 3 * 2
    manifest = api.get(f"/api/v1/evaluations/{done['run']}", headers=bearer(admin_token)).json()[
        "manifest"
    ]
    assert [(m["name"], m["version"]) for m in manifest["models"]] == [("strong", 1), ("weak", 1)]


def test_a_plan_that_does_not_pass_the_check_is_refused_and_nothing_is_created(
    api: TestClient[Any], admin_token: str, conn: Connection, register: Register
) -> None:
    register("weak")
    proposal = propose(api, admin_token, "weak on easy problems")
    before = created(conn)
    for bad in (
        {"models": [{"name": "llama"}]},
        {"models": [{"name": "weak", "version": 9}]},
        {"models": [], "baselines": []},
        {"filter": {"difficulties": ["Hard"]}},
        {"filter": {"slugs": ["no-such-problem"]}},
    ):
        answer = api.post(CONFIRM, json=confirmation(proposal, **bad), headers=bearer(admin_token))
        assert answer.status_code == 422, (bad, answer.text)
    assert created(conn) == before


def test_a_selection_that_changed_since_the_proposal_is_refused(
    api: TestClient[Any],
    admin_token: str,
    conn: Connection,
    register: Register,
    hard_problem: str,
    admin: Actor,
) -> None:
    register("weak")
    proposal = propose(api, admin_token, "weak on every problem")
    assert proposal["plan"]["problem_count"] == 4
    versions.retire(conn, HARD_PROBLEM, admin)  # an author retires it meanwhile
    before = created(conn)
    answer = api.post(CONFIRM, json=confirmation(proposal), headers=bearer(admin_token))
    assert answer.status_code == 409 and "plan again" in answer.json()["detail"]
    assert created(conn) == before


def test_hard_problems_are_selected_by_difficulty_and_tag(
    api: TestClient[Any], admin_token: str, register: Register, hard_problem: str
) -> None:
    register("weak")
    plan = propose(api, admin_token, "weak on hard state problems")["plan"]
    assert [p["slug"] for p in plan["problems"]] == [hard_problem]
    assert plan["problems"][0]["difficulty"] == "Hard"
    korean = propose(api, admin_token, "weak, 어려운 파싱 문제")["plan"]
    assert [p["slug"] for p in korean["problems"]] == [hard_problem]


def test_the_champion_thinks_without_holding_a_pooled_connection(
    api: TestClient[Any],
    admin_token: str,
    register: Register,
    crown: Crown,
    llm_server: ScriptedServer,
) -> None:
    register("weak")
    crown("slow")  # sleeps past the model timeout: the planning request waits on it
    pool = api.app.state.pool
    in_use: list[int] = []

    def watch() -> None:
        """The API's connections in use once the champion has been asked."""
        for _ in range(500):
            if any(r.method == "POST" for r in llm_server.requests):
                stats = pool.get_stats()
                in_use.append(stats["pool_size"] - stats["pool_available"])
                return
            time.sleep(0.01)

    watcher = threading.Thread(target=watch)
    watcher.start()
    proposal = propose(api, admin_token, "weak on easy problems")
    watcher.join()
    assert proposal["fallback"]["reason"] == "timeout" and proposal["planner"] == "keywords"
    assert in_use == [0]


def test_a_confirmation_that_fails_part_way_leaves_nothing_behind(
    conn: Connection,
    broker: redis.Redis,
    settings: Settings,
    register: Register,
    admin: Actor,
) -> None:
    register("weak")
    draft = Draft(models=("weak",), slugs=(PROBLEM,), samples=1)
    before = created(conn)
    # The audit trail's text refuses a NUL (the API's schema and the console refuse it
    # first): the last write fails, after the problem set and the run were written.
    with pytest.raises(psycopg.DataError):
        service.confirm(conn, broker, settings, admin, draft, Origin("a\x00b", "keywords", None))
    assert created(conn) == before
    done = service.confirm(conn, broker, settings, admin, draft, Origin("ab", "keywords", None))
    assert created(conn) == {"sets": 1, "runs": 1, "samples": 1} and done.run_id > 0


def test_a_champion_answer_naming_an_odd_version_falls_back_with_its_reason(
    api: TestClient[Any],
    admin_token: str,
    register: Register,
    crown: Crown,
    llm_server: ScriptedServer,
) -> None:
    register("weak")
    crown("planner")
    llm_server.plan_answer = json.dumps({"models": ["weak@²", "weak"]})  # "²".isdigit()
    proposal = propose(api, admin_token, "weak on easy problems")
    assert proposal["planner"] == "keywords" and proposal["plan"]["ok"]
    assert proposal["fallback"] == {
        "reason": "rejected",
        "detail": "no model version 'weak@²'",
    }
