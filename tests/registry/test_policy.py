"""The promotion policy (issue 11 item 6): promote, refuse for each rule on its own with the
numbers in the reason, the first champion, and every check listed in every decision."""

from __future__ import annotations

from dataclasses import replace

import pytest

from appliance.errors import Invalid
from appliance.evaluations.statistics import (
    Interval,
    ModelSummary,
    PairedComparison,
    Sample,
    paired,
    summarize,
)
from appliance.registry.policy import Decision, Evidence, Policy, decide

POLICY = Policy(margin=5.0, max_p95_ms=2000.0)
CHECKS = ("same items", "margin", "lower bound", "golden pass rate", "latency")


def summary(model: str, mean: float, golden: float = 0.9, problems: int = 20) -> ModelSummary:
    def point(value: float) -> Interval:
        return Interval(value, value - 3, value + 3)

    return ModelSummary(
        model=model,
        problems=problems,
        samples=problems * 3,
        mean_score=point(mean),
        mutation_score=point(mean / 100),
        golden_pass_rate=Interval(golden, golden, golden),
        best_of_k=point(mean + 5),
        error_rate=0.0,
        k=1,
    )


def comparison(
    estimate: float = 8.0, low: float = 2.5, high: float = 13.5, problems: int = 20
) -> PairedComparison:
    return PairedComparison("champ@1", "chall@1", problems, Interval(estimate, low, high), 14, 4, 2)


