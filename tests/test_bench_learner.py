"""bench/learner.py in miniature: its own PostgreSQL and Redis, a small history, the real
console, worker and API in their own processes, the learner's problem and result pages
loaded in headless Chromium on both databases, and three submissions judged live from the
problem page with the arena client polling beside; every number reported, or what went
wrong, never a crash. Nothing is asserted on time."""

from __future__ import annotations

import pytest

from bench import learner

pytestmark = pytest.mark.slow


def test_the_learner_bench_runs_small_and_reports_pages_and_live_results(
    capsys: pytest.CaptureFixture[str],
) -> None:
    result = learner.main(["--quick"])
    out = capsys.readouterr().out

    assert result.seeded.seeded.submissions == 2000 and result.empty.seeded.submissions == 1
    # The learner owns the result page's submission in both databases, and more in one.
    assert result.seeded.learner.submissions > 1 and result.empty.learner.submissions == 1
    for database in (result.seeded, result.empty):
        for name, _ in learner.PAGES:
            timing = database.timings[name]
            assert timing.error is None, out
            assert len(timing.loads) == 2
            for load in timing.loads:
                assert load.first_byte_ms is not None and load.content_ms is not None
                assert 0 < load.first_byte_ms < load.content_ms
    # Three submissions judged by the worker and shown in the page; the terminal UPDATE,
    # its commit and the page's clock agree on order only up to the clock's resolution,
    # so only their presence is checked.
    assert len(result.rounds) == 3
    for judged in result.rounds:
        assert judged.error is None, out
        assert judged.status == "SUCCESS" and judged.terminal is not None
        assert judged.terminal.committed_ms is not None and judged.shown_ms is not None
        assert judged.polled_ms is not None
    assert len(result.delays()) == 3 and len(result.polled()) == 3
    for name, path in learner.PAGES:
        assert learner.page_line(result, name, path) in out
    for expected in (
        "learner bench: 2,000 submissions over 14 days",
        "empty database: p50",
        "target < 1000 ms: ",
        "first content of both pages under 1000 ms (p50, seeded): ",
        "live result: 3 submissions",
        "terminal UPDATE -> shown in the page: p50",
        "the arena client polling the API",
        "every result shown under 300 ms (max): ",
    ):
        assert expected in out, out
