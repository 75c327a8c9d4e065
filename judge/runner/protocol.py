"""Judge protocol 2 (judge/PROTOCOL.md): the request read on stdin, the report printed on
stdout, and the bounds of every field the learner can see. Pure: no I/O, no process."""

from __future__ import annotations

import json
from typing import Any

PROTOCOL = 2
TEST_FILE = "test_submission.py"
DEFAULT_WALL_SECONDS = 5.0
DEFAULT_OUTPUT_LIMIT = 65536
DEFAULT_GOLDEN_RERUNS = 6
DEFAULT_TWINS = 2
GOLDEN_RERUNS_RANGE = (1, 20)
TWINS_RANGE = (1, 5)
MESSAGE_CHARS = 2000  # a failure message is a hint for the learner, not a log
MESSAGE_LINES = 20
NAME_CHARS = 500
REFUSED_CHARS = 500
MAX_TESTS = 20000  # per run; beyond that a suite is abusive, not thorough
GOLDEN, TWIN, MUTANT = "golden", "twin", "mutant"
TEST_OUTCOMES = frozenset({"passed", "failed", "error", "skipped"})
REFUSED_BY_STATUS = "refused by the reference monitor"


class RunnerError(Exception):
    """The runner itself cannot do its job: reported as ``runner_error``, exit status 2."""


class Request:
    __slots__ = (
        "golden",
        "golden_reruns",
        "mutants",
        "output_limit",
        "tests",
        "twins",
        "wall_seconds",
    )

    def __init__(
        self,
        tests: str,
        golden: str,
        mutants: list[tuple[str, str]],
        wall_seconds: float = DEFAULT_WALL_SECONDS,
        output_limit: int = DEFAULT_OUTPUT_LIMIT,
        golden_reruns: int = DEFAULT_GOLDEN_RERUNS,
        twins: int = DEFAULT_TWINS,
    ) -> None:
        self.tests = tests
        self.golden = golden
        self.mutants = mutants
        self.wall_seconds = wall_seconds
        self.output_limit = output_limit
        self.golden_reruns = golden_reruns
        self.twins = twins


def parse_request(raw: bytes) -> Request:
    """Decode and validate the request; any defect is the worker's bug, hence RunnerError."""
    try:
        doc = json.loads(raw)
    except (UnicodeDecodeError, ValueError) as exc:
        raise RunnerError(f"request is not JSON: {exc}") from exc
    if not isinstance(doc, dict) or doc.get("protocol") != PROTOCOL:
        raise RunnerError(f"request is not a protocol {PROTOCOL} object")
    mutants = doc.get("mutants", [])
    if not isinstance(mutants, list):
        raise RunnerError("request.mutants must be a list")
    return Request(
        tests=_text_field(doc, "tests"),
        golden=_text_field(doc, "golden"),
        mutants=[_parse_mutant(item) for item in mutants],
        wall_seconds=float(_number_field(doc, "wall_seconds", DEFAULT_WALL_SECONDS)),
        output_limit=int(_number_field(doc, "output_limit_bytes", DEFAULT_OUTPUT_LIMIT)),
        golden_reruns=_count_field(
            doc, "golden_reruns", DEFAULT_GOLDEN_RERUNS, GOLDEN_RERUNS_RANGE
        ),
        twins=_count_field(doc, "twins", DEFAULT_TWINS, TWINS_RANGE),
    )


def _parse_mutant(item: object) -> tuple[str, str]:
    if not isinstance(item, dict):
        raise RunnerError("each mutant must be an object")
    return _text_field(item, "name"), _text_field(item, "code")


def _text_field(doc: dict[str, object], key: str) -> str:
    value = doc.get(key)
    if not isinstance(value, str):
        raise RunnerError(f"request field {key!r} must be a string")
    return value


def _number_field(doc: dict[str, object], key: str, default: float) -> float:
    value = doc.get(key, default)
    # bool is an int to Python, never a meaningful limit.
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0:
        raise RunnerError(f"request field {key!r} must be a positive number")
    return value


def _count_field(doc: dict[str, object], key: str, default: int, bounds: tuple[int, int]) -> int:
    value = doc.get(key, default)
    low, high = bounds
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise RunnerError(f"request field {key!r} must be an integer from {low} to {high}")
    return value


def syntax_error_of(source: str) -> str | None:
    """Compile the suite without running it; the learner sees the compiler's own words."""
    import traceback
    import warnings

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # SyntaxWarnings belong to pytest's output
            compile(source, TEST_FILE, "exec", dont_inherit=True)
    except (SyntaxError, ValueError, RecursionError, MemoryError) as exc:
        return "".join(traceback.format_exception_only(exc)).strip()[:MESSAGE_CHARS]
    return None


def test_entry(name: str, outcome: str, duration_ms: int, message: str) -> dict[str, Any]:
    return {"name": name, "outcome": outcome, "duration_ms": duration_ms, "message": message}


def run_entry(
    name: str,
    verdict: str,
    duration_ms: int,
    limit_ms: int,
    tests: list[dict[str, Any]],
    output: str,
    truncated: bool,
    refused: str | None = None,
) -> dict[str, Any]:
    """One RUN of the report."""
    return {
        "name": name,
        "verdict": verdict,
        "duration_ms": duration_ms,
        "limit_ms": limit_ms,
        "tests": tests,
        "output": output,
        "output_truncated": truncated,
        "refused": refused,
    }


def report(
    syntax_error: str | None = None,
    golden: list[dict[str, Any]] | None = None,
    twins: list[dict[str, Any]] | None = None,
    mutants: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    return {
        "protocol": PROTOCOL,
        "syntax_error": syntax_error,
        "golden": golden or [],
        "twins": twins or [],
        "mutants": mutants or [],
    }


def runner_error_report(what: str) -> dict[str, Any]:
    return {"protocol": PROTOCOL, "runner_error": what}


def encode_line(document: dict[str, Any]) -> str:
    """The report is exactly one line, the last one on stdout."""
    return json.dumps(document, separators=(",", ":")) + "\n"
