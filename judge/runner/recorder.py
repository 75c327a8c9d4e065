"""The pytest plugin of the worker: streams each test's outcome as soon as its teardown is
reported, so a run that times out still tells which tests ran and which one hung."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .protocol import MESSAGE_CHARS, MESSAGE_LINES, test_entry

if TYPE_CHECKING:
    from collections.abc import Callable

    Emit = Callable[[dict[str, Any]], None]


class Recorder:
    def __init__(self, emit: Emit) -> None:
        self._emit = emit
        self._tests: dict[str, dict[str, Any]] = {}

    def pytest_runtest_logstart(self, nodeid: str) -> None:
        self._emit({"event": "start", "name": short_name(nodeid)})

    def pytest_runtest_logreport(self, report: Any) -> None:
        entry = self._tests.setdefault(report.nodeid, test_entry("", "passed", 0, ""))
        entry["duration_ms"] += report.duration * 1000
        merge_phase(entry, report)
        if report.when == "teardown":
            del self._tests[report.nodeid]
            entry.update(name=short_name(report.nodeid), event="test")
            entry["duration_ms"] = round(entry["duration_ms"])
            self._emit(entry)

    def pytest_collectreport(self, report: Any) -> None:
        if report.failed:
            message = tail_lines(report.longreprtext)  # the exception is at the end
            self._emit(
                {"event": "collect_error", "name": short_name(report.nodeid), "message": message}
            )


def short_name(nodeid: str) -> str:
    """Node id without the file part: test_x, TestA::test_b, test_p[1-2]."""
    return nodeid.partition("::")[2] or "<collection>"


def merge_phase(entry: dict[str, Any], report: Any) -> None:
    """setup/teardown failures are errors, call failures are failures, skips (and xfails)
    are skips; the first message wins."""
    if report.failed:
        entry["outcome"] = "failed" if report.when == "call" else _worse(entry["outcome"])
    elif report.skipped and entry["outcome"] == "passed":
        entry["outcome"] = "skipped"
    else:
        return
    entry["message"] = entry["message"] or failure_message(report)


def _worse(outcome: str) -> str:
    return outcome if outcome == "failed" else "error"


def failure_message(report: Any) -> str:
    longrepr = report.longrepr
    if isinstance(longrepr, tuple) and len(longrepr) == 3:  # a skip: (path, line, reason)
        return head_lines(str(longrepr[2]))
    crash = getattr(longrepr, "reprcrash", None)
    message = getattr(crash, "message", None)
    return head_lines(message if isinstance(message, str) else report.longreprtext)


def head_lines(text: str) -> str:
    return "\n".join(text.splitlines()[:MESSAGE_LINES])[:MESSAGE_CHARS]


def tail_lines(text: str) -> str:
    return "\n".join(text.splitlines()[-MESSAGE_LINES:])[-MESSAGE_CHARS:]
