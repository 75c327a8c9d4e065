"""SQL of evaluation runs and their samples (migrations/0011_evaluations.sql)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from psycopg.types.json import Jsonb

from appliance.db import Connection, Row
from appliance.vocabulary import RunStatus, SampleStatus

RUN_COLUMNS = (
    "r.id, r.samples, r.seed, r.manifest, r.status, r.rerun_of, r.created_at, r.finished_at,"
    " r.created_by AS created_by_id, u.name AS created_by, s.name AS problem_set"
)
SAMPLE_COLUMNS = (
    "e.id, e.run_id, e.subject, e.model_version_id, e.baseline, e.version_id,"
    " p.slug AS problem, v.number AS problem_version, v.difficulty, v.tags, e.sample_index,"
    " e.seed, e.status,"
    " e.reason, e.error, e.attempts, e.submission_id, e.prompt, e.response, e.suite, e.score,"
    " e.killed_weight, e.total_weight, e.killed_count, e.total_count, e.latency_ms,"
    " e.prompt_tokens, e.completion_tokens, e.started_at, e.finished_at, e.duration_ms"
)
_SAMPLE_FROM = (
    " FROM evaluation_samples e JOIN problem_versions v ON v.id = e.version_id"
    " JOIN problems p ON p.id = v.problem_id"
)
_RUN_FROM = (
    " FROM evaluation_runs r JOIN users u ON u.id = r.created_by"
    " JOIN problem_sets s ON s.id = r.set_id"
)


def model_version(conn: Connection, name: str, number: int | None) -> Row | None:
    """An endpoint's version (its current one when `number` is None), as a manifest names it."""
    return conn.execute(
        "SELECT v.id, e.name, v.number, v.base_url, v.model, v.sampling, v.content_hash"
        " FROM model_endpoints e JOIN model_versions v ON v.endpoint_id = e.id"
        " WHERE e.name = %(name)s AND CASE WHEN %(number)s::integer IS NULL"
        " THEN v.id = e.current_version_id ELSE v.number = %(number)s END",
        {"name": name, "number": number},
    ).fetchone()


def model_request(conn: Connection, version_id: int) -> Row | None:
    """What a request to a model version needs, its sealed key included."""
    return conn.execute(
        "SELECT v.id, e.name, v.number, v.base_url, v.model, v.api_key_encrypted, v.sampling,"
        " v.prompt_template FROM model_versions v JOIN model_endpoints e ON e.id = v.endpoint_id"
        " WHERE v.id = %s",
        (version_id,),
    ).fetchone()


def judge_image_ids(conn: Connection, dead_after_s: float) -> list[str]:
    """The judge image ids the live workers report, one each."""
    rows = conn.execute(
        "SELECT DISTINCT judge_image_id FROM workers WHERE judge_image_id IS NOT NULL"
        " AND heartbeat_at > now() - make_interval(secs => %s) ORDER BY judge_image_id",
        (dead_after_s,),
    ).fetchall()
    return [row["judge_image_id"] for row in rows]


def live_worker_count(conn: Connection, dead_after_s: float) -> int:
    row = conn.execute(
        "SELECT count(*) AS n FROM workers WHERE heartbeat_at > now() - make_interval(secs => %s)",
        (dead_after_s,),
    ).fetchone()
    return int(row["n"]) if row else 0


def insert_run(
    conn: Connection,
    set_id: int,
    samples: int,
    seed: int,
    manifest: dict[str, Any],
    created_by: int,
    rerun_of: int | None,
) -> int:
    row = conn.execute(
        "INSERT INTO evaluation_runs (set_id, samples, seed, manifest, created_by, rerun_of)"
        " VALUES (%s, %s, %s, %s, %s, %s) RETURNING id",
        (set_id, samples, seed, Jsonb(manifest), created_by, rerun_of),
    ).fetchone()
    assert row is not None
    return int(row["id"])


