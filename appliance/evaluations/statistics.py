"""The leaderboard's statistics (issue 11 item 4): per model the mean score, mutation
score, golden pass rate and best-of-k, each with a 95% bootstrap interval, per difficulty
and tag, and a paired comparison of two models on the same problems. Pure: samples in,
summaries out; randomness only from a seeded `random.Random`, so a seed reproduces a table.

The unit of evidence is the problem, not the sample: several samples of one problem are
not independent (same statement, same mutants), so the interval resamples problems with
replacement (a cluster bootstrap) and a problem's value is the mean over its samples.
With a single problem every resample is that problem: the interval is the point itself,
which says there is no spread to measure, not that the estimate is exact.

An errored sample (score None: no suite was judged, whoever was at fault) counts as 0
points, 0.0 mutation score and a golden failure, and is also reported as `error_rate`.
Leaving errors out would reward a model for failing on exactly the problems it finds
hard (a slow model timing out on the hard ones); retry-failed exists to re-run the
errors that were the appliance's fault before a table is trusted.
"""

from __future__ import annotations

import hashlib
import json
import math
import random
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

from appliance.errors import Invalid, NotFound
from appliance.vocabulary import DIFFICULTIES, BreakdownBy, Difficulty

DEFAULT_RESAMPLES = 2000
# The two tails left outside a 95% interval.
TAIL = 0.025
# Part of every cache key: bump it when a number below would come out differently, so a
# cached leaderboard computed the old way is never served as the new one.
STATISTICS_VERSION = 1


@dataclass(frozen=True)
class Sample:
    """One judged suite: `model` is a model version key or a baseline name, `problem` a
    problem version key, `index` the sample's number within (model, problem)."""

    model: str
    problem: str
    difficulty: Difficulty
    tags: tuple[str, ...]
    index: int
    score: int | None
    mutation_score: float | None
    golden_passed: bool

    def __post_init__(self) -> None:
        if self.index < 0:
            raise ValueError(f"a sample's index is never negative: {self.index}")
        if self.score is not None and not 0 <= self.score <= 100:
            raise ValueError(f"a score lies between 0 and 100: {self.score}")
        if self.mutation_score is not None and not 0.0 <= self.mutation_score <= 1.0:
            raise ValueError(f"a mutation score lies between 0 and 1: {self.mutation_score}")

    @property
    def errored(self) -> bool:
        return self.score is None

    @property
    def points(self) -> int:
        return 0 if self.score is None else self.score

    @property
    def killed(self) -> float:
        return 0.0 if self.score is None or self.mutation_score is None else self.mutation_score

    @property
    def golden(self) -> float:
        return 1.0 if self.golden_passed and self.score is not None else 0.0


@dataclass(frozen=True)
class Interval:
    """A point estimate with its 95% percentile bootstrap interval (low <= high)."""

    estimate: float
    low: float
    high: float


@dataclass(frozen=True)
class ModelSummary:
    """Scores are in points (0-100); mutation score and rates are fractions (0-1).
    `error_rate` is over samples, the intervals over problems."""

    model: str
    problems: int
    samples: int
    mean_score: Interval
    mutation_score: Interval
    golden_pass_rate: Interval
    best_of_k: Interval
    error_rate: float
    k: int


@dataclass(frozen=True)
class PairedComparison:
    """`difference` is b's mean score minus a's over the problems both have; `wins` counts
    the problems where b's mean is higher, `losses` where it is lower."""

    a: str
    b: str
    problems: int
    difference: Interval
    wins: int
    losses: int
    ties: int


Problem = list[Sample]
Draws = list[list[int]]


def summarize(
    samples: Iterable[Sample],
    model: str,
    k: int = 1,
    seed: int = 0,
    resamples: int = DEFAULT_RESAMPLES,
) -> ModelSummary:
    """The model's summary over every problem it has samples of. NotFound when it has
    none; Invalid when k is below 1 or above the samples of one of its problems."""
    problems = _problems_of(samples, model)
    if not problems:
        raise NotFound(f"no samples of model {model!r}")
    return _summary(model, problems, k, _draws(len(problems), seed, resamples))


