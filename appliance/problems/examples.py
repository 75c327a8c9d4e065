"""A problem's `[[examples]]` (DESIGN.md sections 4.5 and 5): read and checked from the
problem.toml / API mapping, turned into a pytest suite for the examples-only score, and
rendered as the statement's Markdown "Examples" block. Pure: text in, text or Invalid out."""

from __future__ import annotations

import ast
import keyword
import textwrap
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from appliance.errors import Invalid

MAX_EXAMPLES = 50
MAX_FIELD_CHARS = 4000
KEYS = frozenset({"call", "result", "raises", "setup"})

SUITE_HEADER = '''\
"""The statement's examples, one test each."""

from target import *  # noqa: F403

from datetime import datetime, date, timedelta
from decimal import Decimal
from fractions import Fraction
import math

import pytest
'''


@dataclass(frozen=True)
class Example:
    """`call` evaluates to `result` (both Python expressions) or raises `raises` (an
    exception class name) after the statements of `setup` ran."""

    call: str
    result: str | None = None
    raises: str | None = None
    setup: str = ""


def parse_examples(raw: Any) -> tuple[Example, ...]:
    """The examples of a problem.toml or API body (the value of its key "examples")."""
    if raw is None:
        return ()
    if not isinstance(raw, Sequence) or isinstance(raw, str | bytes):
        raise Invalid("examples must be a list")
    if len(raw) > MAX_EXAMPLES:
        raise Invalid(f"a problem has at most {MAX_EXAMPLES} examples")
    return tuple(parse_example(entry, number) for number, entry in enumerate(raw, start=1))


def parse_example(raw: Any, number: int = 1) -> Example:
    where = f"examples[{number}]"
    if not isinstance(raw, Mapping):
        raise Invalid(f"{where} must be an object with call and result or raises")
    unknown = sorted(str(key) for key in raw if key not in KEYS)
    if unknown:
        raise Invalid(f"{where}: unknown keys {unknown} (allowed: call, result, raises, setup)")
    call = _field(raw, "call", where)
    result = _field(raw, "result", where)
    raises = _field(raw, "raises", where)
    setup = _field(raw, "setup", where) or ""
    if call is None:
        raise Invalid(f"{where}: call is required")
    if (result is None) == (raises is None):
        raise Invalid(f"{where}: give exactly one of result and raises")
    _expression(call, f"{where}.call")
    if result is not None:
        _expression(result, f"{where}.result")
    if raises is not None:
        _exception_name(raises, f"{where}.raises")
    if setup.strip():
        _statements(setup, f"{where}.setup")
    return Example(
        call=call.strip(),
        result=None if result is None else result.strip(),
        raises=None if raises is None else raises.strip(),
        setup=textwrap.dedent(setup).strip("\n") if setup.strip() else "",
    )


def as_mapping(example: Example) -> dict[str, str]:
    """The example as problem.toml / API keys, without the absent ones."""
    data = {"call": example.call}
    if example.setup:
        data["setup"] = example.setup
    if example.result is not None:
        data["result"] = example.result
    if example.raises is not None:
        data["raises"] = example.raises
    return data


def examples_suite(examples: Sequence[Example]) -> str:
    """A pytest suite with one test per example, `test_example_1` ... in order."""
    parts = [SUITE_HEADER]
    for number, example in enumerate(examples, start=1):
        body = [*_setup_lines(example.setup)]
        call = _unparse_expression(example.call)
        if example.raises is not None:
            body.append(f"with pytest.raises({example.raises}):")
            body.append(f"    {call}")
        else:
            body.append(f"assert ({call}) == ({_unparse_expression(example.result or '')})")
        lines = "\n".join(f"    {line}" if line else "" for line in body)
        parts.append(f"\ndef test_example_{number}():\n{lines}\n")
    return "\n".join(parts)


def render_examples_md(examples: Sequence[Example], lang: str = "python") -> str:
    """The statement's "Examples" block: one code block per example, `>>> call` then the
    result or `raises Exc`. Empty when there are no examples."""
    if not examples:
        return ""
    blocks = ["## Examples"]
    for example in examples:
        lines = [*_prompted(example.setup), *_prompted(example.call)]
        if example.raises is not None:
            lines.append(f"raises {example.raises}")
        else:
            lines.append(example.result or "")
        blocks.append(f"```{lang}\n" + "\n".join(lines) + "\n```")
    return "\n\n".join(blocks) + "\n"


def _prompted(source: str) -> list[str]:
    """Interpreter-style lines: `>>> ` for a new statement, `... ` for a continuation."""
    if not source:
        return []
    starts = {node.lineno for node in ast.parse(source).body}
    return [
        (">>> " if number in starts else "... ") + line if line.strip() else "..."
        for number, line in enumerate(source.splitlines(), start=1)
    ]


def _setup_lines(setup: str) -> list[str]:
    if not setup:
        return []
    return ast.unparse(ast.parse(setup)).splitlines()


def _unparse_expression(source: str) -> str:
    """One safe line: comments and line breaks of the author's text cannot break the
    generated code."""
    return ast.unparse(ast.parse(source.strip(), mode="eval"))


def _field(raw: Mapping[str, Any], key: str, where: str) -> str | None:
    value = raw.get(key)
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        raise Invalid(f"{where}.{key} must be a non-empty string")
    if len(value) > MAX_FIELD_CHARS:
        raise Invalid(f"{where}.{key} is longer than {MAX_FIELD_CHARS} characters")
    return value


def _expression(source: str, where: str) -> None:
    try:
        ast.parse(source.strip(), mode="eval")
    except SyntaxError as exc:
        raise Invalid(f"{where} must be a Python expression: {exc.msg}") from None
    except ValueError as exc:  # NUL bytes
        raise Invalid(f"{where} must be a Python expression: {exc}") from None


def _statements(source: str, where: str) -> None:
    try:
        ast.parse(textwrap.dedent(source))
    except SyntaxError as exc:
        raise Invalid(f"{where} must be Python statements: {exc.msg}") from None
    except ValueError as exc:
        raise Invalid(f"{where} must be Python statements: {exc}") from None


def _exception_name(source: str, where: str) -> None:
    parts = source.strip().split(".")
    if not all(part.isidentifier() and not keyword.iskeyword(part) for part in parts):
        raise Invalid(f"{where} must be an exception class name such as ValueError")