def insert_samples(conn: Connection, rows: Sequence[dict[str, Any]]) -> list[int]:
    """Each row: run_id, model_version_id, baseline, subject, version_id, sample_index, seed."""
    with conn.cursor() as cur:
        cur.executemany(
            "INSERT INTO evaluation_samples (run_id, model_version_id, baseline, subject,"
            " version_id, sample_index, seed) VALUES (%(run_id)s, %(model_version_id)s,"
            " %(baseline)s, %(subject)s, %(version_id)s, %(sample_index)s, %(seed)s)"
            " RETURNING id",
            rows,
            returning=True,
        )
        ids = []
        while True:
            found = cur.fetchone()
            assert found is not None
            ids.append(int(found["id"]))
            if not cur.nextset():
                return ids


def run(conn: Connection, run_id: int) -> Row | None:
    return conn.execute(f"SELECT {RUN_COLUMNS}{_RUN_FROM} WHERE r.id = %s", (run_id,)).fetchone()


def runs(conn: Connection, limit: int, offset: int) -> list[Row]:
    return conn.execute(
        f"SELECT {RUN_COLUMNS}{_RUN_FROM} ORDER BY r.created_at DESC, r.id DESC LIMIT %s OFFSET %s",
        (limit, offset),
    ).fetchall()


def count_runs(conn: Connection) -> int:
    row = conn.execute("SELECT count(*) AS n FROM evaluation_runs").fetchone()
    return int(row["n"]) if row else 0


def lock_run(conn: Connection, run_id: int) -> Row | None:
    """The run's status, locked until the transaction ends: its moves happen one at a time."""
    return conn.execute(
        "SELECT id, status FROM evaluation_runs WHERE id = %s FOR UPDATE", (run_id,)
    ).fetchone()


def set_run_status(conn: Connection, run_id: int, status: RunStatus) -> None:
    conn.execute(
        "UPDATE evaluation_runs SET status = %(status)s, finished_at = CASE WHEN %(status)s"
        " IN ('finished', 'cancelled') THEN now() END WHERE id = %(id)s",
        {"status": status, "id": run_id},
    )


def finish_if_done(conn: Connection, run_id: int) -> None:
    """A running run whose every sample ended is finished."""
    conn.execute(
        "UPDATE evaluation_runs r SET status = 'finished', finished_at = now()"
        " WHERE r.id = %s AND r.status = 'running' AND NOT EXISTS (SELECT 1"
        " FROM evaluation_samples e WHERE e.run_id = r.id AND e.status IN ('PENDING', 'RUNNING'))",
        (run_id,),
    )


def run_status(conn: Connection, run_id: int) -> RunStatus | None:
    row = conn.execute("SELECT status FROM evaluation_runs WHERE id = %s", (run_id,)).fetchone()
    return row["status"] if row else None


def cancel_unfinished(conn: Connection, run_id: int) -> list[int]:
    """PENDING and RUNNING samples end CANCELLED; a running job then finds its claim gone."""
    rows = conn.execute(
        "UPDATE evaluation_samples SET status = 'CANCELLED', claimed_by = NULL,"
        " finished_at = now() WHERE run_id = %s AND status IN ('PENDING', 'RUNNING')"
        " RETURNING id",
        (run_id,),
    ).fetchall()
    return [row["id"] for row in rows]


def pending_ids(conn: Connection, run_id: int) -> list[int]:
    rows = conn.execute(
        "SELECT id FROM evaluation_samples WHERE run_id = %s AND status = 'PENDING' ORDER BY id",
        (run_id,),
    ).fetchall()
    return [row["id"] for row in rows]


