"""A run's leaderboard and paired comparisons (issue 11 item 4), from its stored samples:
statistics.py does the numbers, this module turns samples into its `Sample` values and
keeps finished runs' answers in a cache.

The cache key is statistics.cache_key over the run's subjects, its problem set's content
hash and every parameter the numbers depend on, the run's id and `finished_at` included:
retry-failed can make a finished run run again and finish with other numbers, and its new
`finished_at` then keys a new entry instead of serving the old table. Only a finished run
is cached; a running, held or cancelled one is computed afresh each time and says it is
partial (its samples may still change, or some never ended)."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from appliance.db import Connection, Row
from appliance.errors import Invalid, NotFound
from appliance.evaluations import queries, statistics
from appliance.evaluations.statistics import ModelSummary, Sample
from appliance.metrics import percentiles
from appliance.vocabulary import DIFFICULTIES, BreakdownBy, RunStatus

# Enough for stable 95% bounds; more only costs time (a table is models x groups x this).
MAX_RESAMPLES = 10_000


@dataclass(frozen=True)
class RunSamples:
    """What a run's tables are computed from. `subjects` are the manifest's (model
    versions as "name@number", baselines by name), whether or not they have samples yet."""

    run_id: int
    status: RunStatus
    finished_at: datetime | None
    subjects: tuple[str, ...]
    problem_set_hash: str
    samples: list[Sample]
    latencies: dict[str, list[float]]

    @property
    def partial(self) -> bool:
        return self.status != "finished"


@dataclass(frozen=True)
class Answer:
    """`result` is the JSON document as stored (or as it would be); `cached` says whether
    it was read from the cache."""

    result: dict[str, Any]
    cached: bool


# -- pure: rows to samples, samples to documents -------------------------------------------


def subject_key(row: Row) -> str:
    """A baseline by its name ("reference"), a model version by "name@number"."""
    return str(row["baseline"] or row["subject"])


def to_sample(row: Row) -> Sample:
    """An ended sample: ERROR has no score (statistics counts it as 0 and reports it);
    FAILURE scores 0 with nothing killed; SUCCESS has its score and its mutation score."""
    status = row["status"]
    success = status == "SUCCESS"
    return Sample(
        model=subject_key(row),
        problem=f"{row['problem']}@{row['problem_version']}",
        difficulty=row["difficulty"],
        tags=tuple(row["tags"]),
        index=row["sample_index"],
        score=None if status == "ERROR" else (row["score"] if success else 0),
        mutation_score=_mutation_score(row) if success else (None if status == "ERROR" else 0.0),
        golden_passed=success,
    )


def _mutation_score(row: Row) -> float:
    return float(row["killed_weight"]) / float(row["total_weight"])


def latencies(rows: Iterable[Row]) -> dict[str, list[float]]:
    """Each subject's request latencies; baselines ask no model, so they have none."""
    found: dict[str, list[float]] = {}
    for row in rows:
        if row["latency_ms"] is not None:
            found.setdefault(subject_key(row), []).append(float(row["latency_ms"]))
    return found


def p95_ms(run: RunSamples, subject: str) -> float | None:
    """The exact p95 of the subject's request latencies in the run; None without any."""
    return percentiles.exact(run.latencies.get(subject, [])).p95


def default_k(samples: Iterable[Sample]) -> int:
    """The largest best-of-k every subject's every problem has samples for: the run's
    samples per problem once it finished; 1 when nothing ended yet."""
    counts: dict[tuple[str, str], int] = {}
    for sample in samples:
        key = (sample.model, sample.problem)
        counts[key] = counts.get(key, 0) + 1
    return min(counts.values(), default=1)


def table(samples: Sequence[Sample], k: int, seed: int, resamples: int) -> dict[str, Any]:
    """The leaderboard's rows, then the same per difficulty and per tag."""
    rows = statistics.leaderboard(samples, k, seed, resamples)
    models = [row.model for row in rows]
    return {
        "rows": [_row(row) for row in rows],
        "by_difficulty": _groups(samples, models, "difficulty", k, seed, resamples),
        "by_tag": _groups(samples, models, "tag", k, seed, resamples),
    }


def comparison(
    samples: Sequence[Sample], a: str, b: str, seed: int, resamples: int
) -> dict[str, Any]:
    return dataclasses.asdict(statistics.paired(samples, a, b, seed, resamples))


