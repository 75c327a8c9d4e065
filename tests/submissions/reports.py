"""Synthetic judge reports, for storing what no real suite could be relied on to produce."""

from __future__ import annotations

from appliance.judging.report import PROTOCOL, Report, Run, TestResult
from appliance.judging.request import GOLDEN_RERUNS, TWINS
from tests.bundles import MUTANTS

# Everything PostgreSQL refuses or JSON inflates: NUL, lone surrogates, control characters.
HOSTILE = "\x00nul \ud800 lone \udfff surrogate \x01\x02 control 😀 "


def run(name: str, verdict: str, tests: tuple[TestResult, ...], output: str = "") -> Run:
    return Run(name, verdict, 5, 1000, tests, output)  # type: ignore[arg-type]


def many_tests(count: int, outcome: str, message: str) -> tuple[TestResult, ...]:
    return tuple(
        TestResult(f"test_{i}{HOSTILE}{'x' * 300}", outcome, 1, message)  # type: ignore[arg-type]
        for i in range(count)
    )


def huge_report(tests_per_run: int = 3000, output_repeats: int = 2000) -> Report:
    """Golden, its reruns and twins pass with thousands of long-named skipped tests; every
    mutant is killed by as many failing tests with long hostile messages; every output is
    long and hostile."""
    passing = many_tests(tests_per_run, "skipped", HOSTILE * 60)
    failing = many_tests(tests_per_run, "failed", HOSTILE * 60)
    output = HOSTILE * output_repeats
    goldens = tuple(run("golden", "passed", passing, output) for _ in range(1 + GOLDEN_RERUNS))
    twins = tuple(run(f"twin_{i}", "passed", passing, output) for i in range(TWINS))
    mutants = tuple(run(name, "killed", failing, output) for name in MUTANTS)
    return Report(PROTOCOL, golden=goldens, twins=twins, mutants=mutants)