def retry_errors(conn: Connection, run_id: int) -> list[int]:
    """ERROR samples (the model or the appliance failed them) are PENDING again, their
    evidence cleared. A FAILURE is a verdict on the model's suite: it is not retried."""
    rows = conn.execute(
        "UPDATE evaluation_samples SET status = 'PENDING', reason = NULL, error = NULL,"
        " claimed_by = NULL, submission_id = NULL, prompt = NULL, response = NULL, suite = NULL,"
        " score = NULL, killed_weight = NULL, total_weight = NULL, killed_count = NULL,"
        " total_count = NULL, latency_ms = NULL, prompt_tokens = NULL, completion_tokens = NULL,"
        " started_at = NULL, finished_at = NULL, duration_ms = NULL"
        " WHERE run_id = %s AND status = 'ERROR' RETURNING id",
        (run_id,),
    ).fetchall()
    return [row["id"] for row in rows]


_PROGRESS_COLUMNS = (
    "count(*) AS total,"
    " count(*) FILTER (WHERE status = 'PENDING') AS pending,"
    " count(*) FILTER (WHERE status = 'RUNNING') AS running,"
    " count(*) FILTER (WHERE status = 'SUCCESS') AS success,"
    " count(*) FILTER (WHERE status = 'FAILURE') AS failure,"
    " count(*) FILTER (WHERE status = 'ERROR') AS error,"
    " count(*) FILTER (WHERE status = 'CANCELLED') AS cancelled,"
    " avg(duration_ms) FILTER (WHERE status IN ('SUCCESS', 'FAILURE', 'ERROR'))"
    "  AS mean_duration_ms"
)


def progress(conn: Connection, run_id: int) -> Row:
    """Samples per status, and the mean duration of those that ended by a judge or a model."""
    row = conn.execute(
        "SELECT " + _PROGRESS_COLUMNS + " FROM evaluation_samples WHERE run_id = %s",
        (run_id,),
    ).fetchone()
    assert row is not None
    return row


def progress_of_runs(conn: Connection, run_ids: list[int]) -> dict[int, Row]:
    """progress() of each run in one query; a run without samples is absent."""
    rows = conn.execute(
        "SELECT run_id, " + _PROGRESS_COLUMNS + " FROM evaluation_samples"
        " WHERE run_id = ANY(%s) GROUP BY run_id",
        (run_ids,),
    ).fetchall()
    return {int(row["run_id"]): row for row in rows}


def claim(conn: Connection, sample_id: int, worker: str) -> Row | None:
    """PENDING -> RUNNING for one worker, only while its run is running; None otherwise."""
    return conn.execute(
        "UPDATE evaluation_samples e SET status = 'RUNNING', claimed_by = %s,"
        " attempts = attempts + 1, started_at = now() FROM evaluation_runs r"
        " WHERE e.id = %s AND e.status = 'PENDING' AND r.id = e.run_id AND r.status = 'running'"
        " RETURNING e.id, e.run_id, e.model_version_id, e.baseline, e.version_id, e.seed,"
        " r.created_by",
        (worker, sample_id),
    ).fetchone()


def record_submission(conn: Connection, sample_id: int, worker: str, submission_id: str) -> None:
    conn.execute(
        "UPDATE evaluation_samples SET submission_id = %s WHERE id = %s AND claimed_by = %s",
        (submission_id, sample_id, worker),
    )


def finish(conn: Connection, sample_id: int, worker: str, fields: dict[str, Any]) -> Row | None:
    """RUNNING -> its end with its evidence, only if this worker still holds the claim (a
    cancel took it away)."""
    return conn.execute(
        "UPDATE evaluation_samples SET status = %(status)s, reason = %(reason)s,"
        " error = %(error)s, prompt = %(prompt)s, response = %(response)s, suite = %(suite)s,"
        " score = %(score)s, killed_weight = %(killed_weight)s, total_weight = %(total_weight)s,"
        " killed_count = %(killed_count)s, total_count = %(total_count)s,"
        " latency_ms = %(latency_ms)s, prompt_tokens = %(prompt_tokens)s,"
        " completion_tokens = %(completion_tokens)s, finished_at = now(),"
        " duration_ms = (extract(epoch FROM now() - started_at) * 1000)::integer,"
        " claimed_by = NULL WHERE id = %(id)s AND status = 'RUNNING' AND claimed_by = %(worker)s"
        " RETURNING id",
        {**fields, "id": sample_id, "worker": worker},
    ).fetchone()


