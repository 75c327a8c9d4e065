"""The leaderboard's statistics (issue 11 item 4): hand-computed means, bootstrap intervals
over problems, best-of-k, breakdowns, paired comparisons, the order and the cache key."""

from __future__ import annotations

import random
from collections.abc import Sequence

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from appliance.errors import Invalid, NotFound
from appliance.evaluations.statistics import (
    Interval,
    Sample,
    breakdown,
    cache_key,
    leaderboard,
    paired,
    summarize,
)
from appliance.vocabulary import Difficulty

# Property checks: bounded and seeded, the same cases on every run.
PROPERTIES = settings(
    max_examples=60,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)
FEW = 300


def sample(
    problem: str,
    score: int | None,
    model: str = "m",
    index: int = 0,
    mutation: float | None = None,
    golden: bool | None = None,
    difficulty: Difficulty = "Easy",
    tags: tuple[str, ...] = (),
) -> Sample:
    """A sample whose mutation score and golden verdict follow from its score unless given."""
    if mutation is None and score is not None:
        mutation = max(0, score - 30) / 70
    if golden is None:
        golden = score is not None and score >= 30
    return Sample(model, problem, difficulty, tags, index, score, mutation, golden)


def problems(scores: Sequence[Sequence[int | None]], model: str = "m") -> list[Sample]:
    """Problem i gets the i-th list of scores, as samples 0, 1, ..."""
    return [
        sample(f"p{number:03}", score, model, index)
        for number, row in enumerate(scores)
        for index, score in enumerate(row)
    ]


def width(interval: Interval) -> float:
    return interval.high - interval.low


# ---- hand-computed values ----------------------------------------------------------------


def test_mean_score_averages_each_problems_mean_not_the_samples() -> None:
    # p000: (100 + 50) / 2 = 75; p001: 30. Over problems 52.5; over samples it would be 60.
    summary = summarize(problems([[100, 50], [30]]), "m", resamples=FEW)
    assert summary.mean_score.estimate == 52.5
    assert (summary.problems, summary.samples) == (2, 3)


def test_mutation_score_and_golden_pass_rate_are_means_over_problems() -> None:
    samples = [
        sample("a", 100, index=0, mutation=1.0, golden=True),
        sample("a", 0, index=1, mutation=0.0, golden=False),
        sample("b", 65, mutation=0.5, golden=True),
    ]
    summary = summarize(samples, "m", resamples=FEW)
    assert summary.mutation_score.estimate == pytest.approx((0.5 + 0.5) / 2)
    assert summary.golden_pass_rate.estimate == pytest.approx((0.5 + 1.0) / 2)


def test_an_errored_sample_counts_as_zero_and_in_the_error_rate() -> None:
    samples = [
        sample("a", 80, index=0, mutation=0.8, golden=True),
        sample("a", None, index=1, mutation=None, golden=False),
        sample("b", 60, mutation=0.4, golden=True),
        sample("c", 40, mutation=0.2, golden=True),
    ]
    summary = summarize(samples, "m", resamples=FEW)
    assert summary.mean_score.estimate == pytest.approx((40 + 60 + 40) / 3)
    assert summary.mutation_score.estimate == pytest.approx((0.4 + 0.4 + 0.2) / 3)
    assert summary.golden_pass_rate.estimate == pytest.approx((0.5 + 1 + 1) / 3)
    assert summary.error_rate == 0.25


def test_an_errored_sample_never_counts_as_a_golden_pass() -> None:
    errored = Sample("m", "a", "Easy", (), 0, None, None, golden_passed=True)
    summary = summarize([errored], "m", resamples=FEW)
    assert summary.golden_pass_rate.estimate == 0.0
    assert summary.mutation_score.estimate == 0.0


def test_best_of_k_is_the_expected_best_of_k_samples_drawn_from_all() -> None:
    # Scores 0, 50, 100: the best of two is 50, 100 or 100 over the three pairs.
    samples = problems([[0, 50, 100]])
    best = [summarize(samples, "m", k=k, resamples=FEW).best_of_k.estimate for k in (1, 2, 3)]
    assert best == [50.0, pytest.approx(250 / 3), 100.0]


def test_best_of_one_equals_the_mean_score() -> None:
    summary = summarize(problems([[10, 20, 95], [0, 7], [100]]), "m", k=1, resamples=FEW)
    assert summary.best_of_k == summary.mean_score


def test_two_problems_far_apart_give_the_whole_range() -> None:
    # Resampling {0, 100}: both 0 (1/4), one each (1/2), both 100 (1/4).
    summary = summarize(problems([[0], [100]]), "m", seed=3, resamples=2000)
    assert summary.mean_score == Interval(50.0, 0.0, 100.0)


