"""The equivalent twins (DESIGN.md 4.4) in the real image: ordinary suites pass on every
draw from the twin family, and tracebacks never show a line of the code under test."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.judge.conftest import JudgeRun, judge_request, outcomes
from tests.judge.goldens import INTROSPECTION_SUITE, ORDINARY, SHAPES

RunJudge = Callable[..., JudgeRun]
CATALOG = Path(__file__).resolve().parents[2] / "catalog"


@pytest.mark.parametrize("name", sorted(ORDINARY))
def test_the_twins_pass_an_ordinary_suite(run_judge: RunJudge, name: str) -> None:
    golden, suite = ORDINARY[name]
    run = run_judge(judge_request(suite, golden, golden_reruns=1, twins=3))

    assert run.golden_verdicts() == ["passed", "passed"], run.golden[0]["output"]
    assert run.twin_verdicts() == ["passed"] * 3, [t["output"] for t in run.twins]
    for twin in run.twins:
        assert outcomes(twin) == outcomes(run.golden[0])


def test_tracebacks_show_the_learner_s_lines_and_no_line_of_the_code_under_test(
    run_judge: RunJudge,
) -> None:
    golden = "def boom():\n    raise ValueError('from golden')\n"
    suite = """\
import pytest

from target import boom

def test_raises():
    with pytest.raises(ValueError, match="from golden"):
        boom()

def test_pytest_shows_it_too():
    boom()
"""
    run = run_judge(judge_request(suite, golden, golden_reruns=1, twins=1))

    assert run.golden_verdicts() == ["failed", "failed"]
    for result in run.golden:
        assert result["refused"] is None
        assert outcomes(result) == {"test_raises": "passed", "test_pytest_shows_it_too": "failed"}
        output = result["output"]
        assert "test_submission.py:10: in test_pytest_shows_it_too\n    boom()" in output
        assert "E   ValueError: from golden" in output
        assert "raise ValueError" not in output
        # target's frames are hidden (__tracebackhide__); if any shows, it says line 1.
        assert set(re.findall(r"target\.py:(\d+)", output)) <= {"1"}
    # The twins raise the same, with no line either.
    twin_suite = suite.split("def test_pytest_shows_it_too")[0]
    twin_run = run_judge(judge_request(twin_suite, golden, golden_reruns=1, twins=2))
    assert twin_run.twin_verdicts() == ["passed", "passed"], twin_run.twin["output"]


def test_a_suite_that_compares_code_objects_or_source_is_refused(run_judge: RunJudge) -> None:
    suite = INTROSPECTION_SUITE.format(golden=SHAPES)
    run = run_judge(judge_request(suite, SHAPES, golden_reruns=1, twins=1))

    assert run.golden_verdicts() == ["error", "error"]
    assert all(result["refused"] for result in run.golden), run.golden[0]["output"]
    assert run.twins == [] and run.report["mutants"] == []


def catalog_problems() -> list[str]:
    return sorted(p.name for p in CATALOG.iterdir() if (p / "golden.py").is_file())


@pytest.mark.parametrize("slug", catalog_problems())
def test_the_twin_passes_the_catalog_reference_suite(run_judge: RunJudge, slug: str) -> None:
    problem = CATALOG / slug
    golden, suite = (problem / "golden.py").read_text(), (problem / "reference_test.py").read_text()
    run = run_judge(judge_request(suite, golden, golden_reruns=1))

    assert run.golden_verdicts() == ["passed", "passed"], run.golden[0]["output"]
    assert run.twin_verdicts() == ["passed", "passed"], [t["output"] for t in run.twins]
