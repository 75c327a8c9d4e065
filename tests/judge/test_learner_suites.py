"""Honest suites keep working (issue 6, item 7): ordinary learner suites (fixtures, classes,
parametrize, pytest.raises with match, approx, monkeypatch, tmp_path, capsys, property
loops) score exactly what they scored under the judge before the reference monitor, the
twin family and the golden reruns (tests/judge/learner_suites/README.md says where the
numbers come from). Judged in the real image, scored by the appliance's own grade()."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from appliance.judging.report import KILLING_VERDICTS, decode
from appliance.judging.request import JudgeRequest, Variant
from appliance.scoring.grade import grade
from tests.judge.conftest import JudgeRun

SUITES = Path(__file__).parent / "learner_suites"
EXPECTED = json.loads((SUITES / "expected.json").read_text())


def problem(slug: str) -> tuple[str, list[Variant], dict[str, int]]:
    folder = SUITES / "problems" / slug
    weights = json.loads((folder / "weights.json").read_text())
    mutants = [Variant(name, (folder / "mutants" / f"{name}.py").read_text()) for name in weights]
    return (folder / "golden.py").read_text(), mutants, weights


def test_there_are_at_least_15_suites_over_several_problems() -> None:
    assert len(EXPECTED) >= 15
    assert len({entry["problem"] for entry in EXPECTED.values()}) >= 4
    assert all((SUITES / name).is_file() for name in EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_an_ordinary_suite_scores_what_it_did_before(
    run_judge: Callable[..., JudgeRun], name: str
) -> None:
    expected = EXPECTED[name]
    golden, mutants, weights = problem(expected["problem"])
    request = JudgeRequest((SUITES / name).read_text(), golden, mutants, 5.0, 65536)
    run = run_judge(request.encode())
    report = decode(json.dumps(run.report).encode())

    graded = grade(report, weights)
    killed = sorted(r.name for r in report.mutants if r.verdict in KILLING_VERDICTS)
    assert (graded.status, graded.score, killed) == (
        "SUCCESS",
        expected["score"],
        expected["killed"],
    ), report.golden[0].output
    assert all(r.refused is None for r in (*report.golden, *report.twins, *report.mutants))
