"""The scoring rules of DESIGN.md 4.3: every branch of appliance/scoring/grade.py."""

from __future__ import annotations

import pytest

from appliance.judging.report import Report, Run
from appliance.scoring.grade import Grade, failure_reason, grade, score

WEIGHTS = {"a": 3, "b": 2, "c": 1}


def run(name: str, verdict: str, refused: str | None = None) -> Run:
    return Run(name=name, verdict=verdict, duration_ms=10, limit_ms=5000, refused=refused)  # type: ignore[arg-type]


def report(
    golden: tuple[str, ...] = ("passed", "passed"),
    twin: str | None = "passed",
    mutants: dict[str, str] | None = None,
    syntax_error: str | None = None,
    twins: tuple[Run, ...] | None = None,
    refused_golden: int | None = None,
) -> Report:
    mutant_verdicts = (
        mutants if mutants is not None else {"a": "killed", "b": "timeout", "c": "survived"}
    )
    golden_runs = tuple(
        run("golden", v, "gc.get_objects" if i == refused_golden else None)
        for i, v in enumerate(golden)
    )
    return Report(
        protocol=2,
        syntax_error=syntax_error,
        golden=golden_runs,
        twins=twins if twins is not None else ((run("twin", twin),) if twin else ()),
        mutants=tuple(run(name, v) for name, v in mutant_verdicts.items()),
    )


@pytest.mark.parametrize(
    ("killed", "total", "expected"),
    [(0, 6, 30), (1, 6, 41), (5, 6, 88), (6, 6, 100), (2, 3, 76), (1, 1, 100)],
)
def test_score_is_30_plus_floor_of_70_times_killed_share(
    killed: int, total: int, expected: int
) -> None:
    assert score(killed, total) == expected


@pytest.mark.parametrize(("killed", "total"), [(0, 0), (4, 3), (-1, 3)])
def test_score_refuses_impossible_weights(killed: int, total: int) -> None:
    with pytest.raises(ValueError):
        score(killed, total)


def test_a_timeout_counts_as_a_kill_and_survivors_earn_nothing() -> None:
    assert grade(report(), WEIGHTS) == Grade("SUCCESS", None, 30 + 70 * 5 // 6, 5, 6, 2, 3)


def test_a_syntax_error_scores_zero() -> None:
    result = grade(report(golden=(), twin=None, mutants={}, syntax_error="line 1"), WEIGHTS)
    assert result == Grade("FAILURE", "syntax_error", 0, 0, 6, 0, 3)


@pytest.mark.parametrize(
    ("verdict", "reason"),
    [
        ("failed", "golden_failed"),
        ("error", "collection_error"),
        ("timeout", "golden_timeout"),
        ("no_tests", "no_tests"),
    ],
)
def test_a_suite_that_does_not_pass_on_golden_scores_zero(verdict: str, reason: str) -> None:
    result = grade(report(golden=(verdict, verdict), twin=None, mutants={}), WEIGHTS)
    assert (result.status, result.reason, result.score) == ("FAILURE", reason, 0)


def test_an_unknown_golden_verdict_counts_as_failed() -> None:
    assert failure_reason(report(golden=("survived",), twin=None, mutants={})) == "golden_failed"


def test_golden_failing_then_passing_on_the_rerun_is_flaky() -> None:
    assert failure_reason(report(golden=("failed", "passed"), twin=None, mutants={})) == "flaky"


def test_golden_failing_in_the_final_check_is_flaky() -> None:
    assert grade(report(golden=("passed", "failed")), WEIGHTS).reason == "flaky"


def test_failing_on_the_twin_only_is_introspection() -> None:
    result = grade(report(golden=("passed", "passed"), twin="failed"), WEIGHTS)
    assert (result.status, result.reason, result.score) == ("FAILURE", "introspection", 0)


def test_failing_on_the_twin_and_then_on_golden_is_flaky() -> None:
    assert failure_reason(report(golden=("passed", "failed"), twin="failed")) == "flaky"


def test_failing_on_one_of_several_twins_is_introspection() -> None:
    twins = (run("twin", "passed"), run("twin", "failed"), run("twin", "passed"))
    assert failure_reason(report(golden=("passed",) * 7, twins=twins)) == "introspection"


def test_failing_on_one_of_several_golden_reruns_is_flaky() -> None:
    golden = ("passed", "passed", "passed", "timeout", "passed")
    assert failure_reason(report(golden=golden)) == "flaky"


@pytest.mark.parametrize("where", [0, 2])
def test_a_refusal_in_any_golden_run_is_introspection(where: int) -> None:
    golden = ("error", "passed", "passed") if where == 0 else ("passed", "passed", "error")
    result = grade(report(golden=golden, refused_golden=where), WEIGHTS)
    assert (result.status, result.reason, result.score) == ("FAILURE", "introspection", 0)


def test_a_refusal_on_a_twin_is_introspection_even_when_golden_is_flaky() -> None:
    twins = (run("twin", "error", "sys._getframe of target code"),)
    assert failure_reason(report(golden=("passed", "failed"), twins=twins)) == "introspection"


def test_a_refused_mutant_run_is_only_a_kill() -> None:
    result = grade(report(mutants={"a": "killed", "b": "survived", "c": "survived"}), WEIGHTS)
    assert (result.status, result.killed_weight) == ("SUCCESS", 3)


def test_a_report_without_a_twin_run_is_not_trusted() -> None:
    assert failure_reason(report(golden=("passed",), twin=None)) == "introspection"


def test_a_report_whose_mutants_differ_from_the_version_is_refused() -> None:
    with pytest.raises(ValueError, match="do not match"):
        grade(report(mutants={"a": "killed", "zz": "killed", "c": "survived"}), WEIGHTS)
    with pytest.raises(ValueError, match="do not match"):
        grade(report(mutants={"a": "killed"}), WEIGHTS)
