"""What a model is asked and what is taken from its answer. Pure.

A prompt is the model version's template filled in from the problem version with what a
learner sees: title, statement, signature, examples, and the golden code only where the
version shows it (show_golden). Mutants are never an argument here, so no mutant's code
can reach a prompt; hidden golden code is not read at all."""

from __future__ import annotations

import ast
import re
import string
from collections.abc import Mapping
from typing import Any

from appliance.problems.examples import parse_examples, render_examples_md

# The first fenced block marked python (```python or ```py), up to its closing fence.
_FENCED = re.compile(r"```(?:python|py)[ \t]*\r?\n(.*?)```", re.DOTALL | re.IGNORECASE)
NO_EXAMPLES = "(none)"


def prompt_fields(version: Mapping[str, Any]) -> dict[str, str]:
    """The template's placeholders (endpoints.PLACEHOLDERS) for one problem version."""
    examples = parse_examples(version["examples"])
    return {
        "title": version["title"],
        "statement": version["description_md"],
        "signature": version["function_signature"],
        "examples": render_examples_md(examples) if examples else NO_EXAMPLES,
        "golden": _golden(version),
    }


def _golden(version: Mapping[str, Any]) -> str:
    if not version["show_golden"]:
        return ""
    return f"\nThe code under test (module `target`):\n\n```python\n{version['golden_code']}```\n"


def render(template: str, version: Mapping[str, Any]) -> str:
    """The prompt; the template was checked when its model version was registered."""
    return string.Template(template).safe_substitute(prompt_fields(version))


def extract_suite(answer: str) -> str | None:
    """The pytest suite in a model's answer: its first python code block, else the whole
    answer when it is Python; None when there is neither (prose, an empty answer)."""
    fenced = _FENCED.search(answer)
    if fenced is not None:
        return fenced.group(1) if fenced.group(1).strip() else None
    if not answer.strip() or not _parses(answer):
        return None
    return answer


def _parses(text: str) -> bool:
    try:
        ast.parse(text)
    except (SyntaxError, ValueError):  # ValueError: NUL bytes
        return False
    return True
