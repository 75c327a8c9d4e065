"""The promotion policy (issue 11 item 6): whether a challenger takes the
`feedback-champion` alias, decided from a leaderboard's numbers. Pure: the evidence comes
in, a decision with every check's numbers and reasons goes out, to be stored as it is.

With a champion, the challenger must beat it on the same problems of the same run: its
paired mean-score difference at least the margin, the paired interval's lower bound above
zero (a better run by luck is not enough), its golden pass rate not lower and its p95
latency within the budget. Without one, there is nothing to beat: the golden pass rate
must reach a floor instead, so a model whose suites mostly fail on the golden code never
becomes the first champion, and the latency budget still holds.

Every decision lists every check, passed or failed, not only the first failure: an admin
reading a refusal sees at once everything the challenger would have to fix.
"""

from __future__ import annotations

from dataclasses import dataclass

from appliance.errors import Invalid
from appliance.evaluations.statistics import ModelSummary, PairedComparison

# Scores are in points (0-100), rates are fractions (0-1), latencies in milliseconds.


@dataclass(frozen=True)
class Policy:
    """`margin` in score points; `max_p95_ms` None sets no latency budget;
    `min_golden_pass_rate` applies only to a first champion (with a champion, the rule is
    "not lower than the champion's")."""

    margin: float
    max_p95_ms: float | None = None
    min_golden_pass_rate: float = 0.5

    def __post_init__(self) -> None:
        if not self.margin >= 0:
            raise Invalid(f"the margin is a number of points, at least 0: {self.margin}")
        if self.max_p95_ms is not None and not self.max_p95_ms > 0:
            raise Invalid(f"a latency budget is a positive number of ms: {self.max_p95_ms}")
        if not 0 <= self.min_golden_pass_rate <= 1:
            raise Invalid(f"a golden pass rate lies between 0 and 1: {self.min_golden_pass_rate}")


@dataclass(frozen=True)
class Evidence:
    """Summaries from the same run on the same frozen problem set; `paired` is
    statistics.paired(samples, champion.model, challenger.model): challenger minus
    champion. No champion, no paired comparison."""

    champion: ModelSummary | None
    challenger: ModelSummary
    paired: PairedComparison | None
    champion_p95_ms: float | None
    challenger_p95_ms: float | None

    def __post_init__(self) -> None:
        # Swapped sides would turn a loss into a win: refuse evidence that does not add up.
        if self.paired is None:
            return
        if self.champion is None:
            raise ValueError("a paired comparison without a champion compares nothing")
        expected = (self.champion.model, self.challenger.model)
        if (self.paired.a, self.paired.b) != expected:
            raise ValueError(
                f"the paired comparison is {self.paired.b!r} minus {self.paired.a!r}, "
                f"not {expected[1]!r} minus {expected[0]!r}"
            )


@dataclass(frozen=True)
class Decision:
    promote: bool
    reasons: tuple[str, ...]
    numbers: dict[str, float]


@dataclass(frozen=True)
class Check:
    name: str
    passed: bool
    detail: str

    def reason(self) -> str:
        return f"{self.name}: {'passed' if self.passed else 'failed'}: {self.detail}"


def decide(policy: Policy, evidence: Evidence) -> Decision:
    """Promote when every check passes; the reasons list each check in plain words."""
    champion = evidence.champion
    if champion is None:
        checks = _first_champion(policy, evidence)
    else:
        checks = _against_champion(policy, evidence, champion)
    return Decision(
        promote=all(check.passed for check in checks),
        reasons=tuple(check.reason() for check in checks),
        numbers=_numbers(policy, evidence),
    )


def _first_champion(policy: Policy, evidence: Evidence) -> list[Check]:
    rate = evidence.challenger.golden_pass_rate.estimate
    floor = policy.min_golden_pass_rate
    return [
        Check("first champion", True, "there is no champion yet: no margin or paired check"),
        Check(
            "golden pass rate",
            rate >= floor,
            f"the challenger's {_percent(rate)} against the {_percent(floor)} "
            "a first champion needs",
        ),
        _latency(policy, evidence.challenger_p95_ms),
    ]