def breakdown(
    samples: Iterable[Sample],
    model: str,
    by: BreakdownBy,
    k: int = 1,
    seed: int = 0,
    resamples: int = DEFAULT_RESAMPLES,
) -> dict[str, ModelSummary]:
    """The model's summary per difficulty (easiest first) or per tag (by name), only for
    the groups it has samples in. A problem with several tags counts in each of them."""
    problems = _problems_of(samples, model)
    if not problems:
        raise NotFound(f"no samples of model {model!r}")
    groups = _by_difficulty(problems) if by == "difficulty" else _by_tag(problems)
    return {
        name: _summary(model, group, k, _draws(len(group), seed, resamples))
        for name, group in groups.items()
    }


def paired(
    samples: Iterable[Sample],
    a: str,
    b: str,
    seed: int = 0,
    resamples: int = DEFAULT_RESAMPLES,
) -> PairedComparison:
    """b against a on the problems both have: the mean of the per-problem differences of
    mean scores, its interval from resampling those problems (each keeps its pair)."""
    collected = list(samples)
    of_a, of_b = _by_key(_problems_of(collected, a)), _by_key(_problems_of(collected, b))
    shared = sorted(of_a.keys() & of_b.keys())
    if not shared:
        raise Invalid(f"models {a!r} and {b!r} have no problem in common to compare on")
    differences = [_mean_points(of_b[key]) - _mean_points(of_a[key]) for key in shared]
    draws = _draws(len(shared), seed, resamples)
    return PairedComparison(
        a=a,
        b=b,
        problems=len(shared),
        difference=_interval(differences, draws),
        wins=sum(1 for d in differences if d > 0),
        losses=sum(1 for d in differences if d < 0),
        ties=sum(1 for d in differences if d == 0),
    )


def leaderboard(
    samples: Iterable[Sample],
    k: int = 1,
    seed: int = 0,
    resamples: int = DEFAULT_RESAMPLES,
) -> list[ModelSummary]:
    """Every model's summary, best mean score first; ties go to the higher lower bound
    (the surer model), then to the name, so the order never depends on the input's."""
    collected = list(samples)
    models = sorted({sample.model for sample in collected})
    summaries = [summarize(collected, model, k, seed, resamples) for model in models]
    return sorted(summaries, key=lambda s: (-s.mean_score.estimate, -s.mean_score.low, s.model))


