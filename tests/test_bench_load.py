"""bench/load.py in miniature: it brings up its own appliance, reads, judges a stream and a
burst past a small backlog limit, and reports; every accepted submission ends terminal."""

from __future__ import annotations

import pytest

from bench import load

pytestmark = pytest.mark.slow


def test_the_load_bench_runs_small_and_loses_nothing(capsys: pytest.CaptureFixture[str]) -> None:
    result = load.main(
        [
            "--readers",
            "5",
            "--seconds",
            "5",
            "--think-ms",
            "50",
            "--problems",
            "2",
            "--history",
            "3",
            "--burst",
            "30",
            "--burst-users",
            "3",
            "--burst-concurrency",
            "4",
            "--max-pending",
            "10",
            "--burst-timeout",
            "240",
        ]
    )
    out = capsys.readouterr().out
    for expected in (
        "idle (no judging): 5 readers",
        "loaded (judging): 5 readers",
        "ratio loaded / idle: p50",
        "judge throughput while reading: 2 workers",
        "target read p95 < 25 ms with judging going on: ",
        "burst: 30 submissions from 3 learners",
        "memory flat",
    ):
        assert expected in out, out
    assert result.idle.reads.count > 0 and result.loaded.reads.count > 0
    assert result.idle.errors == result.loaded.errors == 0
    burst = result.burst
    assert burst.accepted + burst.refused + sum(burst.other.values()) == 30
    assert burst.accepted >= 10 and burst.refused > 0, out  # the backlog limit was reached
    assert burst.refused_without_retry_after == 0
    assert result.none_lost, out
    assert set(result.memory_before.processes) == {"api", "scheduler", "worker-1", "worker-2"}
    assert all(result.memory_after.processes.values())
