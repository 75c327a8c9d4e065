"""The equivalent twin (DESIGN.md 4.4) in the real image: ordinary suites pass on it,
suites that recognise golden by introspection fail on it."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from tests.judge.conftest import JudgeRun, judge_request, outcomes
from tests.judge.goldens import INTROSPECTION_SUITE, ORDINARY, SHAPES

RunJudge = Callable[..., JudgeRun]
CATALOG = Path(__file__).resolve().parents[2] / "catalog"


@pytest.mark.parametrize("name", sorted(ORDINARY))
def test_the_twin_passes_an_ordinary_suite(run_judge: RunJudge, name: str) -> None:
    golden, suite = ORDINARY[name]
    run = run_judge(judge_request(suite, golden))

    assert run.golden_verdicts() == ["passed", "passed"], run.golden[0]["output"]
    assert run.twin["verdict"] == "passed", run.twin["output"]
    assert outcomes(run.twin) == outcomes(run.golden[0])


def test_the_twin_defeats_suites_that_compare_code_objects_or_source(run_judge: RunJudge) -> None:
    run = run_judge(judge_request(INTROSPECTION_SUITE.format(golden=SHAPES), SHAPES))

    assert run.golden_verdicts() == ["passed", "passed"], run.golden[0]["output"]
    assert run.twin["verdict"] == "failed"
    twin = outcomes(run.twin)
    assert twin.pop("test_behaviour_is_golden_s") == "passed"
    assert len(twin) == 3 * 12 + 1  # each of the 12 functions three ways, and the source
    assert set(twin.values()) == {"failed"}, {k: v for k, v in twin.items() if v != "failed"}


def test_tracebacks_show_the_lines_of_golden_and_of_the_twin(run_judge: RunJudge) -> None:
    golden = "def boom():\n    raise ValueError('from golden')\n"
    suite = """\
import traceback

from target import boom

def test_traceback_has_the_source_line():
    try:
        boom()
    except ValueError:
        assert "raise ValueError('from golden')" in traceback.format_exc()

def test_pytest_shows_it_too():
    boom()
"""
    run = run_judge(judge_request(suite, golden))

    assert run.golden_verdicts() == ["failed", "failed"]
    assert outcomes(run.golden[0])["test_traceback_has_the_source_line"] == "passed"
    assert "target.py:2: in boom\n    raise ValueError('from golden')" in run.golden[0]["output"]
    # The twin's text, padded below golden's last line, matches its code's line numbers.
    twin_suite = suite.split("def test_pytest_shows_it_too")[0]
    twin_run = run_judge(judge_request(twin_suite, golden))
    assert twin_run.twin["verdict"] == "passed", twin_run.twin["output"]


def catalog_problems() -> list[str]:
    return sorted(p.name for p in CATALOG.iterdir() if (p / "golden.py").is_file())


@pytest.mark.parametrize("slug", catalog_problems())
def test_the_twin_passes_the_catalog_reference_suite(run_judge: RunJudge, slug: str) -> None:
    problem = CATALOG / slug
    golden, suite = (problem / "golden.py").read_text(), (problem / "reference_test.py").read_text()
    run = run_judge(judge_request(suite, golden))

    assert run.golden_verdicts() == ["passed", "passed"], run.golden[0]["output"]
    assert run.twin["verdict"] == "passed", run.twin["output"]
