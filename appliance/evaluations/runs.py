"""Evaluation runs: models and baselines x a frozen problem set x samples (issue 11, items 3
and 9). A run is created with its manifest and its samples in one transaction, then one job
per sample is queued on the "evaluations" queue (jobs.py). Cancel, hold, resume and
retry-failed move the run and its samples; progress estimates the time left.

The model submissions of a run belong to the admin who started it (`created_by`): every
submission needs a user, an admin is who asked for the run, and source 'model' keeps them
out of every learner-facing list, leaderboard and metric, the admin's own lists included."""

from __future__ import annotations

import hashlib
import logging
import secrets
from dataclasses import dataclass, field
from typing import Any

import redis

from appliance import __version__, queue
from appliance.audit import trail
from appliance.audit.trail import Actor
from appliance.db import Connection, Row
from appliance.errors import Conflict, Invalid, NotFound
from appliance.evaluations import queries
from appliance.models import queries as model_queries
from appliance.settings import Settings
from appliance.vocabulary import Baseline, RunStatus

log = logging.getLogger(__name__)
MAX_SAMPLES = 100
MAX_SAMPLES_PER_RUN = 20_000
# A sample whose worker died this many times ends as ERROR.
MAX_ATTEMPTS = 3
# Seeds fit PostgreSQL's bigint and every OpenAI-compatible server's integer seed.
SEED_BOUND = 2**31


@dataclass(frozen=True)
class ModelChoice:
    """An endpoint's version; its current one when `version` is None."""

    name: str
    version: int | None = None


@dataclass(frozen=True)
class Plan:
    problem_set: str
    models: list[ModelChoice] = field(default_factory=list)
    baselines: list[Baseline] = field(default_factory=list)
    samples: int = 1
    seed: int | None = None  # None: a random one, written into the manifest


@dataclass(frozen=True)
class Progress:
    total: int
    pending: int
    running: int
    success: int
    failure: int
    error: int
    cancelled: int
    done: int
    seconds_left: float | None  # None until a sample ended, or when nothing is left to do


def sample_seed(run_seed: int, subject: str, slug: str, index: int) -> int:
    """A sample's seed, from the run's: the same manifest gives every sample the same one."""
    digest = hashlib.sha256(f"{run_seed}\t{subject}\t{slug}\t{index}".encode()).digest()
    return int.from_bytes(digest[:8], "big") % SEED_BOUND


def seconds_left(remaining: int, mean_duration_ms: float | None, workers: int) -> float | None:
    """The time left if the remaining samples take as long as the finished ones did, spread
    over the live workers (one at least). Pure."""
    if remaining == 0 or mean_duration_ms is None:
        return None
    return remaining * mean_duration_ms / 1000 / max(workers, 1)


def create(conn: Connection, broker: redis.Redis, settings: Settings, by: Actor, plan: Plan) -> int:
    """The new run's id; its samples are queued once they are committed."""
    return _create(conn, broker, settings, by, plan, rerun_of=None)


def rerun(conn: Connection, broker: redis.Redis, settings: Settings, by: Actor, run_id: int) -> int:
    """A new run of a run's manifest: the same model versions, baselines, problem set,
    samples and seed."""
    found = _run(conn, run_id)
    manifest = found["manifest"]
    plan = Plan(
        manifest["problem_set"]["name"],
        [ModelChoice(m["name"], m["version"]) for m in manifest["models"]],
        list(manifest["baselines"]),
        manifest["samples"],
        manifest["seed"],
    )
    return _create(conn, broker, settings, by, plan, rerun_of=run_id)


def _create(
    conn: Connection,
    broker: redis.Redis,
    settings: Settings,
    by: Actor,
    plan: Plan,
    rerun_of: int | None,
) -> int:
    _check_plan(plan)
    seed = plan.seed if plan.seed is not None else secrets.randbelow(SEED_BOUND)
    with conn.transaction():
        problem_set = model_queries.problem_set(conn, plan.problem_set)
        if problem_set is None:
            raise NotFound(f"no problem set named {plan.problem_set!r}")
        items = model_queries.set_items(conn, problem_set["id"])
        versions = [_model_version(conn, choice) for choice in plan.models]
        manifest = _manifest(conn, settings, plan, seed, problem_set, items, versions)
        run_id = queries.insert_run(
            conn, problem_set["id"], plan.samples, seed, manifest, by.user.id, rerun_of
        )
        sample_ids = queries.insert_samples(conn, _samples(run_id, seed, plan, items, versions))
        trail.record_by(
            conn, by, "evaluation.create", str(run_id), samples=len(sample_ids), rerun_of=rerun_of
        )
    _enqueue(broker, sample_ids)
    return run_id


