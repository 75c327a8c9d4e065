"""Judge protocol 2 (judge/PROTOCOL.md): the request read on stdin, the report printed on
stdout, and the bounds of every field the learner can see. Pure: no I/O, no process."""

from __future__ import annotations

import json
import re
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
# What one run may list (verdicts are decided on every test, whatever is listed): beyond
# these a suite is abusive, not thorough, and the report must stay small (REPORT_BYTES).
LISTED_TESTS = 2000  # then one entry saying how many more ran (bounds.omitted_entry)
RUN_MESSAGE_CHARS = 32768  # all messages of a run together; later ones become a marker
SKIP_MESSAGE_CHARS = RUN_MESSAGE_CHARS // 2  # skip reasons never crowd out failures
MESSAGE_OMITTED = "[message omitted]"  # short: up to 2,000 tests may carry it
REPORT_BYTES = 1 << 20  # the whole report line, UTF-8, at most
RUN_BYTES = 256 << 10  # one run, as soon as it ended (so the supervisor's memory stays small)
GOLDEN, TWIN, MUTANT = "golden", "twin", "mutant"
TEST_OUTCOMES = frozenset({"passed", "failed", "error", "skipped"})
REFUSED_BY_STATUS = "refused by the reference monitor"
TOO_COMPLEX = "the suite is too deeply nested or an expression is too long to compile"


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
    except (SyntaxError, ValueError) as exc:
        return "".join(traceback.format_exception_only(exc)).strip()[:MESSAGE_CHARS]
    except (RecursionError, MemoryError) as exc:
        # The parser's or the compiler's own stack overflowed: nesting too deep, or an
        # expression too long. Not the machine's memory: nothing else is running yet.
        return f"{type(exc).__name__}: {TOO_COMPLEX} ({str(exc) or 'parser stack overflow'})"
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


def encode_line(document: dict[str, Any]) -> bytes:
    """The report is exactly one line, the last one on stdout, in UTF-8 that any strict
    decoder accepts: every string is made safe first (`safe`)."""
    return (encode(safe(document)) + "\n").encode()


def encode(document: object) -> str:
    """Compact JSON, non-ASCII characters as themselves (an emoji is 4 bytes, not 12)."""
    return json.dumps(document, separators=(",", ":"), ensure_ascii=False)


def encoded_size(document: object) -> int:
    """Bytes of `document` in the report line (its strings already made safe)."""
    return len(encode(document).encode())


_UNSAFE = re.compile("[\x00\ud800-\udfff]")


def safe_text(text: str) -> str:
    """Lone surrogates (a test can put one in any message or name) cannot be encoded in
    UTF-8 and strict JSON decoders refuse their escapes; NUL is valid JSON but no database
    text takes it. Both become U+FFFD."""
    return _UNSAFE.sub("\ufffd", text)


def safe(value: Any) -> Any:
    """`value` with every string in it made safe (`safe_text`), keys included."""
    if isinstance(value, str):
        return safe_text(value)
    if isinstance(value, dict):
        return {safe_text(str(k)): safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [safe(item) for item in value]
    return value
