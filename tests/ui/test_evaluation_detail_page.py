"""/evaluations/{id}: the manifest, live progress and the controls (each audited, cancel
after a confirmation, refusals said on the page), the exports, the leaderboard with its
intervals in numbers and in charts, the paired comparison in words, and the evidence
browser, whose untrusted model output is shown as text.

The finished run is judged for real: the baselines (no model) and two scripted models on
loopback (tests/llm_server.py), the strong one's answer carrying markup and template syntax."""

from __future__ import annotations

import asyncio
import csv
import io
import json
import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import redis
from nicegui import ui
from nicegui.testing.user import User as SimulatedUser

from appliance import db
from appliance.audit.trail import Actor
from appliance.evaluations import queries, runs
from appliance.evaluations.runs import ModelChoice, Plan, Progress
from appliance.models import problem_sets
from appliance.models.problem_sets import SetFilter
from appliance.settings import Settings
from tests import services
from tests.bundles import STRONG_SUITE, WEAK_SUITE
from tests.conftest import FAST_PROBLEM, HIDDEN_PROBLEM, PROBLEM
from tests.evaluations.conftest import (  # noqa: F401  (fixtures)
    SIGNATURE,
    admin,
    register,
    settings,
)
from tests.llm_server import KnownProblem, ScriptedServer
from tests.ui.conftest import text_of
from ui.admin import evaluation_board, evaluation_detail, evaluations
from ui.i18n import translator

CLAMPS = "all-clamps"
MARKUP = "<img src=x onerror=window.pwned=1>"
TEMPLATE = "{{ 7 * 191 }}"
# The reference suite with a comment that says MARKUP and TEMPLATE: the strong model's
# answer (and the suite taken from it) carries both, and still scores 100.
HOSTILE_STRONG = STRONG_SUITE + f"\n# {MARKUP} {TEMPLATE}\n"


# Bootstrapping and each query run in threads: on a busy machine an answer takes seconds.
WAIT = 300  # tries, 0.1 s apart


async def see(user: SimulatedUser, target: str | None = None, **where: Any) -> None:
    await user.should_see(target, retries=WAIT, **where)


@pytest.fixture
def llm_server() -> Iterator[ScriptedServer]:
    server = ScriptedServer([KnownProblem(SIGNATURE, HOSTILE_STRONG, WEAK_SUITE)]).start()
    yield server
    server.stop()


@pytest.fixture
def clamps(conn: db.Connection) -> str:
    problem_sets.create(conn, CLAMPS, SetFilter(slugs=[PROBLEM, FAST_PROBLEM, HIDDEN_PROBLEM]))
    return CLAMPS


@pytest.fixture
def waiting_run(
    conn: db.Connection,
    broker: redis.Redis,
    settings: Settings,  # noqa: F811
    admin: Actor,  # noqa: F811
    clamps: str,
    monkeypatch: pytest.MonkeyPatch,
) -> int:
    """A running run whose samples wait (no worker here); the page checks on it only when
    told to, so that a test's clicks meet the buttons it drew."""
    monkeypatch.setattr(evaluation_detail, "FOLLOW_SECONDS", 3600.0)
    return runs.create(conn, broker, settings, admin, Plan(clamps, baselines=["reference"]))


@pytest.fixture
def finished_run(
    conn: db.Connection,
    broker: redis.Redis,
    settings: Settings,  # noqa: F811
    admin: Actor,  # noqa: F811
    clamps: str,
    register: Callable[[str], str],  # noqa: F811
    drain: Callable[[], None],
) -> int:
    models = [ModelChoice(register("strong")), ModelChoice(register("weak"))]
    plan = Plan(clamps, models, baselines=["reference", "examples"], seed=11)
    run_id = runs.create(conn, broker, settings, admin, plan)
    drain()
    assert queries.run_status(conn, run_id) == "finished"
    return run_id


def audited(conn: db.Connection, action: str, run_id: int) -> list[dict[str, Any]]:
    return conn.execute(
        "SELECT actor_name AS actor, target, detail FROM audit_events WHERE action = %s AND target = %s",
        (action, str(run_id)),
    ).fetchall()


def set_value(user: SimulatedUser, marker: str, value: Any) -> None:
    (element,) = user.find(marker=marker).elements
    with user:
        element.value = value  # type: ignore[attr-defined]


# -- pure ----------------------------------------------------------------------------


