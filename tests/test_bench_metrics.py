"""bench/metrics.py in miniature: its own PostgreSQL, a few thousand submissions, every fast
path checked against its naive exact baseline on the same data, and every measure printed
with a positive time, its ratio and its target."""

from __future__ import annotations

import pytest

from bench import metrics


def test_the_metrics_bench_runs_small_and_its_fast_paths_agree_with_the_naive_queries(
    capsys: pytest.CaptureFixture[str],
) -> None:
    result = metrics.main(["--rows", "3000", "--repeat", "2", "--days", "35"])
    out = capsys.readouterr().out

    assert result.rows == 3000 and 0 < result.judged <= 3000
    # 35 days of hourly buckets plus 90 Seoul days, for each of the 7 metric columns; then
    # the newest hour's 7 at steady state.
    assert result.first_snapshots > 35 * 24 * 7 and result.first_rollups > 0
    assert result.steady_snapshots == 7 and result.steady_rollups > 0
    assert result.checks["timeseries"].startswith("equal in all 720 hours")
    assert "largest relative difference 0.00e+00" in result.checks["window_30d"]
    assert "3,000 rows" in result.checks["window_90d"]  # every judged row, none lost
    assert set(result.measures) == {"timeseries", "window_30d", "window_90d", "collection"}
    for measure in result.measures.values():
        assert measure.fast_ms > 0 and measure.naive_ms > 0 and measure.ratio > 0
        assert f"target < {measure.target_ms:.0f} ms: " in out
        assert measure.what in out
    # The first full collection is the baseline of one steady hourly collection.
    collection = result.measures["collection"]
    assert collection.naive_ms > collection.fast_ms
    for expected in (
        "first full collection at T0:",
        "cross-checks, fast path against the naive exact query on the same data:",
        "timeseries p95, 30 days hourly: equal in all 720 hours",
        "30-day window (exact): 4 keys",
        "90-day window (rollups, within 1%): 4 keys",
        "median of 2 warm runs",
    ):
        assert expected in out, out
