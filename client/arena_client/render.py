"""Pure rendering: the API's JSON as terminal text (tables, a problem's page, a judged
submission). No I/O, no httpx."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

Json = Mapping[str, Any]

# A FAILURE's reason in plain words, with what to do next.
REASONS = {
    "golden_failed": "your suite fails on the correct code: fix the failing tests below",
    "golden_timeout": "your suite timed out on the correct code: make the tests faster",
    "no_tests": "no tests were collected: name test functions test_*",
    "collection_error": "pytest could not collect your suite: check its imports",
    "syntax_error": "your suite is not valid Python",
    "flaky": "your suite gave different results on the same code: remove randomness and state",
    "introspection": "your suite inspects the code under test instead of testing its behaviour",
    "too_large": "your suite is larger than the appliance accepts",
}


def table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """Left-aligned columns two spaces apart; the last column is not padded."""
    widths = [
        max(len(str(cell)) for cell in column) for column in zip(headers, *rows, strict=False)
    ]
    lines = [_row(headers, widths), _row(["-" * width for width in widths], widths)]
    lines += [_row(row, widths) for row in rows]
    return "\n".join(lines)


def _row(cells: Sequence[str], widths: Sequence[int]) -> str:
    return "  ".join(
        str(cell).ljust(width) for cell, width in zip(cells, widths, strict=True)
    ).rstrip()


def problems_table(items: Sequence[Json]) -> str:
    if not items:
        return "No problems match."
    rows = [
        [p["slug"], p["title"], p["difficulty"], ", ".join(p["tags"]), str(p["mutant_count"])]
        for p in items
    ]
    return table(["SLUG", "TITLE", "DIFFICULTY", "TAGS", "MUTANTS"], rows)


def history_table(items: Sequence[Json]) -> str:
    if not items:
        return "No submissions yet."
    rows = [
        [
            s["id"],
            s["problem"],
            str(s["version"]),
            s["status"],
            s["reason"] or "",
            _or_dash(s["score"]),
            _time(s["created_at"]),
        ]
        for s in items
    ]
    return table(["ID", "PROBLEM", "VERSION", "STATUS", "REASON", "SCORE", "SUBMITTED"], rows)


def problem_text(problem: Json) -> str:
    parts = [
        f"{problem['title']} ({problem['slug']}, version {problem['version']})",
        f"Difficulty: {problem['difficulty']}    Tags: {', '.join(problem['tags']) or '-'}",
        f"Mutants: {problem['mutant_count']}    Time limit: {problem['limits']['wall_seconds']:g} s",
        "",
        problem["description_md"].strip(),
        "",
        "Signature:",
        _indent(problem["function_signature"]),
    ]
    if problem.get("examples"):
        parts += ["", "Examples:", *(_indent(_example(e)) for e in problem["examples"])]
    if problem.get("golden_code"):
        parts += ["", "Golden code:", _indent(problem["golden_code"].rstrip())]
    return "\n".join(parts)


def _example(example: Json) -> str:
    lines = [f">>> {line}" for line in example.get("setup", "").splitlines()]
    lines.append(f">>> {example['call']}")
    if example.get("raises"):
        lines.append(f"raises {example['raises']}")
    elif example.get("result") is not None:
        lines.append(example["result"])
    return "\n".join(lines)


def status_line(submission: Json) -> str:
    return f"{submission['id']}: {submission['status']}"


def result_text(detail: Json) -> str:
    """A judged submission: the outcome, the score explained, golden's failures, mutants."""
    sections = [_headline(detail)]
    if detail.get("golden"):
        sections.append(_golden(detail["golden"]))
    if detail.get("mutants"):
        sections.append(_mutants(detail["mutants"]))
    return "\n\n".join(sections)


def _headline(detail: Json) -> str:
    status = detail["status"]
    if status == "SUCCESS":
        return f"SUCCESS: score {detail['score']}\n{_score_explained(detail)}"
    if status == "FAILURE":
        reason = detail.get("reason") or "unknown"
        return f"FAILURE ({reason}): score 0\n{REASONS.get(reason, reason)}"
    if status == "ERROR":
        return (
            f"ERROR: the appliance could not judge this suite: {detail.get('error') or 'no detail'}"
        )
    return f"{status}: not judged yet"


def _score_explained(detail: Json) -> str:
    killed, total = detail["killed_weight"], detail["total_weight"]
    counts = f"{detail['killed_count']} of {detail['total_count']} mutants killed"
    if not total:
        return counts
    return (
        f"{counts}, weight {killed}/{total}: "
        f"30 + floor(70 * {killed} / {total}) = {30 + 70 * killed // total}"
    )


def _golden(golden: Json) -> str:
    lines = [f"Golden: {golden['verdict']}"]
    for test in golden.get("tests", []):
        if test["outcome"] in ("failed", "error"):
            lines.append(f"  {test['outcome'].upper()} {test['name']}")
            lines += [_indent(line, 4) for line in test["message"].strip().splitlines()[:12]]
    if golden.get("refused"):
        lines.append(f"  refused: {golden['refused']}")
    return "\n".join(lines)


def _mutants(mutants: Sequence[Json]) -> str:
    # An appliance older than the weights leaves them out: shown as "-".
    rows = [
        [m["label"], m["verdict"], str(m.get("weight", "-")), m.get("hint") or ""] for m in mutants
    ]
    return table(["MUTANT", "VERDICT", "WEIGHT", "HINT"], rows)


def _indent(text: str, spaces: int = 2) -> str:
    return "\n".join(" " * spaces + line for line in text.splitlines())


def _or_dash(value: object) -> str:
    return "-" if value is None else str(value)


def _time(value: str) -> str:
    """ISO 8601 to minutes: '2026-11-30T04:20:31.123+00:00' -> '2026-11-30 04:20'."""
    return value.replace("T", " ")[:16]