def test_one_problem_gives_the_point_as_its_interval() -> None:
    summary = summarize(problems([[20, 80, 50]]), "m", k=2, resamples=FEW)
    assert summary.mean_score == Interval(50.0, 50.0, 50.0)
    assert summary.best_of_k.low == summary.best_of_k.high == summary.best_of_k.estimate


# ---- the bootstrap -----------------------------------------------------------------------


def spread(count: int, seed: int = 0) -> list[Sample]:
    rng = random.Random(seed)
    return problems([[rng.randint(0, 100), rng.randint(0, 100)] for _ in range(count)])


def test_intervals_shrink_with_more_problems() -> None:
    few = summarize(spread(6), "m", k=2, resamples=1000)
    many = summarize(spread(96), "m", k=2, resamples=1000)
    assert width(many.mean_score) < width(few.mean_score) / 2
    assert width(many.best_of_k) < width(few.best_of_k) / 2


def test_the_same_seed_reproduces_the_intervals_and_another_seed_moves_them() -> None:
    samples = spread(25)
    first = summarize(samples, "m", seed=7, resamples=500)
    assert summarize(samples, "m", seed=7, resamples=500) == first
    other = summarize(samples, "m", seed=8, resamples=500)
    assert other.mean_score.estimate == first.mean_score.estimate
    assert (other.mean_score.low, other.mean_score.high) != (
        first.mean_score.low,
        first.mean_score.high,
    )


def test_the_order_of_the_samples_does_not_change_a_summary() -> None:
    samples = spread(20)
    shuffled = samples[:]
    random.Random(1).shuffle(shuffled)
    assert summarize(shuffled, "m", k=2, resamples=FEW) == summarize(
        samples, "m", k=2, resamples=FEW
    )


def test_a_constant_score_has_no_spread() -> None:
    summary = summarize(problems([[70]] * 10), "m", resamples=FEW)
    assert summary.mean_score == Interval(70.0, 70.0, 70.0)


def test_at_least_one_resample_is_needed() -> None:
    with pytest.raises(Invalid, match="at least one resample"):
        summarize(spread(3), "m", resamples=0)


score_lists = st.lists(
    st.lists(st.one_of(st.none(), st.integers(0, 100)), min_size=1, max_size=4),
    min_size=1,
    max_size=12,
)


@PROPERTIES
@given(scores=score_lists, seed=st.integers(0, 2**32))
def test_every_interval_holds_its_estimate_within_the_problems_range(
    scores: list[list[int | None]], seed: int
) -> None:
    summary = summarize(problems(scores), "m", seed=seed, resamples=200)
    means = [sum(s or 0 for s in row) / len(row) for row in scores]
    for interval in (
        summary.mean_score,
        summary.mutation_score,
        summary.golden_pass_rate,
        summary.best_of_k,
    ):
        assert interval.low <= interval.estimate <= interval.high
    # A resample's mean lies between the smallest and largest problem (to a rounding).
    assert min(means) - 1e-9 <= summary.mean_score.low
    assert summary.mean_score.high <= max(means) + 1e-9
    assert 0 <= summary.golden_pass_rate.low <= summary.golden_pass_rate.high <= 1


@PROPERTIES
@given(scores=score_lists, seed=st.integers(0, 2**32))
def test_best_of_k_never_falls_below_the_mean_nor_as_k_grows(
    scores: list[list[int | None]], seed: int
) -> None:
    samples = problems(scores)
    mean = summarize(samples, "m", seed=seed, resamples=100).mean_score
    previous = mean
    for k in range(1, min(len(row) for row in scores) + 1):
        best = summarize(samples, "m", k=k, seed=seed, resamples=100).best_of_k
        assert best.estimate >= previous.estimate
        assert best.low >= previous.low
        assert best.high >= previous.high
        previous = best


# ---- refusals ----------------------------------------------------------------------------


def test_k_above_a_problems_samples_is_refused_naming_the_problem() -> None:
    samples = problems([[10, 20, 30], [40, 50]])
    with pytest.raises(Invalid, match=r"best-of-3 .* only 2 of problem 'p001'"):
        summarize(samples, "m", k=3)


def test_k_below_one_is_refused() -> None:
    with pytest.raises(Invalid, match="at least 1"):
        summarize(problems([[10]]), "m", k=0)


def test_a_model_without_samples_is_not_found() -> None:
    with pytest.raises(NotFound, match="'ghost'"):
        summarize(problems([[10]]), "ghost")


def test_duplicate_sample_indices_are_refused() -> None:
    with pytest.raises(ValueError, match="duplicate"):
        summarize([sample("a", 10), sample("a", 20)], "m")