def test_an_interval_is_said_with_its_bounds_and_drawn_from_low_to_high() -> None:
    t = translator("en")
    interval = {"estimate": 0.5, "low": 0.25, "high": 0.75}
    assert evaluation_board.interval_text(interval, True, "en") == "50.0% [25.0%, 75.0%]"
    score = {"estimate": 61.25, "low": 40.0, "high": 82.5}
    assert evaluation_board.interval_text(score, False, "en") == "61.2 [40.0, 82.5]"
    rows = [
        {"model": "reference", "mean_score": {"estimate": 100.0, "low": 100.0, "high": 100.0}},
        {"model": "weak@1", "mean_score": score},
    ]
    options = evaluation_board.interval_options(t, rows, "mean_score")
    assert options["yAxis"]["data"] == ["reference (baseline)", "weak@1"]
    base, bar, dots = options["series"]
    assert base["data"] == [100.0, 40.0] and base["itemStyle"]["color"] == "transparent"
    assert [d["value"] for d in bar["data"]] == [0.4, 42.5]  # a zero width still shows
    assert dots["data"] == [[100.0, 0], [61.2, 1]]
    assert not re.search(r'[{,] ":', json.dumps(options))  # no JavaScript in the options


def test_a_difference_is_better_only_when_its_interval_leaves_zero() -> None:
    better = evaluation_board.verdict_key({"estimate": 10, "low": 2, "high": 18})
    worse = evaluation_board.verdict_key({"estimate": -10, "low": -18, "high": -2})
    unsure = evaluation_board.verdict_key({"estimate": 5, "low": -1, "high": 11})
    assert better.endswith("b_better") and worse.endswith("a_better")
    assert unsure.endswith("undistinguished")


def test_a_count_of_one_is_said_in_the_singular_in_english() -> None:
    en, ko = translator("en"), translator("ko")
    keys = ("evaluations.samples_total_one", "evaluations.samples_total")
    assert [evaluations.counted(en, keys, n, "en") for n in (0, 1, 2, 1234)] == [
        "0 samples",
        "1 sample",
        "2 samples",
        "1,234 samples",
    ]
    assert evaluations.counted(ko, keys, 1, "ko") == "샘플 1개"
    assert evaluations.counted(en, ("evaluations.total_one", "evaluations.total"), 1, "en") == (
        "1 run"
    )
    one = Progress(1, 0, 0, 1, 0, 0, 0, 1, None)
    assert evaluations.progress_words(en, one, "en") == "1 / 1 sample"


# -- the finished run ----------------------------------------------------------------


async def test_a_finished_runs_page_shows_its_manifest_leaderboard_and_comparison(
    admin_user: SimulatedUser, conn: db.Connection, finished_run: int
) -> None:
    await admin_user.open(f"/evaluations/{finished_run}")
    await see(admin_user, marker="leaderboard-table")
    manifest = queries.run(conn, finished_run)["manifest"]  # type: ignore[index]
    assert "strong@1 (strong, " in text_of(admin_user, "manifest-models")
    assert manifest["problem_set"]["content_hash"] in text_of(admin_user, "manifest-set")
    assert text_of(admin_user, "manifest-seed") == "11"
    assert manifest["judge_image"] in text_of(admin_user, "manifest-judge-image")
    assert text_of(admin_user, "manifest-app-version") == manifest["app_version"]
    assert "12 / 12 samples" in text_of(admin_user, "evaluation-progress")
    assert "Finished" in text_of(admin_user, "evaluation-status")

    board = text_of(admin_user, "leaderboard-table")
    # reference and strong write the same suite (100 everywhere); examples has none to give.
    assert board.index("reference (baseline)") < board.index("weak@1")
    assert board.index("strong@1") < board.index("weak@1") < board.index("examples (baseline)")
    reference = text_of(admin_user, "leaderboard-row-reference")
    assert "100.0 [100.0, 100.0]" in reference and "100.0% [100.0%, 100.0%]" in reference
    examples = text_of(admin_user, "leaderboard-row-examples")
    assert "0.0 [0.0, 0.0]" in examples
    for measure, _ in evaluation_board.MEASURES:
        (chart,) = admin_user.find(marker=f"interval-chart-{measure}").elements
        assert isinstance(chart, ui.echart)
        assert len(chart.options["yAxis"]["data"]) == 4
    await see(admin_user, marker="evaluation-by_difficulty")
    await see(admin_user, marker="evaluation-by_tag")

    # The default pair (strong against weak), then two picked by hand.
    await see(admin_user, marker="evaluation-compare-result")
    set_value(admin_user, "evaluation-compare-a", "examples")
    set_value(admin_user, "evaluation-compare-b", "reference")
    await see(admin_user, "reference (baseline) is better than examples (baseline).")
    assert "100.0 [100.0, 100.0] points" in text_of(admin_user, "evaluation-compare-difference")
    assert "Over 3 problems: reference (baseline) higher on 3" in text_of(
        admin_user, "evaluation-compare-counts"
    )
    set_value(admin_user, "evaluation-compare-a", "strong@1")
    await see(
        admin_user,
        "strong@1 and reference (baseline) are not distinguishable: the interval includes 0.",
    )


