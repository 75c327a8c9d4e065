"""What a model is asked, and what is taken from its answer."""

from __future__ import annotations

from appliance import db
from appliance.evaluations import prompts
from appliance.models.endpoints import DEFAULT_PROMPT_TEMPLATE
from appliance.problems import queries as problem_queries
from tests.bundles import GOLDEN, MUTANTS
from tests.conftest import HIDDEN_PROBLEM, PROBLEM


def test_a_prompt_holds_the_statement_signature_and_shown_golden(conn: db.Connection) -> None:
    version = problem_queries.current_version(conn, PROBLEM)
    assert version is not None
    prompt = prompts.render(DEFAULT_PROMPT_TEMPLATE, version)
    assert version["description_md"] in prompt
    assert "def clamp(x, lo, hi)" in prompt
    assert GOLDEN in prompt  # show_golden: the code is part of the statement
    assert "$" not in prompt


def test_no_mutant_and_no_hidden_golden_reaches_a_prompt(conn: db.Connection) -> None:
    for slug in (PROBLEM, HIDDEN_PROBLEM):
        version = problem_queries.current_version(conn, slug)
        assert version is not None
        prompt = prompts.render(DEFAULT_PROMPT_TEMPLATE + "$golden$examples", version)
        for code, _, _ in MUTANTS.values():
            mutated = set(code.splitlines()) - set(GOLDEN.splitlines())
            assert not any(line in prompt for line in mutated)
        hidden_lines = [line for line in GOLDEN.splitlines() if "max(lo" in line]
        assert any(line in prompt for line in hidden_lines) == (slug == PROBLEM)


def test_the_suite_is_the_first_python_block() -> None:
    answer = "Sure.\n```python\nimport target\n```\nand\n```python\nsecond = 2\n```"
    assert prompts.extract_suite(answer) == "import target\n"


def test_a_whole_answer_that_parses_is_the_suite() -> None:
    assert prompts.extract_suite("def test_x():\n    assert True\n") == (
        "def test_x():\n    assert True\n"
    )


def test_prose_and_empty_answers_hold_no_suite() -> None:
    assert prompts.extract_suite("Great question! Testing matters a lot.") is None
    assert prompts.extract_suite("") is None
    assert prompts.extract_suite("```python\n\n```") is None
    assert prompts.extract_suite("x = 1\x00") is None
