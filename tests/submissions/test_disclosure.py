"""Learner-visible text never quotes hidden code (DESIGN.md 4.4), and the submission view
shows mutants by neutral label with killed_by limited to golden's tests. Pure."""

from __future__ import annotations

from typing import Any

import msgspec

from appliance.submissions.detail import detail
from appliance.submissions.disclosure import (
    NAME_LIMIT,
    TEXT_LIMIT,
    WITHHELD_LINE,
    WITHHELD_NAME,
    redactor_for,
)

GOLDEN = "def clamp(x, lo, hi):\n    return max(lo, min(x, hi))\n"
MUTANT = "def clamp(x, lo, hi):\n    return max(lo, min(x, hi - 1))\n"
SUITE = "from target import clamp\n\ndef test_top():\n    assert clamp(9, 0, 3) == 3\n"


def test_a_line_of_a_mutant_is_withheld_wherever_it_appears_in_a_line() -> None:
    redactor = redactor_for(SUITE, GOLDEN, True, [MUTANT])
    text = "ok\nE  source: 'return max(lo, min(x, hi - 1))' was here\nbye"
    assert redactor.text(text) == f"ok\n{WITHHELD_LINE}\nbye"


def test_golden_lines_are_public_where_golden_is_shown_and_secret_where_hidden() -> None:
    line = "got: return max(lo, min(x, hi))"
    assert redactor_for(SUITE, GOLDEN, True, [MUTANT]).text(line) == line
    assert redactor_for(SUITE, GOLDEN, False, [MUTANT]).text(line) == WITHHELD_LINE


def test_what_the_learner_wrote_is_never_withheld() -> None:
    suite = SUITE + "# return max(lo, min(x, hi - 1))\n"
    redactor = redactor_for(suite, GOLDEN, True, [MUTANT])
    assert redactor.text("# return max(lo, min(x, hi - 1))") == "# return max(lo, min(x, hi - 1))"


def test_short_lines_are_too_common_to_be_secrets() -> None:
    mutant = "def f(x):\n    return x\n    else:\n"
    redactor = redactor_for("", "def f(x):\n    return -x\n", False, [mutant])
    assert redactor.text("return x") == "return x"


def test_test_ids_that_quote_hidden_code_are_withheld_and_everything_is_bounded() -> None:
    redactor = redactor_for(SUITE, GOLDEN, True, [MUTANT])
    assert redactor.name("test_x[return max(lo, min(x, hi - 1))]") == WITHHELD_NAME
    assert len(redactor.name("t" * 10_000)) == NAME_LIMIT
    assert len(redactor.text("x" * (TEXT_LIMIT * 3))) == TEXT_LIMIT


def variant(position: int, name: str, kind: str, verdict: str) -> dict[str, Any]:
    return {
        "position": position,
        "name": name,
        "kind": kind,
        "verdict": verdict,
        "duration_ms": 5,
        "output": "",
        "output_truncated": False,
        "refused": None,
    }


def _test_row(position: int, name: str, outcome: str) -> dict[str, Any]:
    return {"position": position, "test_name": name, "outcome": outcome, "message": ""}


ROW = dict.fromkeys(
    (
        "problem",
        "version",
        "status",
        "reason",
        "error_detail",
        "score",
        "killed_weight",
        "total_weight",
        "killed_count",
        "total_count",
        "created_at",
        "started_at",
        "finished_at",
        "rejudge_of",
    )
) | {"id": "00000000-0000-0000-0000-000000000001"}
VARIANTS = [
    variant(0, "golden", "golden", "passed"),
    variant(1, "golden", "golden", "passed"),
    variant(2, "twin", "twin", "passed"),
    variant(3, "upper", "mutant", "killed"),
    variant(4, "lower", "mutant", "survived"),
]
TESTS = [
    _test_row(0, "test_top", "passed"),
    _test_row(3, "test_top", "failed"),
    _test_row(3, "test_only_in_a_mutant_run", "error"),
]
MUTANTS = [
    {"name": "upper", "label": 2, "hint": "the top", "weight": 3},
    {"name": "lower", "label": 1, "hint": "the bottom", "weight": 1},
]


def test_learners_see_labels_in_label_order_hints_for_survivors_and_golden_tests_only() -> None:
    view = msgspec.to_builtins(detail(ROW, VARIANTS, TESTS, MUTANTS, reveal_names=False))
    assert view["mutants"] == [
        {
            "label": "mutant 1",
            "verdict": "survived",
            "weight": 1,
            "hint": "the bottom",
            "killed_by": [],
        },
        {
            "label": "mutant 2",
            "verdict": "killed",
            "weight": 3,
            "hint": None,
            "killed_by": ["test_top"],
        },
    ]
    assert "upper" not in str(view) and "lower" not in str(view)
    assert view["golden_reruns"] == ["passed"] and view["twins"] == ["passed"]


def test_authors_and_admins_also_see_names() -> None:
    view = msgspec.to_builtins(detail(ROW, VARIANTS, TESTS, MUTANTS, reveal_names=True))
    assert [(m["label"], m["name"]) for m in view["mutants"]] == [
        ("mutant 1", "lower"),
        ("mutant 2", "upper"),
    ]
