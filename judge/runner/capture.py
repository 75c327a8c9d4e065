"""What the supervisor keeps of one run: its output, capped, and the worker's events,
checked and clipped. A test can write to both pipes, so nothing read here is trusted: a
forged line can only misreport the run the test itself is in."""

from __future__ import annotations

import json
import time
from typing import Any

from .protocol import (
    LISTED_TESTS,
    MESSAGE_CHARS,
    MESSAGE_OMITTED,
    NAME_CHARS,
    REFUSED_BY_STATUS,
    REFUSED_CHARS,
    RUN_MESSAGE_CHARS,
    SKIP_MESSAGE_CHARS,
    TEST_OUTCOMES,
    test_entry,
)

MAX_EVENT_LINE = 1 << 20


class CappedOutput:
    """Keeps the first and the last halves of at most `limit` bytes: a flood of output can
    neither fill memory nor hide pytest's summary, which comes at the end."""

    def __init__(self, limit: int) -> None:
        self._head_cap = limit // 2
        self._tail_cap = limit - self._head_cap
        self._head = bytearray()
        self._tail = bytearray()
        self.total = 0

    def feed(self, data: bytes) -> None:
        self.total += len(data)
        room = self._head_cap - len(self._head)
        if room > 0:
            self._head += data[:room]
            data = data[room:]
        self._tail += data
        if len(self._tail) > 2 * self._tail_cap:  # trim rarely: amortised O(1) per byte
            del self._tail[: -self._tail_cap]

    @property
    def truncated(self) -> bool:
        return self.total > self._head_cap + self._tail_cap

    def text(self) -> str:
        tail = bytes(self._tail[-self._tail_cap :]) if self._tail_cap else b""
        if not self.truncated:
            return (bytes(self._head) + bytes(self._tail)).decode("utf-8", "replace")
        omitted = self.total - len(self._head) - len(tail)
        marker = f"\n[... {omitted} bytes of output omitted ...]\n"
        return self._head.decode("utf-8", "replace") + marker + tail.decode("utf-8", "replace")


class Tally:
    """The tests of one run: every outcome is counted (verdicts are decided on the counts),
    at most `LISTED_TESTS` entries are kept for the report. When the list is full, a test
    that failed or errored takes the place of the latest passed or skipped one, so the
    tests that expose a mutant stay listed; the others are only counted (`omitted`).
    Messages share `RUN_MESSAGE_CHARS`, skip reasons at most `SKIP_MESSAGE_CHARS` of it."""

    def __init__(self, listed: int = LISTED_TESTS) -> None:
        self._listed = listed
        self._entries: list[dict[str, Any] | None] = []
        self._evictable: list[int] = []  # indices of passed/skipped entries, in order
        self._kept = 0
        self.counts: dict[str, int] = dict.fromkeys(sorted(TEST_OUTCOMES), 0)
        self.omitted: dict[str, int] = dict.fromkeys(sorted(TEST_OUTCOMES), 0)
        self._message_chars = 0

    def add(self, entry: dict[str, Any], budgeted: bool = True) -> None:
        """`budgeted=False`: the runner's own note (the test that hung or crashed the run),
        always listed (even past the cap), its message whole."""
        outcome = entry["outcome"]
        self.counts[outcome] += 1
        failing = outcome in ("failed", "error")
        if self._kept >= self._listed and budgeted:
            if not failing or not self._evictable:
                self.omitted[outcome] += 1
                return
            evicted = self._evictable.pop()
            gone = self._entries[evicted]
            assert gone is not None
            self.omitted[gone["outcome"]] += 1
            self._entries[evicted] = None
            self._kept -= 1
        if budgeted:
            entry["message"] = self._budget(entry["message"], failing)
        if not failing:
            self._evictable.append(len(self._entries))
        self._entries.append(entry)
        self._kept += 1

    def _budget(self, message: str, failing: bool) -> str:
        cap = RUN_MESSAGE_CHARS if failing else SKIP_MESSAGE_CHARS
        if not message or self._message_chars + len(message) <= cap:
            self._message_chars += len(message)
            return message
        return MESSAGE_OMITTED

    def entries(self) -> list[dict[str, Any]]:
        return [entry for entry in self._entries if entry is not None]

    def seen(self) -> set[str]:
        """The outcomes of every test that ran, listed or not."""
        return {outcome for outcome, count in self.counts.items() if count}


class EventStream:
    """Parses the worker's JSON lines: ready, start, test, collect_error, refused, done."""

    def __init__(self) -> None:
        self._buffer = bytearray()
        self._skip_line = False
        self.tests = Tally()
        self.running: str | None = None
        self.running_since = 0.0
        self.exit_code: int | None = None
        self.collection_errors = 0
        self.refused: str | None = None  # the first refusal of the reference monitor
        self.ready = False  # the worker is set up; from here on, user code runs

    def feed(self, data: bytes) -> None:
        self._buffer += data
        while (end := self._buffer.find(b"\n")) >= 0:
            line = bytes(self._buffer[:end])
            del self._buffer[: end + 1]
            if not self._skip_line:
                self._handle(line)
            self._skip_line = False
        if len(self._buffer) > MAX_EVENT_LINE:
            self._buffer.clear()
            self._skip_line = True

    def _handle(self, line: bytes) -> None:
        try:
            event = json.loads(line)
        except (ValueError, RecursionError):
            return
        if not isinstance(event, dict):
            return
        kind = event.get("event")
        if kind == "ready":
            self.ready = True
        elif kind == "start":
            self.running = _clip(event.get("name"), NAME_CHARS)
            self.running_since = time.monotonic()
        elif kind in ("test", "collect_error"):
            self._add_test(event, collected=kind == "test")
        elif kind == "refused":
            self._add_refusal(event.get("what"))
        elif kind == "done" and isinstance(event.get("exit_code"), int):
            self.exit_code = event["exit_code"]

    def _add_test(self, event: dict[str, Any], collected: bool) -> None:
        outcome = event.get("outcome") if collected else "error"
        if outcome not in TEST_OUTCOMES:
            return
        duration = event.get("duration_ms")
        self.collection_errors += 0 if collected else 1
        self.running = None
        self.tests.add(
            test_entry(
                _clip(event.get("name"), NAME_CHARS) or "<collection>",
                str(outcome),
                duration if isinstance(duration, int) and duration >= 0 else 0,
                _clip(event.get("message"), MESSAGE_CHARS),
            )
        )

    def _add_refusal(self, what: object) -> None:
        if self.refused is None and isinstance(what, str):
            self.refused = what[:REFUSED_CHARS] or REFUSED_BY_STATUS


def _clip(value: object, limit: int) -> str:
    return value[:limit] if isinstance(value, str) else ""