def insert_model_submission(
    conn: Connection, user_id: int, version_id: int, code: str, code_sha256: str
) -> str:
    """A model's suite as a PENDING submission (source 'model'), judged by the same job."""
    row = conn.execute(
        "INSERT INTO submissions (user_id, version_id, code, code_sha256, source)"
        " VALUES (%s, %s, %s, %s, 'model') RETURNING id",
        (user_id, version_id, code, code_sha256),
    ).fetchone()
    assert row is not None
    return str(row["id"])


def count_samples(conn: Connection, run_id: int) -> int:
    row = conn.execute(
        "SELECT count(*) AS n FROM evaluation_samples WHERE run_id = %s", (run_id,)
    ).fetchone()
    return int(row["n"]) if row else 0


def samples(conn: Connection, run_id: int, limit: int | None, offset: int) -> list[Row]:
    """In a stable order: subject, problem, sample index."""
    return conn.execute(
        f"SELECT {SAMPLE_COLUMNS}{_SAMPLE_FROM} WHERE e.run_id = %s"
        " ORDER BY e.subject, p.slug, e.sample_index LIMIT %s OFFSET %s",
        (run_id, limit, offset),
    ).fetchall()


# What the evidence browser lists: no prompt, response or suite (the long texts are read
# one sample at a time, when it is opened).
SAMPLE_LISTING_COLUMNS = (
    "e.id, e.subject, e.baseline, p.slug AS problem, v.number AS problem_version,"
    " e.sample_index, e.status, e.score, e.latency_ms, e.prompt_tokens, e.completion_tokens"
)
_SAMPLE_ORDER = " ORDER BY e.subject, p.slug, e.sample_index, e.id"


@dataclass(frozen=True)
class SampleFilter:
    """Which of a run's samples to list; None matches every value. `subject` is the key
    the leaderboard uses: "name@number" for a model version, the baseline's own name."""

    subject: str | None = None
    problem: str | None = None  # a problem's slug
    status: SampleStatus | None = None


def _listing_where(run_id: int, wanted: SampleFilter) -> tuple[str, dict[str, Any]]:
    """Only the conditions asked for, so that each query is planned for what it filters."""
    clauses = [" WHERE e.run_id = %(run)s"]
    if wanted.subject is not None:
        # A baseline's subject is stored as "baseline:<name>" and a model version's has an
        # "@", so the two never meet; comparing the column itself keeps UNIQUE (run_id,
        # subject, ...) usable.
        clauses.append("e.subject IN (%(subject)s, 'baseline:' || %(subject)s)")
    if wanted.problem is not None:
        clauses.append("p.slug = %(problem)s")
    if wanted.status is not None:
        clauses.append("e.status = %(status)s")
    values = {
        "run": run_id,
        "subject": wanted.subject,
        "problem": wanted.problem,
        "status": wanted.status,
    }
    return " AND ".join(clauses), values


def sample_listing(
    conn: Connection, run_id: int, wanted: SampleFilter, limit: int, offset: int
) -> list[Row]:
    """A page of the run's samples that match, without their texts, in the order of
    samples()."""
    where, values = _listing_where(run_id, wanted)
    return conn.execute(
        f"SELECT {SAMPLE_LISTING_COLUMNS}{_SAMPLE_FROM}{where}{_SAMPLE_ORDER}"
        " LIMIT %(limit)s OFFSET %(offset)s",
        {**values, "limit": limit, "offset": offset},
    ).fetchall()


def count_sample_listing(conn: Connection, run_id: int, wanted: SampleFilter) -> int:
    where, values = _listing_where(run_id, wanted)
    row = conn.execute(f"SELECT count(*) AS n{_SAMPLE_FROM}{where}", values).fetchone()
    return int(row["n"]) if row else 0


