"""The feedback prompt holds what the learner may read, and only that."""

from __future__ import annotations

from appliance.feedback.prompts import SYSTEM, FailedTest, Material, messages, render
from tests.bundles import GOLDEN, WEAK_SUITE


def material(**changes: object) -> Material:
    fields: dict[str, object] = {
        "title": "Clamp",
        "statement": "Limit x to [lo, hi].",
        "signature": "def clamp(x, lo, hi)",
        "golden": None,
        "suite": WEAK_SUITE,
        "status": "SUCCESS",
        "reason": None,
        "score": 41,
        "survivor_hints": ["Try x equal to hi.", "What if lo is greater than hi?"],
        "failed_on_golden": [],
    }
    return Material(**{**fields, **changes})  # type: ignore[arg-type]


def test_a_success_prompt_has_the_statement_the_suite_the_score_and_the_hints() -> None:
    prompt = render(material())
    for part in (
        "Limit x to [lo, hi].",
        "def clamp(x, lo, hi)",
        WEAK_SUITE.strip(),
        "scored 41 of 100",
        "- Try x equal to hi.",
        "2 surviving mutants",
    ):
        assert part in prompt
    assert "code under test" not in prompt


def test_golden_is_in_the_prompt_only_when_given() -> None:
    assert GOLDEN.strip() in render(material(golden=GOLDEN))
    assert GOLDEN.strip() not in render(material())


def test_a_failure_prompt_has_the_reason_and_the_failed_tests_messages() -> None:
    failed = [FailedTest("test_a.py::test_up", "assert 11 == 10")]
    prompt = render(
        material(
            status="FAILURE",
            reason="golden_failed",
            score=0,
            survivor_hints=[],
            failed_on_golden=failed,
        )
    )
    assert "golden_failed" in prompt
    assert "- test_a.py::test_up: assert 11 == 10" in prompt
    assert "surviving" not in prompt


def test_a_suite_holding_a_fence_cannot_close_the_prompts_fence() -> None:
    suite = 'X = """\n```\nnot the end\n"""\n'
    prompt = render(material(suite=suite))
    assert "````python\n" + suite.rstrip() + "\n````" in prompt


def test_the_messages_are_the_instructions_then_the_material() -> None:
    sent = messages(material())
    assert [m["role"] for m in sent] == ["system", "user"]
    assert sent[0]["content"] == SYSTEM
