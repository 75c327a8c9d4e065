"""Queue edge of feedback: one feedback written by the champion's model version.

Every way it can go wrong ends in the feedback row (failed or refused, with a reason),
never in the submission, whose status and score are the judge's alone. The prompt is
checked by the guard before it is sent and the answer before it is stored as readable."""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from appliance.db import Connection, Row
from appliance.errors import ArenaError
from appliance.feedback import guard as guards
from appliance.feedback import prompts, queries
from appliance.feedback.prompts import FailedTest, Material
from appliance.models import chat, keys, urls
from appliance.problems import queries as problem_queries
from appliance.submissions import queries as submission_queries
from appliance.submissions import reading
from appliance.submissions.detail import SubmissionDetail
from appliance.submissions.disclosure import clean
from appliance.vocabulary import FeedbackStatus

if TYPE_CHECKING:  # the console reads this module's reasons and must not load Docker code
    from appliance.workers.worker import WorkerContext

log = logging.getLogger(__name__)
# Feedback is a few bullet points; a model that runs on is cut here.
TEXT_LIMIT = 8000
MAX_TOKENS = 1024
REFUSED = "the feedback was withheld: {}"
TIMED_OUT = "the feedback model did not answer in time; ask again later"
UNREACHABLE = "the feedback model could not be reached; ask again later"
EMPTY = "the feedback model's answer was empty; ask again later"
APPLIANCE_FAULT = "the appliance failed while writing the feedback; ask again later"


@dataclass(frozen=True)
class Outcome:
    status: FeedbackStatus
    text: str | None = None
    withheld: str | None = None
    reason: str | None = None
    detail: str | None = None
    prompt: str | None = None
    latency_ms: int | None = None
    prompt_tokens: int | None = None
    completion_tokens: int | None = None


def write_feedback(ctx: WorkerContext, feedback_id: int) -> FeedbackStatus | None:
    """RQ job: write the feedback and store how it ended; None when it is not pending (a
    duplicate job, or one already written)."""
    row = queries.job(ctx.conn, feedback_id)
    if row is None or row["status"] != "pending":
        return None
    try:
        outcome = _write(ctx, row)
    except Exception as exc:  # the appliance's own fault: the feedback says so
        log.exception("feedback %s: unexpected failure", feedback_id)
        outcome = Outcome("failed", reason=APPLIANCE_FAULT, detail=type(exc).__name__)
    stored = queries.finish(ctx.conn, feedback_id, _fields(outcome))
    return outcome.status if stored is not None else None


def _write(ctx: WorkerContext, row: Row) -> Outcome:
    material, guard = _material(ctx.conn, str(row["submission_id"]))
    prompt = prompts.render(material)
    refusal = guard.refusal(prompt)
    if refusal is not None:  # never sent: the model cannot repeat what it was not told
        return Outcome("refused", reason=REFUSED.format(f"its prompt: {refusal}"))
    try:
        base_url = urls.checked(row["base_url"], ctx.settings.model_hosts)
        api_key = _api_key(ctx, row)
    except ArenaError as exc:
        return Outcome("failed", reason=UNREACHABLE, detail=exc.detail, prompt=prompt)
    with chat.new_client(ctx.settings.model_timeout_seconds) as client:
        answer = chat.complete(client, base_url, api_key, _body(row, material))
    if isinstance(answer, chat.Failure):
        return _failed(answer, prompt)
    return _checked(answer, guard, prompt)


def _material(conn: Connection, submission_id: str) -> tuple[Material, guards.Guard]:
    """What the learner may read of the submission, as the API shows it to them (mutants by
    neutral label, hints of survivors only, messages already stripped of hidden code), and
    the guard for what the model answers."""
    row = submission_queries.review(conn, submission_id)
    assert row is not None, "feedback rows reference their submission"
    shown = reading.stored_detail(conn, row, reveal_names=False)
    version = problem_queries.version_by_id(conn, row["version_id"])
    assert version is not None
    hints = [m.hint for m in shown.mutants if m.hint]
    material = Material(
        version["title"],
        version["description_md"],
        version["function_signature"],
        version["golden_code"] if version["show_golden"] else None,
        str(row["code"]),
        shown.status,
        shown.reason,
        shown.score,
        hints,
        _failed_on_golden(shown),
    )
    return material, _guard(conn, version, [material.suite, material.statement, *hints])


def _failed_on_golden(shown: SubmissionDetail) -> list[FailedTest]:
    if shown.golden is None or shown.status != "FAILURE":
        return []
    return [FailedTest(t.name, t.message) for t in shown.golden.tests if t.outcome != "passed"]


def _guard(conn: Connection, version: Row, public: list[str]) -> guards.Guard:
    mutants = [(m["name"], m["code"]) for m in problem_queries.mutants_of(conn, version["id"])]
    return guards.guard_for(version["golden_code"], version["show_golden"], mutants, public)


def _body(row: Row, material: Material) -> dict[str, Any]:
    sampling = row["sampling"]
    body = {
        "model": row["model"],
        "messages": prompts.messages(material),
        "temperature": sampling["temperature"],
        "top_p": sampling["top_p"],
        "max_tokens": min(sampling["max_tokens"], MAX_TOKENS),
    }
    return body | ({"seed": sampling["seed"]} if sampling.get("seed") is not None else {})


def _failed(answer: chat.Failure, prompt: str) -> Outcome:
    reason = TIMED_OUT if answer.kind == "timeout" else UNREACHABLE
    detail = f"{answer.kind}: {answer.detail}"
    return Outcome("failed", reason=reason, detail=detail, prompt=prompt, latency_ms=_ms(answer))


def _checked(answer: chat.Reply, guard: guards.Guard, prompt: str) -> Outcome:
    text = clean(answer.text).strip()[:TEXT_LIMIT]
    asked = Outcome(
        "ready",
        prompt=prompt,
        latency_ms=_ms(answer),
        prompt_tokens=answer.prompt_tokens,
        completion_tokens=answer.completion_tokens,
    )
    if not text:
        return replace(asked, status="failed", reason=EMPTY)
    refusal = guard.refusal(text)
    if refusal is not None:  # kept for admins, never shown
        return replace(asked, status="refused", withheld=text, reason=REFUSED.format(refusal))
    return replace(asked, text=text)


def _api_key(ctx: WorkerContext, row: Row) -> str | None:
    sealed = row["api_key_encrypted"]
    if sealed is None:
        return None
    return keys.unseal(keys.require(ctx.settings.model_key), bytes(sealed), row["endpoint"])


def _ms(answer: chat.Reply | chat.Failure) -> int:
    return round(answer.latency_s * 1000)


def _fields(outcome: Outcome) -> dict[str, Any]:
    return {
        "status": outcome.status,
        "text": outcome.text,
        "withheld": outcome.withheld,
        "reason": outcome.reason,
        "detail": outcome.detail,
        "prompt": outcome.prompt,
        "latency_ms": outcome.latency_ms,
        "prompt_tokens": outcome.prompt_tokens,
        "completion_tokens": outcome.completion_tokens,
    }