def _check_plan(plan: Plan) -> None:
    if not plan.models and not plan.baselines:
        raise Invalid("a run needs at least one model or baseline")
    if not 1 <= plan.samples <= MAX_SAMPLES:
        raise Invalid(f"samples must be between 1 and {MAX_SAMPLES}")
    subjects = [(m.name, m.version) for m in plan.models]
    if len(set(subjects)) != len(subjects) or len(set(plan.baselines)) != len(plan.baselines):
        raise Invalid("each model version and baseline may be named once")


def _model_version(conn: Connection, choice: ModelChoice) -> Row:
    found = queries.model_version(conn, choice.name, choice.version)
    if found is None:
        which = "" if choice.version is None else f" version {choice.version}"
        raise NotFound(f"no model endpoint {choice.name!r}{which}")
    return found


def _manifest(
    conn: Connection,
    settings: Settings,
    plan: Plan,
    seed: int,
    problem_set: Row,
    items: list[Row],
    versions: list[Row],
) -> dict[str, Any]:
    """What the run is made of, enough to run it again (rerun) and to say what it measured."""
    images = queries.judge_image_ids(conn, settings.worker_dead_after_seconds)
    return {
        "models": [
            {
                "name": v["name"],
                "version": v["number"],
                "model": v["model"],
                "base_url": v["base_url"],
                "sampling": v["sampling"],
                "content_hash": v["content_hash"],
            }
            for v in versions
        ],
        "baselines": list(plan.baselines),
        "problem_set": {
            "name": problem_set["name"],
            "content_hash": problem_set["content_hash"],
            "items": [
                {"slug": i["slug"], "version": i["number"], "content_hash": i["content_hash"]}
                for i in items
            ],
        },
        "samples": plan.samples,
        "seed": seed,
        "judge_image": settings.judge_image,
        "judge_image_id": images[0] if len(images) == 1 else (images or "unknown"),
        "app_version": __version__,
        "git_sha": settings.git_sha,
    }


def _samples(
    run_id: int, seed: int, plan: Plan, items: list[Row], versions: list[Row]
) -> list[dict[str, Any]]:
    subjects: list[tuple[str, int | None, Baseline | None]] = [
        (f"{v['name']}@{v['number']}", v["id"], None) for v in versions
    ]
    subjects.extend((f"baseline:{b}", None, b) for b in plan.baselines)
    if len(subjects) * len(items) * plan.samples > MAX_SAMPLES_PER_RUN:
        raise Invalid(f"a run has at most {MAX_SAMPLES_PER_RUN} samples")
    return [
        {
            "run_id": run_id,
            "model_version_id": version_id,
            "baseline": baseline,
            "subject": subject,
            "version_id": item["id"],
            "sample_index": index,
            "seed": sample_seed(seed, subject, item["slug"], index),
        }
        for subject, version_id, baseline in subjects
        for item in items
        for index in range(plan.samples)
    ]


def _enqueue(broker: redis.Redis, sample_ids: list[int]) -> None:
    """Queue the samples; if Redis is down they stay PENDING and the scheduler queues them."""
    try:
        for sample_id in sample_ids:
            queue.enqueue_sample(broker, sample_id)
    except redis.RedisError as exc:
        log.warning("evaluation samples stored but not all queued yet: %s", exc)


def _run(conn: Connection, run_id: int) -> Row:
    found = queries.run(conn, run_id)
    if found is None:
        raise NotFound(f"no evaluation run {run_id}")
    return found


def show(conn: Connection, settings: Settings, run_id: int) -> tuple[Row, Progress]:
    found = _run(conn, run_id)
    return found, progress(conn, settings, run_id)


def progress(conn: Connection, settings: Settings, run_id: int) -> Progress:
    counts = queries.progress(conn, run_id)
    workers = queries.live_worker_count(conn, settings.worker_dead_after_seconds)
    return _progress(counts, workers)


def progress_of_runs(
    conn: Connection, settings: Settings, run_ids: list[int]
) -> dict[int, Progress]:
    """progress() of each run, in two queries whatever their number (a listing's page)."""
    counts = queries.progress_of_runs(conn, run_ids)
    workers = queries.live_worker_count(conn, settings.worker_dead_after_seconds)
    return {
        run_id: _progress(counts[run_id], workers) if run_id in counts else NO_SAMPLES
        for run_id in run_ids
    }