def cache_key(
    model_versions: Sequence[str], problem_set_hash: str, parameters: Mapping[str, object]
) -> str:
    """SHA-256 over a canonical JSON of what a leaderboard depends on: the models (as a
    set: the table orders them itself), the problem set's content hash and the parameters
    (k, seed, resamples, filters: anything JSON can hold; TypeError otherwise)."""
    if isinstance(model_versions, str):
        raise TypeError("model_versions is a sequence of keys, not one string")
    canonical = json.dumps(
        {
            "statistics": STATISTICS_VERSION,
            "models": sorted(set(model_versions)),
            "problem_set": problem_set_hash,
            "parameters": dict(parameters),
        },
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=True,
        allow_nan=False,
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


def _summary(model: str, problems: list[Problem], k: int, draws: Draws) -> ModelSummary:
    _check_k(model, problems, k)
    samples = [sample for problem in problems for sample in problem]

    def interval(value: Callable[[Problem], float]) -> Interval:
        return _interval([value(problem) for problem in problems], draws)

    return ModelSummary(
        model=model,
        problems=len(problems),
        samples=len(samples),
        mean_score=interval(_mean_points),
        mutation_score=interval(lambda problem: _mean(s.killed for s in problem)),
        golden_pass_rate=interval(lambda problem: _mean(s.golden for s in problem)),
        best_of_k=interval(lambda problem: _best_of(problem, k)),
        error_rate=sum(1 for s in samples if s.errored) / len(samples),
        k=k,
    )


def _best_of(problem: Problem, k: int) -> float:
    """The expected best score among k of the problem's n samples drawn without
    replacement: with scores sorted ascending, the i-th (1-based) is the best of a k-subset
    in C(i-1, k-1) of the C(n, k) subsets. Unlike the best of the first k, it uses every
    sample, equals the mean for k = 1 and never falls as k grows (the estimator of pass@k
    in Chen et al. 2021, for a score instead of a pass). Exact integers until the division,
    so those two properties hold to the last bit."""
    ordered = sorted(sample.points for sample in problem)
    weighted = sum(score * math.comb(i, k - 1) for i, score in enumerate(ordered))
    return weighted / math.comb(len(ordered), k)


def _mean_points(problem: Problem) -> float:
    # Integer sum, one rounding: so k = 1 best-of equals this to the last bit.
    return sum(sample.points for sample in problem) / len(problem)


def _mean(values: Iterable[float]) -> float:
    collected = list(values)
    return math.fsum(collected) / len(collected)


def _interval(values: list[float], draws: Draws) -> Interval:
    means = sorted(_mean(values[i] for i in draw) for draw in draws)
    return Interval(_mean(values), _percentile(means, TAIL), _percentile(means, 1 - TAIL))


def _percentile(ordered: list[float], q: float) -> float:
    """Linear interpolation between the two nearest ranks (numpy's default)."""
    position = q * (len(ordered) - 1)
    below = math.floor(position)
    above = min(below + 1, len(ordered) - 1)
    fraction = position - below
    return ordered[below] + (ordered[above] - ordered[below]) * fraction


def _draws(problems: int, seed: int, resamples: int) -> Draws:
    """The resamples, as problem indices: drawn once and shared by every statistic of a
    summary, so its intervals describe the same imagined problem sets."""
    if resamples < 1:
        raise Invalid(f"the bootstrap needs at least one resample, not {resamples}")
    # Statistics, not secrets: a seeded generator is the point (a seed reproduces a table).
    rng = random.Random(seed)  # noqa: S311
    population = range(problems)
    return [rng.choices(population, k=problems) for _ in range(resamples)]


def _check_k(model: str, problems: list[Problem], k: int) -> None:
    if k < 1:
        raise Invalid(f"best-of-k needs k of at least 1, not {k}")
    fewest = min(problems, key=len)
    if k > len(fewest):
        raise Invalid(
            f"best-of-{k} needs {k} samples of every problem; model {model!r} has only "
            f"{len(fewest)} of problem {fewest[0].problem!r}"
        )


def _problems_of(samples: Iterable[Sample], model: str) -> list[Problem]:
    """The model's samples grouped by problem, in problem key order (so the input's order
    never changes an interval), each group in index order."""
    grouped: dict[str, Problem] = {}
    for sample in samples:
        if sample.model == model:
            grouped.setdefault(sample.problem, []).append(sample)
    problems = [sorted(grouped[key], key=lambda s: s.index) for key in sorted(grouped)]
    for problem in problems:
        _check_coherent(problem)
    return problems


def _check_coherent(problem: Problem) -> None:
    first = problem[0]
    indices = [sample.index for sample in problem]
    if len(set(indices)) != len(indices):
        raise ValueError(f"duplicate sample indices for {first.model!r} on {first.problem!r}")
    if any((s.difficulty, set(s.tags)) != (first.difficulty, set(first.tags)) for s in problem):
        raise ValueError(f"samples of {first.problem!r} disagree on its difficulty or tags")


def _by_key(problems: list[Problem]) -> dict[str, Problem]:
    return {problem[0].problem: problem for problem in problems}


def _by_difficulty(problems: list[Problem]) -> dict[str, list[Problem]]:
    return {
        difficulty: group
        for difficulty in DIFFICULTIES
        if (group := [p for p in problems if p[0].difficulty == difficulty])
    }


def _by_tag(problems: list[Problem]) -> dict[str, list[Problem]]:
    tags = sorted({tag for problem in problems for tag in problem[0].tags})
    return {tag: [p for p in problems if tag in p[0].tags] for tag in tags}