def test_samples_that_disagree_on_a_problems_difficulty_are_refused() -> None:
    samples = [sample("a", 10, difficulty="Easy"), sample("a", 20, index=1, difficulty="Hard")]
    with pytest.raises(ValueError, match="disagree"):
        summarize(samples, "m")


@pytest.mark.parametrize(
    ("index", "score", "mutation"), [(-1, 10, 0.1), (0, 101, 0.1), (0, -1, 0.1), (0, 50, 1.5)]
)
def test_a_sample_out_of_range_is_refused(index: int, score: int, mutation: float) -> None:
    with pytest.raises(ValueError, match="never negative|lies between"):
        Sample("m", "a", "Easy", (), index, score, mutation, True)


# ---- breakdowns --------------------------------------------------------------------------


def test_breakdown_by_tag_counts_a_problem_with_several_tags_in_each() -> None:
    samples = [
        sample("a", 90, tags=("strings", "parsing")),
        sample("b", 30, tags=("parsing",)),
        sample("c", 60, tags=()),
    ]
    groups = breakdown(samples, "m", "tag", resamples=FEW)
    assert list(groups) == ["parsing", "strings"]
    assert groups["parsing"].problems == 2
    assert groups["parsing"].mean_score.estimate == 60.0
    assert groups["strings"].problems == 1
    assert groups["strings"].mean_score == Interval(90.0, 90.0, 90.0)


def test_breakdown_by_difficulty_lists_the_easiest_first_and_only_those_present() -> None:
    samples = [
        sample("h", 10, difficulty="Hard"),
        sample("e1", 80, difficulty="Easy"),
        sample("e2", 60, difficulty="Easy"),
    ]
    groups = breakdown(samples, "m", "difficulty", resamples=FEW)
    assert list(groups) == ["Easy", "Hard"]
    assert groups["Easy"].mean_score.estimate == 70.0
    assert groups["Hard"].mean_score.estimate == 10.0


def test_breakdown_of_a_model_without_samples_is_not_found() -> None:
    with pytest.raises(NotFound):
        breakdown(problems([[10]]), "ghost", "tag")


# ---- paired comparisons ------------------------------------------------------------------


def test_paired_difference_is_b_minus_a_over_shared_problems() -> None:
    samples = [
        *problems([[40, 60], [20], [90]], model="a"),
        *problems([[70], [20], [80]], model="b"),
    ]
    comparison = paired(samples, "a", "b", resamples=FEW)
    # Differences per problem: 70 - 50, 20 - 20, 80 - 90.
    assert comparison.difference.estimate == pytest.approx((20 + 0 - 10) / 3)
    assert (comparison.problems, comparison.wins, comparison.losses, comparison.ties) == (
        3,
        1,
        1,
        1,
    )


def test_paired_uses_only_the_problems_both_models_have() -> None:
    samples = [
        sample("shared", 40, model="a"),
        sample("only-a", 100, model="a"),
        sample("shared", 50, model="b"),
        sample("only-b", 0, model="b"),
    ]
    comparison = paired(samples, "a", "b", resamples=FEW)
    assert comparison.problems == 1
    assert comparison.difference == Interval(10.0, 10.0, 10.0)


def test_a_model_better_on_every_problem_has_a_paired_lower_bound_above_zero() -> None:
    rng = random.Random(5)
    base = [rng.randint(0, 80) for _ in range(12)]
    samples = [
        *problems([[score] for score in base], model="a"),
        *problems([[score + rng.randint(1, 20)] for score in base], model="b"),
    ]
    comparison = paired(samples, "a", "b", resamples=1000)
    assert comparison.difference.low > 0
    assert comparison.wins == 12


def test_a_tie_gives_a_paired_interval_straddling_zero() -> None:
    base = [30, 45, 60, 75, 50, 40, 65, 35, 55, 70]
    swings = [10, -10] * 5
    samples = [
        *problems([[score] for score in base], model="a"),
        *problems([[score + swing] for score, swing in zip(base, swings, strict=True)], model="b"),
    ]
    difference = paired(samples, "a", "b", resamples=1000).difference
    assert difference.estimate == 0.0
    assert difference.low < 0 < difference.high


def test_pairing_removes_the_spread_between_problems() -> None:
    # b is a + 5 everywhere: the problems vary widely, the difference not at all.
    base = [5, 90, 20, 80, 40, 60]
    samples = [
        *problems([[score] for score in base], model="a"),
        *problems([[score + 5] for score in base], model="b"),
    ]
    difference = paired(samples, "a", "b", resamples=FEW).difference
    assert difference == Interval(5.0, 5.0, 5.0)
    assert width(summarize(samples, "b", resamples=FEW).mean_score) > 20