async def test_the_evidence_browser_filters_and_shows_a_sample_as_text(
    admin_user: SimulatedUser, conn: db.Connection, finished_run: int
) -> None:
    await admin_user.open(f"/evaluations/{finished_run}")
    await see(admin_user, "12 samples")
    set_value(admin_user, "evidence-filter-subject", "strong@1")
    await see(admin_user, "3 samples")
    set_value(admin_user, "evidence-filter-problem", PROBLEM)
    await see(admin_user, "1 sample")
    assert text_of(admin_user, "evidence-total") == "1 sample"  # singular, not "1 samples"
    (sample,) = [
        s for s in queries.samples(conn, finished_run, None, 0)
        if s["subject"] == "strong@1" and s["problem"] == PROBLEM
    ]  # fmt: skip
    admin_user.find(marker=f"evidence-open-{sample['id']}").click()
    await see(admin_user, marker="evidence-sample")

    # The model's answer, exactly as stored, in labels: shown as text, never as markup.
    for key in ("prompt", "response", "suite"):
        (shown,) = admin_user.find(marker=f"evidence-{key}-text").elements
        assert type(shown) is ui.label and shown.text == sample[key]
    assert MARKUP in sample["response"] and TEMPLATE in sample["suite"]
    (evidence,) = admin_user.find(marker="evidence-sample").elements
    rendered = (ui.html, ui.markdown, ui.code)
    assert not [e for e in evidence.descendants() if isinstance(e, rendered)]
    assert text_of(admin_user, "evidence-score") == "100 (weights 6 / 6)"
    assert "in," in text_of(admin_user, "evidence-tokens")
    assert text_of(admin_user, "evidence-latency").endswith(" ms")

    # Verdicts by neutral label: never a variant's name.
    verdicts = text_of(admin_user, "evidence-verdicts")
    assert "golden" in verdicts and "mutant 1" in verdicts and "killed" in verdicts
    stored = queries.verdicts(conn, [str(sample["submission_id"])])
    mutants = [v["name"] for v in stored if v["kind"] == "mutant"]
    assert mutants and not [name for name in mutants if name in verdicts]

    # Only the examples baseline failed (the test problems show no examples): one filter
    # at a time, each count awaited, so no count is a leftover of the one before.
    set_value(admin_user, "evidence-filter-status", "FAILURE")
    await see(admin_user, "0 samples")
    set_value(admin_user, "evidence-filter-subject", "")
    await see(admin_user, "1 sample")
    set_value(admin_user, "evidence-filter-problem", "")
    await see(admin_user, "3 samples")
    failed = text_of(admin_user, "evidence-table")
    assert failed.count("examples (baseline)") == 3 and "strong@1" not in failed


async def test_the_exports_are_the_runs_json_and_csv(
    admin_user: SimulatedUser, finished_run: int
) -> None:
    await admin_user.open(f"/evaluations/{finished_run}")
    (json_link,) = admin_user.find(marker="evaluation-export-json").elements
    (csv_link,) = admin_user.find(marker="evaluation-export-csv").elements
    document = await admin_user.http_client.get(str(json_link.props["href"]))
    assert document.status_code == 200
    assert "evaluation-" in document.headers["content-disposition"]
    found = document.json()
    assert found["run"]["id"] == finished_run and found["run"]["progress"]["done"] == 12
    assert found["run"]["manifest"]["seed"] == 11 and len(found["samples"]) == 12
    assert all(s["verdicts"] for s in found["samples"] if s["submission_id"])
    table = await admin_user.http_client.get(str(csv_link.props["href"]))
    rows = list(csv.DictReader(io.StringIO(table.text)))
    assert len(rows) == 12 and {r["run"] for r in rows} == {str(finished_run)}
    wrong = await admin_user.http_client.get(f"/evaluations/{finished_run}/export?format=pdf")
    assert wrong.status_code == 400


async def test_an_export_needs_an_admins_session(visitor: SimulatedUser, waiting_run: int) -> None:
    answer = await visitor.http_client.get(f"/evaluations/{waiting_run}/export?format=json")
    assert answer.status_code == 401


async def test_an_export_is_refused_to_a_learners_session(
    learner_user: SimulatedUser, waiting_run: int
) -> None:
    answer = await learner_user.http_client.get(f"/evaluations/{waiting_run}/export?format=csv")
    assert answer.status_code == 403
    assert "evaluation" not in answer.headers.get("content-disposition", "")


