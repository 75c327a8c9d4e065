"""The champion as planner: asked over the OpenAI-compatible chat for a strict JSON plan,
its answer checked like the keyword parser's; garbage, a timeout, an unreachable server or
a plan that does not fit or does not pass the check fall back to the keyword parser, and
the proposal says so."""

from __future__ import annotations

import json

import pytest

from appliance.db import Connection
from appliance.planner import champion, service
from appliance.planner.champion import Known, Refusal
from appliance.planner.plans import Draft
from appliance.settings import Settings
from tests.conftest import PROBLEM
from tests.llm_server import GARBAGE, ScriptedServer
from tests.planner.conftest import Crown, Register

SENTENCE = "compare strong and weak on the easy boundary problems, 2 samples each"
PLAN = {"models": ["strong", "weak"], "difficulties": ["Easy"], "tags": ["boundaries"],
        "samples": 2}  # fmt: skip
NESTED = "[" * 10_000 + "]" * 10_000  # deeper than json.loads recurses


def propose(conn: Connection, settings: Settings, sentence: str) -> service.Proposal:
    return service.plan_sentence(settings, sentence, *service.planning_facts(conn))


# -- the answer, read (pure) ----------------------------------------------------------------


def test_a_json_plan_becomes_a_draft() -> None:
    answer = json.dumps(PLAN | {"slugs": ["Mini-Clamp"], "baselines": ["reference"]})
    assert champion.draft_from(answer) == Draft(
        models=("strong", "weak"),
        baselines=("reference",),
        difficulties=("Easy",),
        tags=("boundaries",),
        slugs=("mini-clamp",),
        samples=2,
    )


def test_a_plan_alone_in_a_json_fence_is_read_too() -> None:
    fenced = "```json\n" + json.dumps(PLAN) + "\n```"
    assert champion.draft_from(fenced) == champion.draft_from(json.dumps(PLAN))
    assert champion.draft_from("```\n{}\n```") == Draft()


@pytest.mark.parametrize(
    "answer",
    [
        GARBAGE,
        "",
        "Here is the plan: " + json.dumps(PLAN),  # nothing is fished out of prose
        json.dumps(PLAN) + "\nHope this helps!",
        "```json\n{}\n```\n```json\n{}\n```",
        "[1, 2, 3]",
        '"a plan"',
        NESTED,
        '{"models": ' * 10_000,
    ],
)
def test_an_answer_that_is_not_one_json_object_is_refused_as_not_json(answer: str) -> None:
    refused = champion.draft_from(answer)
    assert isinstance(refused, Refusal) and refused.reason == "not_json"
    assert refused.answer is not None and len(refused.answer) <= champion.QUOTED_CHARS + 5


@pytest.mark.parametrize(
    "plan",
    [
        {"models": "strong"},
        {"models": ["strong"], "difficulties": ["Impossible"]},
        {"models": ["strong"], "baselines": ["oracle"]},
        {"models": ["strong"], "samples": "three"},
        {"models": ["strong"], "explanation": "extra fields are not a plan"},
        {"models": [""]},
    ],
)
def test_a_plan_that_does_not_fit_the_schema_is_refused_as_invalid(plan: object) -> None:
    refused = champion.draft_from(json.dumps(plan))
    assert isinstance(refused, Refusal) and refused.reason == "invalid"


def test_the_prompt_asks_for_strict_json_and_lists_the_names_to_use() -> None:
    system, user = champion.messages("어려운 문제, strong", Known(["strong"], ["dates"], ["x"]))
    assert "one JSON object and nothing else" in system["content"]
    assert "Models: strong" in system["content"] and "Tags: dates" in system["content"]
    assert "feedback-champion" in system["content"] and "Very Easy" in system["content"]
    assert user == {"role": "user", "content": "Request:\n어려운 문제, strong"}


# -- the champion, asked for real -------------------------------------------------------------


def test_without_a_champion_the_keyword_parser_plans_and_no_model_is_asked(
    conn: Connection, settings: Settings, register: Register, llm_server: ScriptedServer
) -> None:
    register("strong"), register("weak")
    proposal = propose(conn, settings, SENTENCE)
    assert (proposal.planner, proposal.champion, proposal.fallback) == ("keywords", None, None)
    assert [m.key for m in proposal.plan.models] == ["strong@1", "weak@1"]
    assert proposal.plan.samples == 2 and proposal.plan.ok
    assert llm_server.requests == []


