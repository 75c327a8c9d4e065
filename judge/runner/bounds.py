"""The report's size, bounded whatever the suite does (judge/PROTOCOL.md, "Bounds").

Verdicts are decided before anything here runs, on every test's outcome: this module only
decides what the report LISTS. Each run is cut to `RUN_BYTES` as soon as it ended (so the
supervisor's memory stays small), the whole report to `REPORT_BYTES` at the end, in this
order: the run's output (head and tail kept), then its messages (failures' last), then its
listed tests (failed and errored ones last); the tests that are not listed are counted in
one entry at the end of the run's list. Pure: dicts in, dicts out."""

from __future__ import annotations

from typing import Any

from .protocol import (
    LISTED_TESTS,
    MESSAGE_OMITTED,
    REPORT_BYTES,
    RUN_BYTES,
    TEST_OUTCOMES,
    encoded_size,
    safe,
    test_entry,
)

# A run's tests that are not listed, by outcome; private to the runner, never printed.
OMITTED = "_omitted"
FAILING = ("failed", "error")
RUN_KEYS = ("golden", "twins", "mutants")
LAST_RESORT_CHARS = 200  # a run's name and `refused` when nothing else is left to cut


def with_omitted(run: dict[str, Any], omitted: dict[str, int]) -> dict[str, Any]:
    """Attach the counts of the tests a run does not list (capture.Tally.omitted)."""
    run[OMITTED] = {k: v for k, v in omitted.items() if v}
    return run


def omitted_entry(omitted: dict[str, int]) -> dict[str, Any]:
    """The one entry that stands for every test of the run that is not listed."""
    total = sum(omitted.values())
    counts = ", ".join(f"{omitted[k]} {k}" for k in sorted(omitted) if omitted[k])
    message = (
        f"{total} more tests ran and are not listed ({counts}): a run lists at most "
        f"{LISTED_TESTS} tests, failures first, and the report at most {REPORT_BYTES} bytes"
    )
    return test_entry(f"<{total} more tests not listed>", "skipped", 0, message)


def final_run(run: dict[str, Any]) -> dict[str, Any]:
    """The run as printed: the private counts become the closing entry of its list."""
    done = {k: v for k, v in run.items() if k != OMITTED}
    omitted = run.get(OMITTED) or {}
    if sum(omitted.values()):
        done["tests"] = [*run["tests"], omitted_entry(omitted)]
    return done


def run_size(run: dict[str, Any]) -> int:
    return encoded_size(final_run(run))


def fit_run(run: dict[str, Any], budget: int = RUN_BYTES) -> dict[str, Any]:
    """`run` (strings made safe) in at most `budget` bytes, when a run can be that small."""
    run = safe(run)
    run.setdefault(OMITTED, {})
    if run_size(run) <= budget:
        return run
    if encoded_size(run["output"]) > budget // 2:
        run["output"] = shrink_text(run["output"], budget // 2)
        run["output_truncated"] = True
    if run_size(run) > budget:
        _cut_messages(run["tests"], budget // 4)
    if run_size(run) > budget:
        _cut_tests(run, budget)
    if run_size(run) > budget:  # nothing listed any more: the fixed fields are too long
        run["output"] = shrink_text(run["output"], 0)
        for key in ("name", "refused"):
            if isinstance(run[key], str):
                run[key] = run[key][:LAST_RESORT_CHARS]
    return run


def shrink_text(text: str, max_bytes: int) -> str:
    """The head and the tail of `text`, the same number of characters each, with a line
    saying how much was left out between them: at most `max_bytes` bytes as a JSON string
    (an empty string when even the line does not fit)."""
    if encoded_size(text) <= max_bytes:
        return text

    def cut(keep: int) -> str:
        omitted = len(text) - 2 * keep
        marker = f"\n[... {omitted} characters of output omitted: report size limit ...]\n"
        return text[:keep] + marker + text[len(text) - keep :]

    low, high = 0, len(text) // 2  # the largest `keep` that fits, by bisection
    if encoded_size(cut(0)) > max_bytes:
        return ""
    while low < high:
        middle = (low + high + 1) // 2
        if encoded_size(cut(middle)) <= max_bytes:
            low = middle
        else:
            high = middle - 1
    return cut(low)


def _priority(tests: list[dict[str, Any]]) -> list[int]:
    """Indices in the order they deserve room: failing tests first, each group in order."""
    failing = [i for i, t in enumerate(tests) if t["outcome"] in FAILING]
    others = [i for i, t in enumerate(tests) if t["outcome"] not in FAILING]
    return failing + others


def _cut_messages(tests: list[dict[str, Any]], max_bytes: int) -> None:
    used = 0
    for index in _priority(tests):
        message = tests[index]["message"]
        size = encoded_size(message)
        if message and used + size > max_bytes:
            tests[index]["message"] = MESSAGE_OMITTED
            size = encoded_size(MESSAGE_OMITTED)
        used += size


def _cut_tests(run: dict[str, Any], budget: int) -> None:
    """Keep what fits of the list, failing tests first, in the order they ran."""
    tests: list[dict[str, Any]] = run["tests"]
    omitted: dict[str, int] = run[OMITTED]
    # The closing entry at its longest (every count present, ten digits each).
    widest = dict.fromkeys(TEST_OUTCOMES, 10**9)
    fixed = encoded_size(final_run({**run, "tests": [], OMITTED: widest}))
    room = budget - fixed
    kept: set[int] = set()
    for index in _priority(tests):
        size = encoded_size(tests[index]) + 1  # and its comma
        if size <= room:
            kept.add(index)
            room -= size
    for index, test in enumerate(tests):
        if index not in kept:
            omitted[test["outcome"]] = omitted.get(test["outcome"], 0) + 1
    run["tests"] = [test for index, test in enumerate(tests) if index in kept]


def bound_report(document: dict[str, Any], limit: int = REPORT_BYTES) -> dict[str, Any]:
    """The report as printed: strings safe, each run's closing entry in place, at most
    `limit` bytes (the line's newline included) when runs can be cut that small. Room is
    shared fairly: runs smaller than an equal share keep everything, the larger ones share
    what is left (smallest first, each cut to an equal part of what remains)."""
    document = safe(document)
    runs = [run for key in RUN_KEYS for run in document.get(key, [])]
    for run in runs:
        run.setdefault(OMITTED, {})
    total = encoded_size(_final(document)) + 1
    if total > limit:
        sizes = [run_size(run) for run in runs]
        remaining = limit - (total - sum(sizes))
        order = sorted(range(len(runs)), key=sizes.__getitem__)
        for position, index in enumerate(order):
            share = remaining // (len(runs) - position)
            if sizes[index] > share:
                runs[index].update(fit_run(runs[index], share))
                sizes[index] = run_size(runs[index])
            remaining -= sizes[index]
    return _final(document)


def _final(document: dict[str, Any]) -> dict[str, Any]:
    done = dict(document)
    for key in RUN_KEYS:
        if key in document:
            done[key] = [final_run(run) for run in document[key]]
    return done