async def test_an_export_with_the_database_refusing_answers_503(
    admin_user: SimulatedUser, waiting_run: int, pg_admin_url: str, database_url: str
) -> None:
    with services.database_refusing(pg_admin_url, database_url):
        answer = await admin_user.http_client.get(f"/evaluations/{waiting_run}/export?format=json")
    assert answer.status_code == 503
    assert "database" in answer.text


# -- the controls ----------------------------------------------------------------------


async def test_hold_and_resume_move_the_run_and_are_audited(
    admin_user: SimulatedUser, conn: db.Connection, waiting_run: int
) -> None:
    await admin_user.open(f"/evaluations/{waiting_run}")
    await see(admin_user, marker="evaluation-hold")
    (resume,) = admin_user.find(marker="evaluation-resume").elements
    assert not resume.enabled
    admin_user.find(marker="evaluation-hold").click()
    await see(admin_user, "Held: no more samples start until it is resumed.")
    assert queries.run_status(conn, waiting_run) == "held"
    assert "Held" in text_of(admin_user, "evaluation-status")
    assert audited(conn, "evaluation.hold", waiting_run)[0]["actor"] == "ada"
    admin_user.find(marker="evaluation-resume").click()
    await see(admin_user, "Resumed.")
    assert queries.run_status(conn, waiting_run) == "running"
    assert len(audited(conn, "evaluation.resume", waiting_run)) == 1


async def test_cancel_asks_first_and_keeping_it_running_changes_nothing(
    admin_user: SimulatedUser, conn: db.Connection, waiting_run: int
) -> None:
    await admin_user.open(f"/evaluations/{waiting_run}")
    admin_user.find(marker="evaluation-cancel").click()
    await see(admin_user, f"Cancel run #{waiting_run}?")
    admin_user.find(marker="evaluation-cancel-keep").click()
    assert queries.run_status(conn, waiting_run) == "running"
    admin_user.find(marker="evaluation-cancel").click()
    await see(admin_user, marker="evaluation-cancel-confirm")
    admin_user.find(marker="evaluation-cancel-confirm").click()
    await see(admin_user, "Cancelled.")
    assert queries.run_status(conn, waiting_run) == "cancelled"
    assert audited(conn, "evaluation.cancel", waiting_run)[0]["detail"]["samples"] == 3
    assert "3 cancelled" in text_of(admin_user, "evaluation-progress")
    for control in ("hold", "resume", "cancel", "retry"):
        (button,) = admin_user.find(marker=f"evaluation-{control}").elements
        assert not button.enabled, control


async def test_a_control_the_run_outgrew_is_refused_on_the_page(
    admin_user: SimulatedUser,
    conn: db.Connection,
    broker: redis.Redis,
    admin: Actor,  # noqa: F811
    waiting_run: int,
) -> None:
    await admin_user.open(f"/evaluations/{waiting_run}")
    await see(admin_user, marker="evaluation-hold")
    runs.cancel(conn, broker, admin, waiting_run)  # from another tab, say
    admin_user.find(marker="evaluation-hold").click()
    await see(admin_user, "Not done: the run is Cancelled now.")
    assert queries.run_status(conn, waiting_run) == "cancelled"
    assert audited(conn, "evaluation.hold", waiting_run) == []
    assert "Cancelled" in text_of(admin_user, "evaluation-status")


async def test_retry_failed_runs_the_errored_samples_again(
    admin_user: SimulatedUser, conn: db.Connection, waiting_run: int
) -> None:
    conn.execute(
        "UPDATE evaluation_samples SET status = 'ERROR', error = 'timeout: 1 s', finished_at = now()"
        " WHERE run_id = %s",
        (waiting_run,),
    )
    conn.execute("UPDATE evaluation_runs SET status = 'finished', finished_at = now() WHERE id = %s",
                 (waiting_run,))  # fmt: skip
    await admin_user.open(f"/evaluations/{waiting_run}")
    await see(admin_user, "3 errors")
    admin_user.find(marker="evaluation-retry").click()
    await see(admin_user, "The samples that ended in an error run again.")
    assert queries.run_status(conn, waiting_run) == "running"
    assert audited(conn, "evaluation.retry_failed", waiting_run)[0]["detail"]["samples"] == 3
    assert "0 / 3 samples" in text_of(admin_user, "evaluation-progress")