def _groups(
    samples: Sequence[Sample],
    models: list[str],
    by: BreakdownBy,
    k: int,
    seed: int,
    resamples: int,
) -> list[dict[str, Any]]:
    """One entry per group (difficulties easiest first, tags by name), its rows ranked as
    the whole table's are. A list, not an object: JSON storage keeps a list's order."""
    per_model = {m: statistics.breakdown(samples, m, by, k, seed, resamples) for m in models}
    present = {name for groups in per_model.values() for name in groups}
    names = [d for d in DIFFICULTIES if d in present] if by == "difficulty" else sorted(present)
    return [
        {
            "name": name,
            "rows": [_row(s) for s in _ranked(g[name] for g in per_model.values() if name in g)],
        }
        for name in names
    ]


def _ranked(summaries: Iterable[ModelSummary]) -> list[ModelSummary]:
    # statistics.leaderboard's order: best mean, then the surer (higher lower bound), then name.
    return sorted(summaries, key=lambda s: (-s.mean_score.estimate, -s.mean_score.low, s.model))


def _row(summary: ModelSummary) -> dict[str, Any]:
    return dataclasses.asdict(summary)


# -- effects: the run's samples, the cache -------------------------------------------------


def load(conn: Connection, run_id: int) -> RunSamples:
    run = queries.run(conn, run_id)
    if run is None:
        raise NotFound(f"no evaluation run {run_id}")
    manifest = run["manifest"]
    rows = queries.judged_samples(conn, run_id)
    subjects = [f"{m['name']}@{m['version']}" for m in manifest["models"]]
    return RunSamples(
        run_id=run_id,
        status=run["status"],
        finished_at=run["finished_at"],
        subjects=(*subjects, *manifest["baselines"]),
        problem_set_hash=manifest["problem_set"]["content_hash"],
        samples=[to_sample(row) for row in rows],
        latencies=latencies(rows),
    )


def leaderboard(conn: Connection, run_id: int, k: int | None, seed: int, resamples: int) -> Answer:
    """The run's table; `k` None takes default_k. Invalid when k exceeds the samples of a
    problem (statistics says which)."""
    run = load(conn, run_id)
    chosen = default_k(run.samples) if k is None else k
    parameters = {"view": "leaderboard", "k": chosen, "seed": seed, "resamples": resamples}
    return _answer(conn, run, parameters, lambda: table(run.samples, chosen, seed, resamples))


def compare(conn: Connection, run_id: int, a: str, b: str, seed: int, resamples: int) -> Answer:
    """b against a on the problems both have (b minus a). NotFound when either is not a
    subject of the run."""
    run = load(conn, run_id)
    for subject in (a, b):
        check_subject(run, subject)
    if a == b:
        raise Invalid("compare two different subjects")
    parameters = {"view": "compare", "a": a, "b": b, "seed": seed, "resamples": resamples}
    return _answer(conn, run, parameters, lambda: comparison(run.samples, a, b, seed, resamples))


def check_subject(run: RunSamples, subject: str) -> None:
    if subject not in run.subjects:
        raise NotFound(
            f"{subject!r} is not a subject of evaluation run {run.run_id}; its subjects are "
            f"{', '.join(run.subjects)}"
        )


def _answer(
    conn: Connection,
    run: RunSamples,
    parameters: dict[str, Any],
    compute: Callable[[], dict[str, Any]],
) -> Answer:
    """The cached document of a finished run when there is one; else computed, and stored
    when the run is finished. A stored document is returned as read back, so the first
    answer and every later hit are the same JSON."""
    if run.partial:
        return Answer(_document(run, parameters, compute()), cached=False)
    key = _key(run, parameters)
    found = queries.cached_result(conn, key)
    if found is not None:
        return Answer(found["result"], cached=True)
    stored = queries.insert_cached_result(
        conn, key, run.run_id, _document(run, parameters, compute())
    )
    # None: a concurrent request stored this key first; its row is the answer.
    row = stored or queries.cached_result(conn, key)
    assert row is not None, "the key was stored by this request or a concurrent one"
    return Answer(row["result"], cached=stored is None)


def _document(run: RunSamples, parameters: dict[str, Any], body: dict[str, Any]) -> dict[str, Any]:
    head = {"run": run.run_id, "status": run.status, "partial": run.partial}
    shown = {name: value for name, value in parameters.items() if name != "view"}
    return head | {"problem_set_hash": run.problem_set_hash} | shown | body


def _key(run: RunSamples, parameters: dict[str, Any]) -> str:
    finished = run.finished_at.isoformat() if run.finished_at else None
    scope = {"run": run.run_id, "finished_at": finished}
    return statistics.cache_key(run.subjects, run.problem_set_hash, scope | parameters)