def test_models_without_a_shared_problem_cannot_be_compared() -> None:
    samples = [sample("x", 10, model="a"), sample("y", 20, model="b")]
    with pytest.raises(Invalid, match="no problem in common"):
        paired(samples, "a", "b")


@PROPERTIES
@given(
    rows=st.lists(st.tuples(st.integers(0, 100), st.integers(0, 100)), min_size=1, max_size=15),
    seed=st.integers(0, 2**32),
)
def test_paired_difference_is_the_difference_of_means_and_its_mirror_flips_it(
    rows: list[tuple[int, int]], seed: int
) -> None:
    samples = [
        *problems([[a] for a, _ in rows], model="a"),
        *problems([[b] for _, b in rows], model="b"),
    ]
    forward = paired(samples, "a", "b", seed=seed, resamples=200)
    backward = paired(samples, "b", "a", seed=seed, resamples=200)
    means = {m: summarize(samples, m, resamples=1).mean_score.estimate for m in ("a", "b")}
    assert forward.difference.estimate == pytest.approx(means["b"] - means["a"])
    assert backward.difference.estimate == pytest.approx(-forward.difference.estimate)
    assert backward.difference.low == pytest.approx(-forward.difference.high)
    assert (forward.wins, forward.losses) == (backward.losses, backward.wins)
    assert forward.wins + forward.losses + forward.ties == len(rows)
    assert forward.difference.low <= forward.difference.estimate <= forward.difference.high


# ---- the leaderboard and its cache key ---------------------------------------------------


def test_leaderboard_orders_by_mean_then_lower_bound_then_name() -> None:
    samples = [
        *problems([[50], [50], [50], [50]], model="steady"),
        *problems([[0], [100], [0], [100]], model="erratic"),
        *problems([[50], [50], [50], [50]], model="also-steady"),
        *problems([[90], [80], [70], [60]], model="best"),
        *problems([[10], [10], [10], [10]], model="worst"),
    ]
    board = leaderboard(samples, resamples=FEW)
    assert [summary.model for summary in board] == [
        "best",
        "also-steady",
        "steady",
        "erratic",
        "worst",
    ]
    assert board[1].mean_score.estimate == board[3].mean_score.estimate == 50.0


def test_leaderboard_refuses_a_k_that_one_model_cannot_reach() -> None:
    samples = [*problems([[10, 20]], model="a"), *problems([[10]], model="b")]
    with pytest.raises(Invalid, match="'b'"):
        leaderboard(samples, k=2)


def test_baselines_rank_by_the_same_rules_as_models() -> None:
    samples = [
        *problems([[100], [100], [100]], model="reference"),
        *problems([[30], [44], [51]], model="examples"),
        *problems([[70], [None], [90]], model="endpoint-a@1"),
    ]
    board = leaderboard(samples, resamples=FEW)
    assert [s.model for s in board] == ["reference", "endpoint-a@1", "examples"]
    assert board[1].error_rate == pytest.approx(1 / 3)


PARAMETERS = {"k": 3, "seed": 11, "resamples": 2000, "difficulties": ["Hard"]}


def test_cache_key_is_a_stable_sha256_whatever_the_order_of_models_or_parameters() -> None:
    key = cache_key(["b@1", "a@2"], "f" * 64, PARAMETERS)
    assert len(key) == 64
    assert int(key, 16) >= 0
    reordered = dict(reversed(list(PARAMETERS.items())))
    assert cache_key(("a@2", "b@1", "a@2"), "f" * 64, reordered) == key


@pytest.mark.parametrize(
    ("models", "problem_set", "parameters"),
    [
        (["a@2"], "f" * 64, PARAMETERS),
        (["b@1", "a@3"], "f" * 64, PARAMETERS),
        (["b@1", "a@2"], "e" * 64, PARAMETERS),
        (["b@1", "a@2"], "f" * 64, {**PARAMETERS, "seed": 12}),
        (["b@1", "a@2"], "f" * 64, {**PARAMETERS, "difficulties": ["Easy"]}),
    ],
)
def test_cache_key_changes_with_any_input(
    models: list[str], problem_set: str, parameters: dict[str, object]
) -> None:
    assert cache_key(models, problem_set, parameters) != cache_key(
        ["b@1", "a@2"], "f" * 64, PARAMETERS
    )


def test_cache_key_refuses_one_string_for_the_models() -> None:
    with pytest.raises(TypeError, match="not one string"):
        cache_key("a@1", "f" * 64, {})


def test_cache_key_refuses_parameters_json_cannot_hold() -> None:
    with pytest.raises(TypeError):
        cache_key(["a@1"], "f" * 64, {"when": object()})