async def test_run_again_opens_the_new_run_of_the_same_manifest(
    admin_user: SimulatedUser, conn: db.Connection, waiting_run: int
) -> None:
    await admin_user.open(f"/evaluations/{waiting_run}")
    admin_user.find(marker="evaluation-rerun").click()
    await see(admin_user, f"a rerun of #{waiting_run}")
    new = conn.execute(
        "SELECT id, seed FROM evaluation_runs WHERE rerun_of = %s", (waiting_run,)
    ).fetchone()
    assert new is not None
    assert new["seed"] == queries.run(conn, waiting_run)["seed"]  # type: ignore[index]
    assert len(audited(conn, "evaluation.create", new["id"])) == 1


async def test_a_double_click_on_run_again_starts_one_run(
    admin_user: SimulatedUser, conn: db.Connection, waiting_run: int
) -> None:
    await admin_user.open(f"/evaluations/{waiting_run}")
    await see(admin_user, marker="evaluation-rerun")
    admin_user.find(marker="evaluation-rerun").click()
    admin_user.find(marker="evaluation-rerun").click()
    await see(admin_user, f"a rerun of #{waiting_run}")
    await asyncio.sleep(0.5)  # a second rerun, were it started, is committed by now
    reruns = conn.execute(
        "SELECT id FROM evaluation_runs WHERE rerun_of = %s", (waiting_run,)
    ).fetchall()
    assert len(reruns) == 1


@pytest.mark.parametrize(
    "change",
    [
        "UPDATE users SET role = 'learner' WHERE name = 'ada'",
        "UPDATE users SET disabled_at = now() WHERE name = 'ada'",
    ],
    ids=["demoted", "disabled"],
)
async def test_a_page_left_open_by_an_admin_no_longer_one_cannot_cancel(
    admin_user: SimulatedUser, conn: db.Connection, waiting_run: int, change: str
) -> None:
    await admin_user.open(f"/evaluations/{waiting_run}")
    await see(admin_user, marker="evaluation-cancel")
    conn.execute(change)
    admin_user.find(marker="evaluation-cancel").click()
    await see(admin_user, marker="evaluation-cancel-confirm")
    admin_user.find(marker="evaluation-cancel-confirm").click()
    # Sent away (to the login, which sends a learner on to their own home).
    await admin_user.should_not_see(marker="evaluation-live", retries=WAIT)
    assert queries.run_status(conn, waiting_run) == "running"
    assert audited(conn, "evaluation.cancel", waiting_run) == []


async def test_with_the_database_refusing_a_control_says_so(
    admin_user: SimulatedUser,
    conn: db.Connection,
    waiting_run: int,
    pg_admin_url: str,
    database_url: str,
) -> None:
    await admin_user.open(f"/evaluations/{waiting_run}")
    await see(admin_user, marker="evaluation-hold")
    with services.database_refusing(pg_admin_url, database_url):
        admin_user.find(marker="evaluation-hold").click()
        await see(admin_user, "The database cannot be reached right now. Try again shortly.")
    (hold,) = admin_user.find(marker="evaluation-hold").elements
    assert hold.enabled  # the controls come back once the call has answered
    with db.connect(database_url) as again:
        assert queries.run_status(again, waiting_run) == "running"


async def test_an_unknown_run_says_so(admin_user: SimulatedUser) -> None:
    await admin_user.open("/evaluations/999999")
    await see(admin_user, "There is no evaluation run #999999.")


async def test_a_running_runs_leaderboard_is_partial_and_k_can_be_chosen(
    admin_user: SimulatedUser,
    conn: db.Connection,
    broker: redis.Redis,
    settings: Settings,  # noqa: F811
    admin: Actor,  # noqa: F811
    clamps: str,
) -> None:
    plan = Plan(clamps, baselines=["reference"], samples=2)
    run_id = runs.create(conn, broker, settings, admin, plan)
    # Both samples of one problem ended (as a worker would leave them); the rest wait.
    conn.execute(
        "UPDATE evaluation_samples e SET status = 'SUCCESS', score = 100, killed_weight = 6,"
        " total_weight = 6, killed_count = 3, total_count = 3, finished_at = now()"
        " FROM problem_versions v JOIN problems p ON p.id = v.problem_id"
        " WHERE e.run_id = %s AND v.id = e.version_id AND p.slug = %s",
        (run_id, PROBLEM),
    )
    await admin_user.open(f"/evaluations/{run_id}")
    await see(admin_user, marker="leaderboard-table")
    caption = text_of(admin_user, "evaluation-board-caption")
    assert "best of 2 samples" in caption and "has not finished" in caption
    assert "100.0 [100.0, 100.0]" in text_of(admin_user, "leaderboard-row-reference")
    set_value(admin_user, "evaluation-k", 1)
    await see(admin_user, marker="evaluation-board-caption", content="best of 1 samples")