def evidence(**changes: object) -> Evidence:
    """A challenger that passes every check; `changes` spoils one of them."""
    base = Evidence(
        champion=summary("champ@1", 60.0),
        challenger=summary("chall@1", 68.0),
        paired=comparison(),
        champion_p95_ms=1500.0,
        challenger_p95_ms=1800.0,
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def reason(decision: Decision, check: str) -> str:
    (found,) = [r for r in decision.reasons if r.startswith(f"{check}:")]
    return found


def failed(decision: Decision) -> list[str]:
    return [r.split(":")[0] for r in decision.reasons if r.split(": ")[1] == "failed"]


def test_a_challenger_passing_every_check_is_promoted_with_every_check_listed() -> None:
    decision = decide(POLICY, evidence())
    assert decision.promote
    assert [r.split(":")[0] for r in decision.reasons] == list(CHECKS)
    assert failed(decision) == []
    assert "+8.00 points" in reason(decision, "margin")
    assert "+2.50 to +13.50" in reason(decision, "lower bound")
    assert "1800 ms" in reason(decision, "latency")
    assert "2000 ms" in reason(decision, "latency")


def test_refused_when_the_difference_is_below_the_margin() -> None:
    decision = decide(POLICY, evidence(paired=comparison(estimate=4.5, low=1.0)))
    assert not decision.promote
    assert failed(decision) == ["margin"]
    assert "+4.50 points" in reason(decision, "margin")
    assert "at least +5.00" in reason(decision, "margin")
    assert "20 shared problems" in reason(decision, "margin")


def test_a_difference_exactly_at_the_margin_is_enough() -> None:
    assert decide(POLICY, evidence(paired=comparison(estimate=5.0))).promote


def test_refused_when_the_paired_lower_bound_is_not_above_zero() -> None:
    decision = decide(POLICY, evidence(paired=comparison(estimate=9.0, low=-0.75)))
    assert not decision.promote
    assert failed(decision) == ["lower bound"]
    assert "-0.75 to +13.50" in reason(decision, "lower bound")


def test_a_lower_bound_of_exactly_zero_is_not_enough() -> None:
    decision = decide(POLICY, evidence(paired=comparison(low=0.0)))
    assert failed(decision) == ["lower bound"]


def test_refused_when_the_golden_pass_rate_is_lower_than_the_champions() -> None:
    decision = decide(POLICY, evidence(challenger=summary("chall@1", 68.0, golden=0.85)))
    assert not decision.promote
    assert failed(decision) == ["golden pass rate"]
    assert "85.0%" in reason(decision, "golden pass rate")
    assert "90.0%" in reason(decision, "golden pass rate")


def test_an_equal_golden_pass_rate_is_not_lower() -> None:
    decision = decide(POLICY, evidence(challenger=summary("chall@1", 68.0, golden=0.9)))
    assert decision.promote


def test_refused_when_the_p95_latency_is_over_the_budget() -> None:
    decision = decide(POLICY, evidence(challenger_p95_ms=2400.0))
    assert not decision.promote
    assert failed(decision) == ["latency"]
    assert "2400 ms" in reason(decision, "latency")
    assert "2000 ms" in reason(decision, "latency")


def test_refused_when_the_latency_is_unknown_and_a_budget_is_set() -> None:
    decision = decide(POLICY, evidence(challenger_p95_ms=None))
    assert failed(decision) == ["latency"]
    assert "unknown" in reason(decision, "latency")


def test_without_a_budget_the_latency_check_passes_and_says_so() -> None:
    decision = decide(Policy(margin=5.0), evidence(challenger_p95_ms=99999.0))
    assert decision.promote
    assert "no p95 budget" in reason(decision, "latency")
    assert "99999 ms" in reason(decision, "latency")


def test_refused_when_the_models_were_not_evaluated_on_the_same_items() -> None:
    decision = decide(POLICY, evidence(challenger=summary("chall@1", 68.0, problems=19)))
    assert failed(decision) == ["same items"]
    assert "20 problems, the challenger 19" in reason(decision, "same items")


def test_refused_without_a_paired_comparison_against_a_champion() -> None:
    decision = decide(POLICY, evidence(paired=None))
    assert not decision.promote
    assert failed(decision) == ["same items", "margin", "lower bound"]
    assert "no paired comparison" in reason(decision, "margin")


def test_every_failed_check_is_listed_not_only_the_first() -> None:
    decision = decide(
        POLICY,
        evidence(
            challenger=summary("chall@1", 58.0, golden=0.5),
            paired=comparison(estimate=-2.0, low=-6.0, high=2.0),
            challenger_p95_ms=5000.0,
        ),
    )
    assert failed(decision) == ["margin", "lower bound", "golden pass rate", "latency"]
    assert len(decision.reasons) == len(CHECKS)


def test_the_numbers_hold_what_the_checks_compared() -> None:
    numbers = decide(POLICY, evidence()).numbers
    assert numbers == {
        "margin": 5.0,
        "max_p95_ms": 2000.0,
        "challenger_mean_score": 68.0,
        "challenger_golden_pass_rate": 0.9,
        "challenger_problems": 20.0,
        "challenger_p95_ms": 1800.0,
        "champion_p95_ms": 1500.0,
        "champion_mean_score": 60.0,
        "champion_golden_pass_rate": 0.9,
        "champion_problems": 20.0,
        "difference": 8.0,
        "difference_low": 2.5,
        "difference_high": 13.5,
        "shared_problems": 20.0,
        "wins": 14.0,
        "losses": 4.0,
        "ties": 2.0,
    }


# ---- the first champion ------------------------------------------------------------------


def first(**changes: object) -> Evidence:
    return evidence(champion=None, paired=None, champion_p95_ms=None, **changes)


def test_the_first_champion_needs_only_the_golden_pass_rate_and_latency() -> None:
    decision = decide(POLICY, first(challenger=summary("chall@1", 12.0, golden=0.6)))
    assert decision.promote
    assert [r.split(":")[0] for r in decision.reasons] == [
        "first champion",
        "golden pass rate",
        "latency",
    ]
    assert "60.0%" in reason(decision, "golden pass rate")
    assert "50.0%" in reason(decision, "golden pass rate")
    assert decision.numbers["min_golden_pass_rate"] == 0.5
    assert "difference" not in decision.numbers


def test_a_first_champion_below_the_golden_floor_is_refused() -> None:
    decision = decide(POLICY, first(challenger=summary("chall@1", 0.0, golden=0.0)))
    assert not decision.promote
    assert failed(decision) == ["golden pass rate"]
    assert "0.0%" in reason(decision, "golden pass rate")


def test_a_first_champion_over_the_latency_budget_is_refused() -> None:
    decision = decide(POLICY, first(challenger_p95_ms=2001.0))
    assert failed(decision) == ["latency"]


def test_the_golden_floor_is_part_of_the_policy() -> None:
    strict = Policy(margin=5.0, min_golden_pass_rate=0.95)
    assert not decide(strict, first()).promote
    assert decide(Policy(margin=5.0, min_golden_pass_rate=0.9), first()).promote


# ---- incoherent evidence and policies ----------------------------------------------------


def test_a_paired_comparison_the_wrong_way_round_is_refused() -> None:
    swapped = PairedComparison("chall@1", "champ@1", 20, Interval(-8.0, -13.5, -2.5), 4, 14, 2)
    with pytest.raises(ValueError, match="minus"):
        evidence(paired=swapped)


def test_a_paired_comparison_without_a_champion_is_refused() -> None:
    with pytest.raises(ValueError, match="without a champion"):
        evidence(champion=None)


@pytest.mark.parametrize(
    "policy",
    [
        {"margin": -1.0},
        {"margin": float("nan")},
        {"margin": 1.0, "max_p95_ms": 0.0},
        {"margin": 1.0, "min_golden_pass_rate": 1.5},
    ],
)
def test_a_policy_out_of_range_is_refused(policy: dict[str, float]) -> None:
    with pytest.raises(Invalid):
        Policy(**policy)


# ---- from samples to a decision ----------------------------------------------------------


def samples_of(model: str, scores: list[int]) -> list[Sample]:
    return [
        Sample(model, f"p{i:02}", "Medium", (), 0, score, (score - 30) / 70, True)
        for i, score in enumerate(scores)
    ]


STRONG = [88, 95, 72, 100, 91, 84, 79, 97, 90, 86, 93, 81]
WEAK = [44, 51, 37, 58, 30, 47, 42, 55, 39, 48, 52, 35]


def decision_from_samples(champion: str, challenger: str) -> Decision:
    samples = [*samples_of("strong@1", STRONG), *samples_of("weak@1", WEAK)]
    return decide(
        POLICY,
        Evidence(
            champion=summarize(samples, champion, resamples=500),
            challenger=summarize(samples, challenger, resamples=500),
            paired=paired(samples, champion, challenger, resamples=500),
            champion_p95_ms=900.0,
            challenger_p95_ms=900.0,
        ),
    )


def test_a_strong_challenger_takes_over_from_a_weak_champion() -> None:
    decision = decision_from_samples("weak@1", "strong@1")
    assert decision.promote
    assert decision.numbers["difference_low"] > POLICY.margin


def test_a_weak_challenger_never_replaces_a_strong_champion() -> None:
    decision = decision_from_samples("strong@1", "weak@1")
    assert not decision.promote
    assert failed(decision) == ["margin", "lower bound"]
