"""What the supervisor keeps of one run: its output, capped, and the worker's events,
checked and clipped. A test can write to both pipes, so nothing read here is trusted: a
forged line can only misreport the run the test itself is in."""

from __future__ import annotations

import json
import time
from typing import Any

from .protocol import (
    MAX_TESTS,
    MESSAGE_CHARS,
    NAME_CHARS,
    REFUSED_BY_STATUS,
    REFUSED_CHARS,
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


class EventStream:
    """Parses the worker's JSON lines: ready, start, test, collect_error, refused, done."""

    def __init__(self) -> None:
        self._buffer = bytearray()
        self._skip_line = False
        self.tests: list[dict[str, Any]] = []
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
        if outcome not in TEST_OUTCOMES or len(self.tests) >= MAX_TESTS:
            return
        duration = event.get("duration_ms")
        self.collection_errors += 0 if collected else 1
        self.running = None
        self.tests.append(
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