# A run with no sample (none is created so; the listing must not fail on one).
NO_SAMPLES = Progress(0, 0, 0, 0, 0, 0, 0, 0, None)


def _progress(counts: Row, workers: int) -> Progress:
    remaining = counts["pending"] + counts["running"]
    mean = counts["mean_duration_ms"]
    return Progress(
        counts["total"],
        counts["pending"],
        counts["running"],
        counts["success"],
        counts["failure"],
        counts["error"],
        counts["cancelled"],
        counts["total"] - remaining,
        seconds_left(remaining, float(mean) if mean is not None else None, workers),
    )


def cancel(conn: Connection, broker: redis.Redis, by: Actor, run_id: int) -> None:
    """Every unfinished sample ends CANCELLED: waiting jobs leave the queue, and a sample
    being judged has its sandbox removed by its own job, which watches the run (jobs.py)."""
    with conn.transaction():
        status = _locked(conn, run_id)
        if status in ("finished", "cancelled"):
            raise Conflict(f"evaluation run {run_id} is already {status}")
        queries.set_run_status(conn, run_id, "cancelled")
        cancelled = queries.cancel_unfinished(conn, run_id)
        trail.record_by(conn, by, "evaluation.cancel", str(run_id), samples=len(cancelled))
    _dequeue(broker, cancelled)


def hold(conn: Connection, broker: redis.Redis, by: Actor, run_id: int) -> None:
    """No sample starts while held: waiting jobs leave the queue (their samples stay
    PENDING); samples already under way finish."""
    with conn.transaction():
        _move(conn, run_id, "running", "held")
        waiting = queries.pending_ids(conn, run_id)
        trail.record_by(conn, by, "evaluation.hold", str(run_id), pending=len(waiting))
    _dequeue(broker, waiting)


def resume(conn: Connection, broker: redis.Redis, by: Actor, run_id: int) -> None:
    with conn.transaction():
        _move(conn, run_id, "held", "running")
        waiting = queries.pending_ids(conn, run_id)
        queries.finish_if_done(conn, run_id)
        trail.record_by(conn, by, "evaluation.resume", str(run_id), pending=len(waiting))
    _enqueue(broker, waiting)


def retry_failed(conn: Connection, broker: redis.Redis, by: Actor, run_id: int) -> int:
    """ERROR samples run again (a model that timed out, Docker away); how many. A finished
    run is running again. FAILURE samples are verdicts and stay."""
    with conn.transaction():
        status = _locked(conn, run_id)
        if status == "cancelled":
            raise Conflict(f"evaluation run {run_id} is cancelled")
        retried = queries.retry_errors(conn, run_id)
        if retried and status == "finished":
            queries.set_run_status(conn, run_id, "running")
        trail.record_by(conn, by, "evaluation.retry_failed", str(run_id), samples=len(retried))
    if status != "held":
        _enqueue(broker, retried)
    return len(retried)


def _locked(conn: Connection, run_id: int) -> RunStatus:
    found = queries.lock_run(conn, run_id)
    if found is None:
        raise NotFound(f"no evaluation run {run_id}")
    status: RunStatus = found["status"]
    return status


def _move(conn: Connection, run_id: int, before: RunStatus, after: RunStatus) -> None:
    status = _locked(conn, run_id)
    if status != before:
        raise Conflict(f"evaluation run {run_id} is {status}, not {before}")
    queries.set_run_status(conn, run_id, after)


def _dequeue(broker: redis.Redis, sample_ids: list[int]) -> None:
    try:
        queue.cancel_samples(broker, sample_ids)
    except redis.RedisError as exc:  # their jobs find the samples no longer PENDING
        log.warning("evaluation jobs not taken off the queue: %s", exc)


def requeue_lost(conn: Connection, broker: redis.Redis, dead_after_s: float, grace_s: float) -> int:
    """The scheduler's part: samples of dead workers go back to PENDING (ERROR after
    MAX_ATTEMPTS), and PENDING samples of running runs are queued again in case Redis lost
    them (a waiting job makes it a no-op). How many were queued."""
    for row in queries.release_abandoned(conn, dead_after_s, MAX_ATTEMPTS):
        log.warning("evaluation sample %s lost its worker: now %s", row["id"], row["status"])
        queries.finish_if_done(conn, row["run_id"])
    return sum(
        queue.enqueue_sample(broker, row["id"]) for row in queries.lost_pending(conn, grace_s)
    )
