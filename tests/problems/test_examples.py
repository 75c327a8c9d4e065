"""A problem's [[examples]]: checked when read, turned into a pytest suite (the
examples-only score, DESIGN.md 4.5) and rendered into the statement."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from appliance.errors import Invalid
from appliance.problems.examples import (
    MAX_EXAMPLES,
    Example,
    as_mapping,
    examples_suite,
    parse_example,
    parse_examples,
    render_examples_md,
)
from tests.bundles import GOLDEN

CLAMP = Example(call="clamp(5, 0, 3)", result="3")
REFUSED = Example(call="clamp(1, lo, hi)", raises="ValueError", setup="lo = 5\nhi = 0")


def test_examples_are_read_in_order_with_their_optional_setup() -> None:
    raw = [
        {"call": " clamp(5, 0, 3) ", "result": "3"},
        {"setup": "lo = 5\nhi = 0\n", "call": "clamp(1, lo, hi)", "raises": "ValueError"},
    ]
    assert parse_examples(raw) == (CLAMP, REFUSED)
    assert parse_examples([as_mapping(CLAMP), as_mapping(REFUSED)]) == (CLAMP, REFUSED)


def test_no_examples_is_fine() -> None:
    assert parse_examples(None) == ()
    assert parse_examples([]) == ()


def test_absent_keys_may_be_null_as_in_json() -> None:
    raw = {"call": "clamp(5, 0, 3)", "result": "3", "raises": None, "setup": None}
    assert parse_example(raw) == CLAMP


def test_an_indented_setup_is_dedented() -> None:
    raw = {"setup": "    x = 1\n    y = 2\n", "call": "x + y", "result": "3"}
    assert parse_example(raw).setup == "x = 1\ny = 2"


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("clamp(5, 0, 3)", "examples must be a list"),
        ({"call": "clamp(5, 0, 3)"}, "examples must be a list"),
        (["clamp(5, 0, 3)"], r"examples\[1\] must be an object"),
        ([{"result": "3"}], r"examples\[1\]: call is required"),
        ([{"call": "clamp(5, 0, 3)"}], "exactly one of result and raises"),
        ([{"call": "f()", "result": "1", "raises": "ValueError"}], "exactly one of"),
        (
            [{"call": "clamp(5, 0,", "result": "3"}],
            r"examples\[1\]\.call must be a Python expression",
        ),
        ([{"call": "x = 1", "result": "1"}], r"\.call must be a Python expression"),
        ([{"call": "f()", "result": "import os"}], r"\.result must be a Python expression"),
        ([{"call": "f()", "result": "1\x00"}], r"\.result must be a Python expression"),
        ([{"call": "f()", "raises": "Value Error"}], r"\.raises must be an exception class name"),
        ([{"call": "f()", "raises": "pytest.raises(X)"}], r"\.raises must be an exception class"),
        ([{"call": "f()", "raises": "class"}], r"\.raises must be an exception class"),
        (
            [{"call": "f()", "result": "1", "setup": "def f(:"}],
            r"\.setup must be Python statements",
        ),
        ([{"call": "f()", "result": 1}], r"\.result must be a non-empty string"),
        ([{"call": "   ", "result": "1"}], r"\.call must be a non-empty string"),
        ([{"call": "f()", "result": "1", "expected": "1"}], "unknown keys"),
        ([{"call": "f(" + "1," * 3000 + ")", "result": "1"}], "longer than"),
        (
            [{"call": "f()", "result": "1"}, {"call": "f()", "result": "("}],
            r"examples\[2\]\.result",
        ),
        ([{"call": "f()", "result": "1"}] * (MAX_EXAMPLES + 1), f"at most {MAX_EXAMPLES}"),
    ],
)
def test_a_bad_example_is_refused_with_a_clear_message(raw: Any, message: str) -> None:
    with pytest.raises(Invalid, match=message):
        parse_examples(raw)


def test_fifty_examples_are_allowed() -> None:
    assert len(parse_examples([{"call": "f()", "result": "1"}] * MAX_EXAMPLES)) == MAX_EXAMPLES


def test_the_suite_has_one_test_per_example_in_order() -> None:
    suite = examples_suite([CLAMP, REFUSED, CLAMP])
    tree = ast.parse(suite)
    tests = [node.name for node in tree.body if isinstance(node, ast.FunctionDef)]
    assert tests == ["test_example_1", "test_example_2", "test_example_3"]
    compile(suite, "test_examples.py", "exec")


def test_the_suite_imports_the_target_then_the_documented_names() -> None:
    lines = examples_suite([CLAMP]).splitlines()
    imports = [line for line in lines if line.startswith(("from ", "import "))]
    assert imports == [
        "from target import *  # noqa: F403",
        "from datetime import datetime, date, timedelta",
        "from decimal import Decimal",
        "from fractions import Fraction",
        "import math",
        "import pytest",
    ]


def test_a_result_example_is_an_equality_assertion() -> None:
    suite = examples_suite([CLAMP])
    assert "def test_example_1():\n    assert (clamp(5, 0, 3)) == (3)\n" in suite


def test_a_raises_example_runs_its_setup_first_then_expects_the_exception() -> None:
    suite = examples_suite([REFUSED])
    body = (
        "def test_example_1():\n"
        "    lo = 5\n"
        "    hi = 0\n"
        "    with pytest.raises(ValueError):\n"
        "        clamp(1, lo, hi)\n"
    )
    assert body in suite


def test_comments_and_line_breaks_in_an_example_cannot_break_the_suite() -> None:
    tricky = parse_example(
        {
            "setup": "def double(x):\n    # a comment\n    return 2 * x\n",
            "call": "double(\n    2)  # four",
            "result": "4  # the answer",
        }
    )
    suite = examples_suite([tricky])
    compile(suite, "test_examples.py", "exec")
    assert "assert (double(2)) == (4)" in suite


def run_suite(tmp_path: Path, suite: str) -> subprocess.CompletedProcess[str]:
    (tmp_path / "target.py").write_text(GOLDEN)
    (tmp_path / "test_examples.py").write_text(suite)
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-o", "addopts="],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env={"PYTHONPATH": str(tmp_path), "PATH": "/usr/bin:/bin"},
    )


def test_the_suite_passes_on_the_code_the_examples_describe(tmp_path: Path) -> None:
    stateful = Example(
        setup="calls = []\ncalls.append(clamp(-1, 0, 3))",
        call="(calls, clamp(Fraction(1, 2), 0, 1), clamp(Decimal('2.5'), 0, 2))",
        result="([0], Fraction(1, 2), 2)",
    )
    dated = Example(
        call="clamp(date(2024, 1, 1), date(2024, 2, 1), date(2024, 3, 1))",
        result="date(2024, 2, 1)",
    )
    result = run_suite(tmp_path, examples_suite([CLAMP, REFUSED, stateful, dated]))
    assert result.returncode == 0, result.stdout
    assert "4 passed" in result.stdout


def test_the_suite_fails_where_an_example_is_wrong(tmp_path: Path) -> None:
    wrong = [
        Example(call="clamp(5, 0, 3)", result="5"),
        Example(call="clamp(1, 0, 3)", raises="ValueError"),
    ]
    result = run_suite(tmp_path, examples_suite([CLAMP, *wrong]))
    assert result.returncode == 1
    assert "2 failed, 1 passed" in result.stdout


def test_the_examples_render_as_one_code_block_each() -> None:
    markdown = render_examples_md([CLAMP, REFUSED])
    assert markdown == (
        "## Examples\n"
        "\n"
        "```python\n"
        ">>> clamp(5, 0, 3)\n"
        "3\n"
        "```\n"
        "\n"
        "```python\n"
        ">>> lo = 5\n"
        ">>> hi = 0\n"
        ">>> clamp(1, lo, hi)\n"
        "raises ValueError\n"
        "```\n"
    )


def test_a_compound_setup_renders_with_continuation_prompts() -> None:
    example = parse_example(
        {"setup": "def double(x):\n    return 2 * x\n\ny = 1", "call": "double(y)", "result": "2"}
    )
    assert render_examples_md([example], lang="py") == (
        "## Examples\n"
        "\n"
        "```py\n"
        ">>> def double(x):\n"
        "...     return 2 * x\n"
        "...\n"
        ">>> y = 1\n"
        ">>> double(y)\n"
        "2\n"
        "```\n"
    )


def test_no_examples_render_as_nothing() -> None:
    assert render_examples_md([]) == ""