def _against_champion(policy: Policy, evidence: Evidence, champion: ModelSummary) -> list[Check]:
    return [
        _same_items(champion, evidence.challenger, evidence.paired),
        *_paired_checks(policy, evidence.paired),
        _golden_not_lower(champion, evidence.challenger),
        _latency(policy, evidence.challenger_p95_ms),
    ]


def _same_items(
    champion: ModelSummary, challenger: ModelSummary, paired: PairedComparison | None
) -> Check:
    # The golden rates are compared whole: on different problems they would not compare.
    shared = 0 if paired is None else paired.problems
    counts = {champion.problems, challenger.problems, shared}
    return Check(
        "same items",
        len(counts) == 1,
        f"the champion covers {champion.problems} problems, the challenger "
        f"{challenger.problems}, {shared} of them shared",
    )


def _paired_checks(policy: Policy, paired: PairedComparison | None) -> list[Check]:
    if paired is None:
        missing = "no paired comparison on shared problems"
        return [Check("margin", False, missing), Check("lower bound", False, missing)]
    difference = paired.difference
    return [
        Check(
            "margin",
            difference.estimate >= policy.margin,
            f"the challenger scores {_signed(difference.estimate)} points against the "
            f"champion on {paired.problems} shared problems ({paired.wins} wins, "
            f"{paired.losses} losses, {paired.ties} ties); at least {policy.margin:+.2f} needed",
        ),
        Check(
            "lower bound",
            difference.low > 0,
            f"the paired 95% interval runs from {_signed(difference.low)} to "
            f"{_signed(difference.high)} points; its lower bound must be above 0",
        ),
    ]


def _golden_not_lower(champion: ModelSummary, challenger: ModelSummary) -> Check:
    theirs = champion.golden_pass_rate.estimate
    ours = challenger.golden_pass_rate.estimate
    return Check(
        "golden pass rate",
        ours >= theirs,
        f"the challenger's {_percent(ours)} against the champion's {_percent(theirs)}; "
        "it may not be lower",
    )


def _latency(policy: Policy, p95_ms: float | None) -> Check:
    budget = policy.max_p95_ms
    if budget is None:
        measured = "unknown" if p95_ms is None else f"{p95_ms:.0f} ms"
        return Check("latency", True, f"no p95 budget is set (the challenger's p95: {measured})")
    if p95_ms is None:
        return Check(
            "latency", False, f"the challenger's p95 is unknown; the budget is {budget:.0f} ms"
        )
    return Check(
        "latency",
        p95_ms <= budget,
        f"the challenger's p95 of {p95_ms:.0f} ms against a budget of {budget:.0f} ms",
    )


def _numbers(policy: Policy, evidence: Evidence) -> dict[str, float]:
    challenger, champion, paired = evidence.challenger, evidence.champion, evidence.paired
    numbers: dict[str, float | None] = {
        "margin": policy.margin,
        "max_p95_ms": policy.max_p95_ms,
        "challenger_mean_score": challenger.mean_score.estimate,
        "challenger_golden_pass_rate": challenger.golden_pass_rate.estimate,
        "challenger_problems": challenger.problems,
        "challenger_p95_ms": evidence.challenger_p95_ms,
        "champion_p95_ms": evidence.champion_p95_ms,
    }
    if champion is None:
        numbers["min_golden_pass_rate"] = policy.min_golden_pass_rate
    else:
        numbers["champion_mean_score"] = champion.mean_score.estimate
        numbers["champion_golden_pass_rate"] = champion.golden_pass_rate.estimate
        numbers["champion_problems"] = champion.problems
    if paired is not None:
        numbers |= {
            "difference": paired.difference.estimate,
            "difference_low": paired.difference.low,
            "difference_high": paired.difference.high,
            "shared_problems": paired.problems,
            "wins": paired.wins,
            "losses": paired.losses,
            "ties": paired.ties,
        }
    return {name: float(value) for name, value in numbers.items() if value is not None}


def _signed(points: float) -> str:
    return f"{points:+.2f}"


def _percent(rate: float) -> str:
    return f"{rate:.1%}"
