"""The write side of a submission's results: a judge report flattened into the rows that
are stored, every text storable, stripped of quoted hidden code and within one budget per
submission. The read side is detail.py. Pure."""

from __future__ import annotations

from typing import Any

import msgspec

from appliance.judging.report import Report, Run, TestResult
from appliance.submissions.disclosure import MESSAGE_LIMIT, Redactor, clean
from appliance.vocabulary import RunKind

# Outputs, refusals, test names and messages of one submission, in JSON bytes: its detail
# stays well under 1 MB whatever the suite printed.
STORED_TEXT_LIMIT = 256 * 1024
MAX_TEST_ROWS = 2000
CUT_MARKER = "\n[cut: this submission's stored text reached its 256 KiB limit]"
OMITTED_TESTS = "[{} test results not stored: a submission keeps at most 2000 tests and 256 KiB]"


def runs_in_order(report: Report) -> list[tuple[RunKind, Run]]:
    """Golden's first run first (the detail shows it), then the reruns, twins and mutants."""
    runs: list[tuple[RunKind, Run]] = [("golden", run) for run in report.golden]
    runs.extend(("twin", run) for run in report.twins)
    runs.extend(("mutant", run) for run in report.mutants)
    return runs


def result_rows(
    submission_id: str, report: Report, redactor: Redactor
) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """Rows for variant_results and test_results, positions in run order, every text the
    suite produced storable, stripped of quoted hidden code and within one budget per
    submission. What the detail shows comes first: golden's first run, then the test rows
    (the kill matrix), then the other runs' outputs."""
    runs = runs_in_order(report)
    budget = TextBudget(STORED_TEXT_LIMIT)
    texts = [_run_texts(run, redactor, budget) for _, run in runs[:1]]
    tests = _test_rows(submission_id, runs, redactor, budget)
    texts.extend(_run_texts(run, redactor, budget) for _, run in runs[1:])
    variants = [
        (
            submission_id,
            position,
            clean(run.name),
            kind,
            run.verdict,
            run.duration_ms,
            run.limit_ms,
            *text,
        )
        for position, ((kind, run), text) in enumerate(zip(runs, texts, strict=True))
    ]
    return variants, tests


class TextBudget:
    """What is left of a submission's stored text, counted as the bytes it takes in JSON
    (a control character takes six), so that the detail's size is bounded too."""

    def __init__(self, limit: int) -> None:
        self.limit = self.left = limit
        self.cut = False

    def part(self, ways: int) -> TextBudget:
        """An equal share of what is left, among `ways` users; `used` takes it back."""
        return TextBudget(self.left // ways)

    def used(self, part: TextBudget) -> None:
        self.left -= part.limit - part.left
        self.cut = self.cut or part.cut

    def fits(self, text: str) -> bool:
        return json_size(text) <= self.left

    def take(self, text: str) -> tuple[str, bool]:
        """`text`, or as much as is left of it (the first cut says so); whether it was cut."""
        size = json_size(text)
        if size <= self.left:
            self.left -= size
            return text, False
        kept = prefix_within(text, self.left)
        self.left = 0
        marker, self.cut = ("" if self.cut else CUT_MARKER), True
        return kept + marker, True


def json_size(text: str) -> int:
    return len(msgspec.json.encode(text)) - 2


def prefix_within(text: str, room: int) -> str:
    """The longest-ish prefix of `text` whose JSON size is at most `room`."""
    kept = text[: max(room, 0)]
    while (size := json_size(kept)) > room:
        kept = kept[: len(kept) * room // size]
    return kept


def _run_texts(run: Run, redactor: Redactor, budget: TextBudget) -> tuple[str, bool, str | None]:
    output, cut = budget.take(redactor.text(run.output))
    if run.refused is None:
        return output, run.output_truncated or cut, None
    refused, _ = budget.take(redactor.text(run.refused, MESSAGE_LIMIT))
    return output, run.output_truncated or cut, refused


def _test_rows(
    submission_id: str, runs: list[tuple[RunKind, Run]], redactor: Redactor, budget: TextBudget
) -> list[tuple[Any, ...]]:
    """At most MAX_TEST_ROWS rows within the budget: each run's first tests, up to an equal
    share of the rows and of the text left, the runs the detail shows first. Runs collect
    the same tests in the same order, so the kill matrix stays whole for the tests kept.
    Then one row saying how many were not stored, on golden's first run (the detail shows
    it)."""
    share = MAX_TEST_ROWS // max(len(runs), 1)
    order = _shown_first(runs)
    rows: list[tuple[Any, ...]] = []
    omitted = 0
    for index, position in enumerate(order):
        tests, part = runs[position][1].tests, budget.part(len(order) - index)
        candidates = (_test_row(submission_id, position, t, redactor, part) for t in tests[:share])
        kept = [row for row in candidates if row is not None]
        budget.used(part)
        rows.extend(kept)
        omitted += len(tests) - len(kept)
    if omitted:
        rows.append((submission_id, 0, OMITTED_TESTS.format(omitted), "skipped", 0, ""))
    return rows


def _shown_first(runs: list[tuple[RunKind, Run]]) -> list[int]:
    """Positions: golden's first run, the mutants, then the reruns and twins (which the
    detail shows by verdict only)."""
    return sorted(range(len(runs)), key=lambda p: (p != 0, runs[p][0] != "mutant"))


def _test_row(
    submission_id: str, position: int, test: TestResult, redactor: Redactor, budget: TextBudget
) -> tuple[Any, ...] | None:
    name = redactor.name(test.name)
    if not budget.fits(name):
        return None
    name, _ = budget.take(name)
    message, _ = budget.take(redactor.text(test.message, MESSAGE_LIMIT))
    return (submission_id, position, name, test.outcome, test.duration_ms, message)
