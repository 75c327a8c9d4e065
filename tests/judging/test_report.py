"""Decoding the runner's report: good reports become data, anything else is the
appliance's fault (InfrastructureError), never the user's."""

from __future__ import annotations

import json

import pytest

from appliance.errors import InfrastructureError
from appliance.judging.report import decode
from appliance.judging.request import JudgeRequest, Variant

RUN = {
    "name": "golden",
    "verdict": "passed",
    "duration_ms": 12,
    "limit_ms": 5000,
    "tests": [{"name": "test_a", "outcome": "passed", "duration_ms": 1, "message": ""}],
}


def line(**fields: object) -> bytes:
    return json.dumps({"protocol": 2, **fields}).encode()


def test_the_last_line_is_the_report() -> None:
    refused = {**RUN, "verdict": "error", "refused": "gc.get_objects"}
    stdout = b"noise\n" + line(golden=[RUN, RUN], twins=[RUN, refused], mutants=[]) + b"\n\n"
    report = decode(stdout)
    assert report.golden[0].tests[0].name == "test_a" and len(report.golden) == 2
    assert [t.refused for t in report.twins] == [None, "gc.get_objects"]


def test_a_syntax_error_report_needs_no_runs() -> None:
    assert decode(line(syntax_error="invalid syntax (line 3)")).syntax_error is not None


def test_killed_by_lists_failed_and_errored_tests() -> None:
    tests = [
        {"name": "t1", "outcome": "failed", "duration_ms": 1},
        {"name": "t2", "outcome": "passed", "duration_ms": 1},
        {"name": "t3", "outcome": "error", "duration_ms": 1},
    ]
    mutant = {**RUN, "name": "m", "verdict": "killed", "tests": tests}
    assert decode(line(golden=[RUN], twins=[RUN], mutants=[mutant])).mutants[0].killed_by == (
        "t1",
        "t3",
    )


@pytest.mark.parametrize(
    "stdout",
    [
        b"",
        b"Traceback (most recent call last):\n",
        b'{"protocol": 2, "golden": [{"name": "golden", "verdict": "great"}]}',
        line(golden=[]),
        json.dumps({"protocol": 1, "golden": [RUN], "twin": RUN}).encode(),
        line(runner_error="could not read stdin"),
    ],
)
def test_anything_but_a_valid_report_is_an_infrastructure_error(stdout: bytes) -> None:
    with pytest.raises(InfrastructureError):
        decode(stdout)


def test_the_request_carries_every_variant_and_a_budget_covering_all_runs() -> None:
    request = JudgeRequest("tests", "golden", [Variant("m1", "x"), Variant("m2", "y")], 5.0, 1024)
    body = json.loads(request.encode())
    assert [m["name"] for m in body["mutants"]] == ["m1", "m2"]
    assert body["protocol"] == 2 and body["wall_seconds"] == 5.0
    assert body["golden_reruns"] >= 6 and body["twins"] >= 2
    # golden's first run, its reruns, the twins and both mutants, each up to the wall limit
    runs = 1 + body["golden_reruns"] + body["twins"] + 2
    assert request.budget_seconds() >= runs * 5.0
