"""`arena` against a running appliance: what it prints, what it stores and how it exits
(0 success, 1 the suite failed, 2 appliance or usage error)."""

from __future__ import annotations

import json
import re
import stat
from pathlib import Path

from tests import services
from tests.bundles import STRONG_SUITE, WEAK_SUITE
from tests.client.conftest import Appliance, Arena, Run
from tests.conftest import HIDDEN_PROBLEM, PROBLEM

STATUS_LINE = re.compile(r"^[0-9a-f-]{36}: ([A-Z]+)$", re.MULTILINE)
FAILS_ON_GOLDEN = """\
from target import clamp

def test_inside_is_doubled():
    assert clamp(5, 0, 10) == 6, "five should become six"
"""


def _one_error_line(run: Run) -> str:
    """An error is one readable line on stderr, never a traceback."""
    assert "Traceback" not in run.err
    lines = run.err.strip().splitlines()
    assert len(lines) == 1, run.err
    assert lines[0].startswith("arena: ")
    return lines[0]


def _suite(tmp_path: Path, code: str) -> str:
    path = tmp_path / "test_suite.py"
    path.write_text(code)
    return str(path)


# -- login ----------------------------------------------------------------------------------


def test_login_stores_url_and_token_readable_only_by_the_user(
    arena: Arena, appliance: Appliance, learner_token: str, config_file: Path
) -> None:
    run = arena("login", "--url", appliance.url + "/", stdin=learner_token + "\n")
    assert run.code == 0, run.err
    assert json.loads(config_file.read_text()) == {"url": appliance.url, "token": learner_token}
    assert stat.S_IMODE(config_file.stat().st_mode) == 0o600
    assert stat.S_IMODE(config_file.parent.stat().st_mode) == 0o700
    assert learner_token not in run.out + run.err


def test_login_refuses_an_unknown_token_and_stores_nothing(
    arena: Arena, appliance: Appliance, config_file: Path
) -> None:
    run = arena("login", "--url", appliance.url, stdin="not-a-real-token\n")
    assert run.code == 2
    assert "unknown or revoked token" in _one_error_line(run)
    assert "not-a-real-token" not in run.out + run.err
    assert not config_file.exists()


def test_login_without_a_token_is_a_usage_error(arena: Arena, appliance: Appliance) -> None:
    run = arena("login", "--url", appliance.url, stdin="")
    assert run.code == 2
    assert "no token" in _one_error_line(run)


# -- reading ---------------------------------------------------------------------------------


def test_problems_lists_the_published_problems(logged_in: Arena) -> None:
    run = logged_in("problems")
    assert run.code == 0, run.err
    header, _rule, *rows = run.out.splitlines()
    assert header.split()[:3] == ["SLUG", "TITLE", "DIFFICULTY"]
    assert {row.split()[0] for row in rows} >= {PROBLEM, HIDDEN_PROBLEM}


def test_problems_filters_by_difficulty_and_tag(logged_in: Arena) -> None:
    assert PROBLEM in logged_in("problems", "--difficulty", "Easy", "--tag", "boundaries").out
    assert logged_in("problems", "--difficulty", "Hard").out.strip() == "No problems match."


def test_problems_json_is_the_apis_list(logged_in: Arena) -> None:
    run = logged_in("problems", "--json")
    listed = json.loads(run.out)
    assert run.code == 0
    assert PROBLEM in {item["slug"] for item in listed["items"]}
    assert listed["total"] == len(listed["items"])


def test_show_prints_statement_signature_limits_and_golden(logged_in: Arena) -> None:
    run = logged_in("show", PROBLEM)
    assert run.code == 0, run.err
    assert "def clamp(x, lo, hi)" in run.out
    assert "Limit x to [lo, hi]" in run.out
    assert "Time limit: 5 s" in run.out
    assert "Golden code:" in run.out
    assert "return max(lo, min(x, hi))" in run.out


def test_show_leaves_out_golden_code_the_problem_hides(logged_in: Arena) -> None:
    run = logged_in("show", HIDDEN_PROBLEM)
    assert run.code == 0, run.err
    assert "def clamp(x, lo, hi)" in run.out
    assert "Golden code" not in run.out
    assert json.loads(logged_in("show", HIDDEN_PROBLEM, "--json").out)["golden_code"] is None