def test_the_champion_plans_when_its_plan_passes_the_check(
    conn: Connection,
    settings: Settings,
    register: Register,
    crown: Crown,
    llm_server: ScriptedServer,
) -> None:
    register("strong"), register("weak")
    key = crown("planner")
    # Words the keyword parser would not read as these models: the champion planned it.
    llm_server.plan_answer = json.dumps(PLAN)
    proposal = propose(conn, settings, "그 두 모델을 쉬운 경계 문제에서 두 번씩")
    assert (proposal.planner, proposal.champion, proposal.fallback) == ("champion", key, None)
    plan = proposal.plan
    assert [m.key for m in plan.models] == ["strong@1", "weak@1"] and plan.samples == 2
    assert [p.slug for p in plan.problems] == sorted(
        ["mini-clamp", "mini-clamp-fast", "mini-clamp-hidden"]
    )
    (asked,) = [r for r in llm_server.requests if r.method == "POST"]
    assert asked.body["model"] == "planner" and asked.body["temperature"] == 0
    system, user = asked.body["messages"]
    assert "JSON" in system["content"] and PROBLEM in system["content"]
    assert "Models: planner, strong, weak" in system["content"]
    assert user["content"].endswith("그 두 모델을 쉬운 경계 문제에서 두 번씩")


@pytest.mark.parametrize(
    ("model", "reason"),
    [("garbage", "not_json"), ("leaky", "not_json"), ("strong", "not_json"), ("slow", "timeout")],
)
def test_a_champion_that_answers_no_plan_leaves_it_to_the_keyword_parser(
    conn: Connection,
    settings: Settings,
    register: Register,
    crown: Crown,
    model: str,
    reason: str,
) -> None:
    register("weak")
    key = crown(model)
    proposal = propose(conn, settings, "compare weak on easy problems, 3 samples")
    assert proposal.planner == "keywords" and proposal.champion == key
    assert proposal.fallback is not None and proposal.fallback.reason == reason
    assert [m.key for m in proposal.plan.models] == ["weak@1"] and proposal.plan.samples == 3


def test_a_champion_plan_that_does_not_fit_its_schema_is_refused_as_invalid(
    conn: Connection, settings: Settings, crown: Crown, llm_server: ScriptedServer
) -> None:
    crown("planner")
    llm_server.plan_answer = json.dumps({"models": ["planner"], "difficulties": ["Brutal"]})
    proposal = propose(conn, settings, "the planner on easy problems")
    assert proposal.planner == "keywords"
    assert proposal.fallback is not None and proposal.fallback.reason == "invalid"
    assert "difficulties" in proposal.fallback.detail
    assert proposal.fallback.answer == repr(llm_server.plan_answer)


def test_a_champion_plan_naming_what_does_not_exist_is_rejected_with_the_checks_words(
    conn: Connection,
    settings: Settings,
    register: Register,
    crown: Crown,
    llm_server: ScriptedServer,
) -> None:
    register("weak")
    crown("planner")
    llm_server.plan_answer = json.dumps({"models": ["weak", "gpt-9"], "tags": ["recursion"]})
    proposal = propose(conn, settings, "compare weak on easy problems")
    assert proposal.planner == "keywords" and proposal.plan.ok
    assert proposal.fallback is not None and proposal.fallback.reason == "rejected"
    assert "'gpt-9'" in proposal.fallback.detail and "'recursion'" in proposal.fallback.detail
    found = [(i.code, i.subject) for i in proposal.fallback.issues]
    assert found == [
        ("unknown_model", "gpt-9"),
        ("unknown_tag", "recursion"),
        ("no_problems", None),
    ]


@pytest.mark.parametrize(
    ("answer", "reason", "code"),
    [
        (json.dumps({"models": ["weak@²", "weak"]}), "rejected", "unknown_version"),
        (
            json.dumps({"models": ["weak", "weak@\u0661"], "samples": 1}),
            "rejected",
            "unknown_version",
        ),
        (NESTED, "not_json", None),
    ],
)
def test_a_champion_answer_that_once_crashed_the_check_falls_back_and_says_why(
    conn: Connection,
    settings: Settings,
    register: Register,
    crown: Crown,
    llm_server: ScriptedServer,
    answer: str,
    reason: str,
    code: str | None,
) -> None:
    register("weak")
    crown("planner")
    llm_server.plan_answer = answer
    proposal = propose(conn, settings, "compare weak on easy problems")
    assert proposal.planner == "keywords" and proposal.plan.ok
    assert proposal.fallback is not None and proposal.fallback.reason == reason
    assert [i.code for i in proposal.fallback.issues] == ([code] if code else [])


def test_a_champion_that_cannot_be_reached_leaves_it_to_the_keyword_parser(
    conn: Connection, settings: Settings, register: Register, crown: Crown
) -> None:
    register("weak")
    crown("planner", "gone", base_url="http://127.0.0.1:9")  # the discard port: refused
    proposal = propose(conn, settings, "weak on easy problems")
    assert proposal.planner == "keywords" and proposal.champion == "gone@1"
    assert proposal.fallback is not None and proposal.fallback.reason == "unreachable"
    assert proposal.fallback.cause == "connection"
    assert proposal.plan.ok
