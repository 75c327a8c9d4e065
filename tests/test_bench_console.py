"""bench/console.py in miniature: its own PostgreSQL and Redis, a small history, the real
console in its own process, and every page loaded in headless Chromium on both databases;
each page reported with its times or with what went wrong, never a crash. Nothing is
asserted on time."""

from __future__ import annotations

import pytest

from bench import console


def test_the_console_bench_runs_small_and_reports_every_page_on_both_databases(
    capsys: pytest.CaptureFixture[str],
) -> None:
    result = console.main(["--quick"])
    out = capsys.readouterr().out

    seeded = result.seeded
    assert seeded.submissions == 2000 and seeded.problems > 0 and seeded.users > 50
    assert seeded.detailed > 0 and seeded.variant_rows > 0 and seeded.test_rows > 0
    assert seeded.snapshots > 14 * 24 and seeded.rollups > 0
    assert result.empty.submissions == 1 and result.empty.snapshots == 0
    assert result.empty.detailed == 1  # the submission detail has something to show
    # The login page, every header page and the two detail pages.
    names = [page.page.name for page in result.pages]
    assert names[0] == "login" and "overview" in names and len(names) >= 10
    assert "problem detail" in names and "submission detail" in names
    for page in result.pages:
        line = console.page_line(page)
        assert line in out
        for timing in (page.seeded, page.empty):
            if timing.error is None:
                assert len(timing.loads) == 2
                for load in timing.loads:
                    assert load.heading_ms is not None and load.content_ms is not None
                    assert 0 < load.heading_ms <= load.content_ms
                    assert load.first_byte_ms is not None
                    assert 0 < load.first_byte_ms < load.heading_ms
            else:
                assert timing.error in line
    # The login page exists whatever else is built: its loads were measured.
    login = result.pages[0]
    assert login.seeded.error is None and login.empty.error is None, out
    assert login.ratio is not None and login.ratio > 0
    for expected in (
        "console bench: 2,000 submissions over 14 days",
        "seeded in ",
        "headless through selenium, 2 loads of each page",
        "empty database: content p50",
        "target < 1000 ms: ",
        "every page's first content under 1000 ms (content p50, seeded): ",
    ):
        assert expected in out, out