def test_an_unknown_slug_exits_2_with_the_apis_message(logged_in: Arena, tmp_path: Path) -> None:
    shown = logged_in("show", "no-such-problem")
    assert shown.code == 2
    assert "no published problem 'no-such-problem'" in _one_error_line(shown)
    submitted = logged_in("submit", "no-such-problem", _suite(tmp_path, STRONG_SUITE))
    assert submitted.code == 2
    assert "no published problem 'no-such-problem'" in _one_error_line(submitted)


# -- submitting --------------------------------------------------------------------------------


def test_submit_wait_of_a_strong_suite_succeeds(logged_in: Arena, tmp_path: Path) -> None:
    run = logged_in("submit", PROBLEM, _suite(tmp_path, STRONG_SUITE), "--wait")
    assert run.code == 0, run.out + run.err
    statuses = STATUS_LINE.findall(run.out)
    assert statuses[0] == "PENDING"
    assert statuses[-1] == "SUCCESS"
    assert len(statuses) == len(set(statuses))  # each change once
    assert "SUCCESS: score 100" in run.out
    assert "3 of 3 mutants killed, weight 6/6: 30 + floor(70 * 6 / 6) = 100" in run.out
    assert run.out.count(" killed") >= 3


def test_submit_wait_json_prints_the_judged_submission(logged_in: Arena, tmp_path: Path) -> None:
    run = logged_in("submit", PROBLEM, _suite(tmp_path, WEAK_SUITE), "--wait", "--json")
    assert run.code == 0, run.err
    result = json.loads(run.out)  # the status changes went to stderr
    assert (result["status"], result["score"]) == ("SUCCESS", 41)
    survivors = [m for m in result["mutants"] if m["verdict"] == "survived"]
    assert len(survivors) == 2
    assert all(m["hint"] for m in survivors)
    assert "PENDING" in run.err


def test_a_suite_failing_on_golden_exits_1_with_the_failed_test(
    logged_in: Arena, tmp_path: Path
) -> None:
    run = logged_in("submit", PROBLEM, _suite(tmp_path, FAILS_ON_GOLDEN), "--wait")
    assert run.code == 1, run.out + run.err
    assert "FAILURE (golden_failed): score 0" in run.out
    assert "FAILED test_inside_is_doubled" in run.out
    assert "five should become six" in run.out


def test_submit_without_wait_returns_at_once_and_history_lists_it(
    logged_in: Arena, tmp_path: Path
) -> None:
    submitted = logged_in("submit", PROBLEM, _suite(tmp_path, STRONG_SUITE), "--json")
    assert submitted.code == 0, submitted.err
    accepted = json.loads(submitted.out)
    assert accepted["status"] == "PENDING"
    history = logged_in("history", PROBLEM)
    assert history.code == 0, history.err
    assert accepted["id"] in history.out
    assert json.loads(logged_in("history", "--json").out)["items"][0]["id"] == accepted["id"]
    assert logged_in("history", HIDDEN_PROBLEM).out.strip() == "No submissions yet."


# -- the appliance away, the user not logged in, bad arguments ----------------------------------


def test_an_appliance_that_is_down_exits_2_with_a_readable_line(
    arena: Arena, config_file: Path
) -> None:
    url = f"http://127.0.0.1:{services.free_port()}"
    config_file.parent.mkdir(parents=True)
    config_file.write_text(json.dumps({"url": url, "token": "secret-token"}))
    run = arena("problems")
    assert run.code == 2
    assert f"cannot reach the appliance at {url}" in _one_error_line(run)
    assert "secret-token" not in run.err
    login = arena("login", "--url", url, stdin="secret-token\n")
    assert login.code == 2
    assert "cannot reach the appliance" in _one_error_line(login)


def test_commands_before_login_exit_2(arena: Arena) -> None:
    run = arena("history")
    assert run.code == 2
    assert "not logged in" in _one_error_line(run)


def test_bad_arguments_exit_2(arena: Arena, tmp_path: Path) -> None:
    assert arena("submit").code == 2
    assert arena("frobnicate").code == 2
    missing = arena("submit", PROBLEM, str(tmp_path / "absent.py"))
    assert missing.code == 2
    assert "cannot read" in _one_error_line(missing)
