"""Queue edge of evaluations: one sample. The subject (a model version, or a baseline)
writes a suite; the suite is stored as a submission with source 'model' and judged in this
job by the submissions' own judging code (submissions.jobs.judge_claimed), then the sample
keeps the evidence: prompt, response, extracted suite, the submission (whose stored results
are the verdicts), score, latency and tokens, or the error.

Cancelling a run stops a sample for real: while it is judged, a watcher thread polls the
run, and once it is cancelled removes every sandbox container labelled with the run (its
sandboxes carry RUN_LABEL) and refuses to start another one, so the judge's retries cannot
start one either; the submission then ends ERROR and the sample stays CANCELLED."""

from __future__ import annotations

import dataclasses
import hashlib
import logging
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import docker

from appliance import db
from appliance.db import Row
from appliance.errors import ArenaError, InfrastructureError
from appliance.evaluations import prompts, queries
from appliance.judging import sandbox
from appliance.models import chat, keys, urls
from appliance.problems import queries as problem_queries
from appliance.problems.examples import examples_suite, parse_examples
from appliance.submissions import jobs as submission_jobs
from appliance.submissions import queries as submission_queries
from appliance.submissions.disclosure import MESSAGE_LIMIT, clean
from appliance.vocabulary import SampleStatus
from appliance.workers.worker import WorkerContext, refresh

log = logging.getLogger(__name__)
RUN_LABEL = "arena.evaluation"
# How often a sample being judged looks whether its run was cancelled.
WATCH_EVERY_S = 0.5
# Evidence kept per sample: a prompt or an answer is a few KiB; a runaway one is cut here.
EVIDENCE_LIMIT = 256 * 1024


@dataclass(frozen=True)
class Written:
    """What a subject wrote: the suite (None: its answer held none), or why it wrote nothing
    (`error`); a baseline has no prompt, response, latency or tokens."""

    suite: str | None
    prompt: str | None = None
    response: str | None = None
    error: str | None = None
    latency_ms: int | None = None
    prompt_tokens: int | None = None
    completion_tokens: int | None = None


def run_sample(ctx: WorkerContext, sample_id: int) -> SampleStatus | None:
    """RQ job: claim, write, judge and store one sample; its end, or None when it was not
    this job's to run (another worker has it, its run is held or cancelled)."""
    claimed = queries.claim(ctx.conn, sample_id, ctx.name)
    if claimed is None:
        return None
    try:
        return _sample(ctx, claimed)
    except Exception as exc:  # the appliance's own fault: the sample says so
        log.exception("evaluation sample %s: unexpected failure", sample_id)
        detail = f"the appliance failed while running it ({type(exc).__name__}); see the log"
        refresh(ctx)  # a new session if PostgreSQL restarted meanwhile
        return _store(ctx, claimed, Written(None, error=detail), None)
    finally:
        queries.finish_if_done(ctx.conn, claimed["run_id"])


def _sample(ctx: WorkerContext, claimed: Row) -> SampleStatus | None:
    version = problem_queries.version_by_id(ctx.conn, claimed["version_id"])
    assert version is not None
    written = _write(ctx, claimed, version)
    if written.suite is None or written.error is not None:
        return _store(ctx, claimed, written, None)
    if queries.run_status(ctx.conn, claimed["run_id"]) == "cancelled":
        return None  # cancelled while the model wrote: the sample is CANCELLED already
    digest = hashlib.sha256(written.suite.encode()).hexdigest()
    with ctx.conn.transaction():
        submission_id = queries.insert_model_submission(
            ctx.conn, claimed["created_by"], claimed["version_id"], written.suite, digest
        )
        queries.record_submission(ctx.conn, claimed["id"], ctx.name, submission_id)
    _judge(ctx, claimed["run_id"], submission_id)
    return _store(ctx, claimed, written, submission_id)


def _write(ctx: WorkerContext, claimed: Row, version: Mapping[str, Any]) -> Written:
    if claimed["baseline"] == "examples":
        return Written(examples_suite(parse_examples(version["examples"])))
    if claimed["baseline"] == "reference":
        return Written(version["reference_tests"])
    return _ask(ctx, claimed, version)


def _ask(ctx: WorkerContext, claimed: Row, version: Mapping[str, Any]) -> Written:
    """The model's answer and the suite in it; a fault of the server or the URL policy is
    the sample's error."""
    model = queries.model_request(ctx.conn, claimed["model_version_id"])
    assert model is not None
    prompt = prompts.render(model["prompt_template"], version)
    try:
        base_url = urls.checked(model["base_url"], ctx.settings.model_hosts)
        api_key = _api_key(ctx, model)
    except ArenaError as exc:
        return Written(None, prompt, error=exc.detail)
    body = _request_body(model, prompt, claimed["seed"])
    with chat.new_client(ctx.settings.model_timeout_seconds) as client:
        answer = chat.complete(client, base_url, api_key, body)
    if isinstance(answer, chat.Failure):
        error = f"{answer.kind}: {answer.detail}"
        return Written(None, prompt, error=error, latency_ms=_ms(answer.latency_s))
    return Written(
        prompts.extract_suite(answer.text),
        prompt,
        answer.text,
        latency_ms=_ms(answer.latency_s),
        prompt_tokens=answer.prompt_tokens,
        completion_tokens=answer.completion_tokens,
    )


def _api_key(ctx: WorkerContext, model: Row) -> str | None:
    sealed = model["api_key_encrypted"]
    if sealed is None:
        return None
    return keys.unseal(keys.require(ctx.settings.model_key), bytes(sealed), model["name"])


