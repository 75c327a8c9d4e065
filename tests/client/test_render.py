"""The client's pure core: tables and result text from the API's JSON, and the polling
backoff. No appliance needed."""

from __future__ import annotations

import itertools

from arena_client import render
from arena_client.cli import backoff

PENDING: dict[str, object] = {"id": "s1", "status": "PENDING", "golden": None, "mutants": []}


def test_table_pads_columns_to_their_widest_cell() -> None:
    text = render.table(["A", "BB"], [["long", "x"], ["s", ""]])
    assert text.splitlines() == ["A     BB", "----  --", "long  x", "s"]


def test_an_error_result_says_the_appliance_is_at_fault() -> None:
    detail = {**PENDING, "status": "ERROR", "error": "judge image missing"}
    assert render.result_text(detail) == (
        "ERROR: the appliance could not judge this suite: judge image missing"
    )


def test_a_failure_explains_its_reason_in_plain_words() -> None:
    text = render.result_text({**PENDING, "status": "FAILURE", "reason": "no_tests"})
    assert text.splitlines() == [
        "FAILURE (no_tests): score 0",
        "no tests were collected: name test functions test_*",
    ]


def test_hints_appear_only_for_survivors() -> None:
    mutants = [
        {"label": "mutant 1", "verdict": "killed", "weight": 2, "hint": None, "killed_by": ["t"]},
        {
            "label": "mutant 2",
            "verdict": "survived",
            "weight": 3,
            "hint": "Try x.",
            "killed_by": [],
        },
    ]
    rows = render.result_text({**PENDING, "status": "RUNNING", "mutants": mutants}).splitlines()
    assert rows[-2:] == ["mutant 1  killed    2", "mutant 2  survived  3       Try x."]


def test_a_result_without_weights_shows_a_dash() -> None:
    mutants = [{"label": "mutant 1", "verdict": "killed", "hint": None, "killed_by": ["t"]}]
    rows = render.result_text({**PENDING, "status": "RUNNING", "mutants": mutants}).splitlines()
    assert rows[-1] == "mutant 1  killed   -"


def test_examples_read_like_a_doctest() -> None:
    problem = {
        "slug": "stack",
        "title": "Stack",
        "version": 2,
        "difficulty": "Medium",
        "tags": [],
        "mutant_count": 4,
        "limits": {"wall_seconds": 2.5},
        "description_md": "A stack.",
        "function_signature": "class Stack",
        "examples": [
            {"setup": "s = Stack()\ns.push(1)", "call": "s.pop()", "result": "1"},
            {"call": "Stack().pop()", "raises": "IndexError"},
        ],
        "golden_code": None,
    }
    text = render.problem_text(problem)
    assert "Time limit: 2.5 s" in text
    assert "  >>> s = Stack()\n  >>> s.push(1)\n  >>> s.pop()\n  1" in text
    assert "  >>> Stack().pop()\n  raises IndexError" in text
    assert "Golden code" not in text


def test_polling_starts_at_a_fifth_of_a_second_and_grows_to_two() -> None:
    delays = list(itertools.islice(backoff(), 10))
    assert delays[0] == 0.2
    assert delays == sorted(delays)
    assert delays[-1] == 2.0