def sample(conn: Connection, run_id: int, sample_id: int) -> Row | None:
    """One sample with its texts; None unless it is a sample of that run."""
    return conn.execute(
        f"SELECT {SAMPLE_COLUMNS}{_SAMPLE_FROM} WHERE e.id = %s AND e.run_id = %s",
        (sample_id, run_id),
    ).fetchone()


def verdicts(conn: Connection, submission_ids: list[str]) -> list[Row]:
    """The stored per-variant verdicts of the samples' submissions, in run order."""
    return conn.execute(
        "SELECT submission_id::text AS submission_id, position, name, kind, verdict,"
        " duration_ms FROM variant_results WHERE submission_id = ANY (%s::uuid[])"
        " ORDER BY submission_id, position",
        (submission_ids,),
    ).fetchall()


def lost_pending(conn: Connection, older_than_s: float) -> list[Row]:
    """PENDING samples of running runs, waiting longer than `older_than_s` since their run
    began or they were last released: Redis may have lost their job."""
    return conn.execute(
        "SELECT e.id FROM evaluation_samples e JOIN evaluation_runs r ON r.id = e.run_id"
        " WHERE e.status = 'PENDING' AND r.status = 'running'"
        " AND coalesce(e.started_at, r.created_at) < now() - make_interval(secs => %s)"
        " ORDER BY e.id",
        (older_than_s,),
    ).fetchall()


def release_abandoned(conn: Connection, dead_after_s: float, max_attempts: int) -> list[Row]:
    """RUNNING samples whose worker stopped beating go back to PENDING while they have tries
    left, and end as ERROR after that."""
    return conn.execute(
        "UPDATE evaluation_samples e SET claimed_by = NULL,"
        " status = CASE WHEN e.attempts < %(max)s THEN 'PENDING' ELSE 'ERROR' END,"
        " error = CASE WHEN e.attempts < %(max)s THEN NULL"
        "  ELSE 'its worker stopped ' || e.attempts || ' times' END,"
        " finished_at = CASE WHEN e.attempts < %(max)s THEN NULL ELSE now() END"
        " WHERE e.status = 'RUNNING' AND NOT EXISTS (SELECT 1 FROM workers w"
        "  WHERE w.name = e.claimed_by AND w.heartbeat_at > now() - make_interval(secs => %(dead)s))"
        " RETURNING e.id, e.run_id, e.status",
        {"dead": dead_after_s, "max": max_attempts},
    ).fetchall()


def judged_samples(conn: Connection, run_id: int) -> list[Row]:
    """The run's ended samples (judged, failed or errored; not pending, running or
    cancelled), with only what the leaderboard reads, by subject, problem and index."""
    return conn.execute(
        "SELECT e.subject, e.baseline, p.slug AS problem, v.number AS problem_version,"
        " v.difficulty, v.tags, e.sample_index, e.status, e.score, e.killed_weight,"
        " e.total_weight, e.latency_ms" + _SAMPLE_FROM + " WHERE e.run_id = %s"
        " AND e.status IN ('SUCCESS', 'FAILURE', 'ERROR')"
        " ORDER BY e.subject, p.slug, v.number, e.sample_index",
        (run_id,),
    ).fetchall()


def cached_result(conn: Connection, cache_key: str) -> Row | None:
    return conn.execute(
        "SELECT result, created_at FROM leaderboard_cache WHERE cache_key = %s", (cache_key,)
    ).fetchone()


def insert_cached_result(
    conn: Connection, cache_key: str, run_id: int, result: dict[str, Any]
) -> Row | None:
    """None when another request stored the same key first (its row is then the answer)."""
    return conn.execute(
        "INSERT INTO leaderboard_cache (cache_key, run_id, result) VALUES (%s, %s, %s)"
        " ON CONFLICT (cache_key) DO NOTHING RETURNING result, created_at",
        (cache_key, run_id, Jsonb(result)),
    ).fetchone()
