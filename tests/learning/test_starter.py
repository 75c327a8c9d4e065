"""The starter suite: for every shipped problem it compiles, imports what it tests from
`target`, turns each example into a test and sketches the learner's own tests; for any
signature at all it is still Python."""

from __future__ import annotations

import ast
import re
import tomllib
from pathlib import Path

import pytest

from appliance.learning.starter import starter_suite
from appliance.problems.examples import Example, parse_examples

CATALOG = Path(__file__).resolve().parents[2] / "catalog"
PROBLEMS = sorted(path.parent.name for path in CATALOG.glob("*/problem.toml"))


def _problem(slug: str) -> tuple[str, tuple[Example, ...]]:
    data = tomllib.loads((CATALOG / slug / "problem.toml").read_text())
    return data["function_signature"], parse_examples(data.get("examples"))


def _imported_from_target(tree: ast.Module) -> set[str]:
    return {
        alias.name
        for node in tree.body
        if isinstance(node, ast.ImportFrom) and node.module == "target"
        for alias in node.names
    }


def _test_names(tree: ast.Module) -> list[str]:
    return [
        n.name for n in tree.body if isinstance(n, ast.FunctionDef) and n.name.startswith("test_")
    ]


def _uncommented(text: str) -> str:
    """The suite with its commented skeleton tests made code (blocks from `# def ` on)."""
    blocks = re.split(r"\n\n+", text)
    return "\n\n".join(
        "\n".join(line.removeprefix("# ").removeprefix("#") for line in block.splitlines())
        if block.startswith("# def ")
        else block
        for block in blocks
    )


def test_the_catalog_has_problems_to_check() -> None:
    assert len(PROBLEMS) >= 20


@pytest.mark.parametrize("slug", PROBLEMS)
def test_the_starter_of_every_shipped_problem_compiles(slug: str) -> None:
    signature, examples = _problem(slug)
    text = starter_suite(signature, examples)
    tree = ast.parse(text)
    compile(text, "test_starter.py", "exec")
    assert "import pytest" in text
    assert _test_names(tree) == [f"test_example_{n}" for n in range(1, len(examples) + 1)]
    skeletons = _test_names(ast.parse(_uncommented(text)))[len(examples) :]
    assert skeletons and all(name.startswith("test_") for name in skeletons)


@pytest.mark.parametrize("slug", PROBLEMS)
def test_the_starter_imports_what_the_signature_defines(slug: str) -> None:
    signature, examples = _problem(slug)
    tree = ast.parse(starter_suite(signature, examples))
    defined = set(re.findall(r"\b(?:def|class)\s+([A-Za-z_]\w*)", signature))
    assert defined
    assert defined <= _imported_from_target(tree)


def test_a_function_starter_sketches_a_call_with_its_required_parameters() -> None:
    text = starter_suite("def clamp(x: float, lo: float, hi: float = 1.0) -> float", [])
    assert "from target import clamp" in text
    assert "# def test_clamp():\n#     assert clamp(x=..., lo=...) == ..." in text
    assert "Optional parameters of clamp: hi." in text


def test_examples_become_tests_with_the_names_they_need_imported() -> None:
    examples = (
        Example(call="due(date(2024, 1, 31), ONE_MONTH)", result="date(2024, 2, 29)"),
        Example(call="due(None, ONE_MONTH)", raises="TypeError"),
    )
    text = starter_suite("def due(start: date, period: timedelta) -> date", examples)
    assert "from datetime import date\n" in text
    assert "from target import ONE_MONTH, due\n" in text
    assert "def test_example_1():\n    assert (due(date(2024, 1, 31), ONE_MONTH))" in text
    assert "    with pytest.raises(TypeError):\n        due(None, ONE_MONTH)" in text


def test_a_class_starter_builds_it_in_a_fixture_as_the_first_example_does() -> None:
    _, examples = _problem("token-bucket")
    signature = "class TokenBucket: __init__(self, capacity: float); try_acquire(self, tokens: float = 1) -> bool; available(self) -> float; __len__"
    text = starter_suite(signature, examples)
    assert (
        "@pytest.fixture\ndef token_bucket():\n    now = [0.0]\n    bucket = TokenBucket(" in text
    )
    assert "    return bucket\n" in text
    assert (
        "# def test_try_acquire(token_bucket):\n#     # optional: tokens\n#     assert token_bucket.try_acquire() == ..."
        in text
    )
    assert "# def test_len(token_bucket):\n#     assert len(token_bucket) == ..." in text


def test_a_class_without_examples_is_built_from_its_init_parameters() -> None:
    text = starter_suite(
        "class Stack: __init__(self, limit: int); push(self, item) -> None; pop(self)", []
    )
    assert "def stack():\n    return Stack(limit=...)" in text
    assert "# def test_push(stack):\n#     stack.push(item=...)\n#     assert ..." in text
    assert "# def test_pop(stack):\n#     stack.pop()\n#     assert ..." in text


def test_a_second_class_and_attributes_are_named() -> None:
    text = starter_suite("class Order: status, history; pay(). class Refused(ValueError)", [])
    assert "from target import Order, Refused" in text
    assert "Attributes to check: status, history." in text and "# def test_pay(order):" in text


@pytest.mark.parametrize(
    "signature",
    [
        "",
        "def (",
        "class",
        "lambda x: x",
        "def f(x) -> :",
        "class 1Bad: x(",
        "def f(x):\n    import os",
        "def f(\x00)",
        "class C: m(\ud800)",
        "def " + "(" * 10_000,
        "class C: " + "; ".join(f"m{n}(a" for n in range(500)),
    ],
)
def test_any_signature_gives_a_parseable_suite(signature: str) -> None:
    text = starter_suite(signature, [])
    ast.parse(text)
    ast.parse(_uncommented(text))
    assert "import pytest" in text