def _request_body(model: Row, prompt: str, seed: int) -> dict[str, Any]:
    """The version's sampling; its own seed when it has one, else the sample's (from the
    run's manifest), so that a rerun asks with the same seeds."""
    sampling = model["sampling"]
    return {
        "model": model["model"],
        "messages": [{"role": "user", "content": prompt}],
        "temperature": sampling["temperature"],
        "top_p": sampling["top_p"],
        "max_tokens": sampling["max_tokens"],
        "seed": sampling["seed"] if sampling.get("seed") is not None else seed,
    }


def _judge(ctx: WorkerContext, run_id: int, submission_id: str) -> None:
    """Judge the submission as the judge queue would, in sandboxes labelled with the run."""
    with _watched(ctx, run_id) as boxes:
        judging = dataclasses.replace(ctx, sandboxes=boxes)
        submission_jobs.judge_claimed(judging, submission_id)
        ctx.conn = judging.conn  # renewed if PostgreSQL restarted meanwhile


class RunSandboxes(sandbox.Sandboxes):
    """Fresh sandboxes labelled with the run (no warm one: its labels are the worker's),
    refused once the run is cancelled."""

    def __init__(self, ctx: WorkerContext, run_id: int, stopped: threading.Event) -> None:
        labels = {**ctx.sandboxes.labels, RUN_LABEL: str(run_id)}
        super().__init__(ctx.sandboxes.client, ctx.settings, labels)
        self.stopped = stopped

    def take(self) -> sandbox.Sandbox:
        if self.stopped.is_set():
            raise InfrastructureError("the evaluation run was cancelled")
        return super().take()


@contextmanager
def _watched(ctx: WorkerContext, run_id: int) -> Iterator[RunSandboxes]:
    stopped, done = threading.Event(), threading.Event()
    watcher = threading.Thread(
        target=_watch,
        args=(ctx.settings.database_url, ctx.instance, run_id, stopped, done),
        daemon=True,
    )
    watcher.start()
    try:
        yield RunSandboxes(ctx, run_id, stopped)
    finally:
        done.set()
        watcher.join()


def _watch(
    url: str, instance: str, run_id: int, stopped: threading.Event, done: threading.Event
) -> None:
    """Until `done`: once the run is cancelled, remove its containers, every time round (a
    sandbox being created as the run was cancelled is caught on the next round)."""
    with db.connect(url) as conn:
        client = sandbox.docker_client()
        try:
            while not done.wait(WATCH_EVERY_S):
                if stopped.is_set() or queries.run_status(conn, run_id) == "cancelled":
                    stopped.set()
                    remove_run_containers(client, instance, run_id)
            if stopped.is_set():
                remove_run_containers(client, instance, run_id)
        finally:
            client.close()


def remove_run_containers(client: docker.DockerClient, instance: str, run_id: int) -> int:
    """Remove every sandbox container of the run (of this appliance: another one on the
    same Docker has its own run numbers); how many there were."""
    try:
        found = sandbox.sandbox_containers(client, instance, f"{RUN_LABEL}={run_id}")
    except sandbox.DOCKER_ERRORS as exc:  # the reaper removes them by the worker's label
        log.warning("containers of evaluation run %s not listed: %s", run_id, exc)
        return 0
    for container in found:
        sandbox.remove(client, str(container["Id"]))
    return len(found)


def _store(
    ctx: WorkerContext, claimed: Row, written: Written, submission_id: str | None
) -> SampleStatus | None:
    """The sample's end with its evidence, if this worker still holds it (a cancel took it
    away otherwise)."""
    fields = {**_evidence(written), **_outcome(ctx, written, submission_id)}
    if queries.finish(ctx.conn, claimed["id"], ctx.name, fields) is None:
        return None
    status: SampleStatus = fields["status"]
    return status


def _evidence(written: Written) -> dict[str, Any]:
    return {
        "prompt": _kept(written.prompt),
        "response": _kept(written.response),
        "suite": _kept(written.suite),
        "latency_ms": written.latency_ms,
        "prompt_tokens": written.prompt_tokens,
        "completion_tokens": written.completion_tokens,
    }


_NO_SCORE = dict.fromkeys(
    ("reason", "error", "score", "killed_weight", "total_weight", "killed_count", "total_count")
)


def _outcome(ctx: WorkerContext, written: Written, submission_id: str | None) -> dict[str, Any]:
    """The submission's verdict; without one, ERROR (nothing written, a fault) or FAILURE
    "no_suite" (an answer without a suite: the model's fault, worth 0)."""
    if written.error is not None:
        return {**_NO_SCORE, "status": "ERROR", "error": clean(written.error)[:MESSAGE_LIMIT]}
    if submission_id is None:
        return {**_NO_SCORE, "status": "FAILURE", "reason": "no_suite", "score": 0}
    judged = submission_queries.detail(ctx.conn, submission_id)
    assert judged is not None
    if judged["status"] not in ("SUCCESS", "FAILURE", "ERROR"):
        return {**_NO_SCORE, "status": "ERROR", "error": "its submission was not judged"}
    return {
        "status": judged["status"],
        "reason": judged["reason"],
        "error": judged["error_detail"],
        **{k: judged[k] for k in ("score", "killed_weight", "total_weight")},
        **{k: judged[k] for k in ("killed_count", "total_count")},
    }


def _kept(text: str | None) -> str | None:
    return None if text is None else clean(text[:EVIDENCE_LIMIT])


def _ms(seconds: float) -> int:
    return round(seconds * 1000)
