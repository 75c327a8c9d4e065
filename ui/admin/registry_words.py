"""A stored promotion decision in the admin's language. The policy keeps each check as
"name: passed|failed: words" with every number it used (registry/policy.py); the check's
words are said again here from those numbers, so that a Korean admin reads them in Korean.
A check this page does not know is shown as the policy wrote it."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from appliance.vocabulary import Locale
from ui.i18n import Translate, number

_REASON = re.compile(r"^(?P<name>[a-z ]+): (?P<result>passed|failed): (?P<words>.*)$", re.S)
Numbers = Mapping[str, float]


@dataclass(frozen=True)
class CheckLine:
    name: str
    passed: bool | None  # None: a reason this page could not read
    words: str


def percent(rate: float | None) -> str:
    return "-" if rate is None else f"{rate:.1%}"


def signed(points: float | None) -> str:
    return "-" if points is None else f"{points:+.2f}"


def check_lines(t: Translate, reasons: list[str], numbers: Numbers) -> list[CheckLine]:
    return [_line(t, reason, numbers) for reason in reasons]


def _line(t: Translate, reason: str, numbers: Numbers) -> CheckLine:
    found = _REASON.match(reason)
    words = _WORDS.get(found["name"]) if found else None
    if found is None or words is None:
        return CheckLine(t("registry.check_name.other"), None, reason)
    name = t(f"registry.check_name.{found['name'].replace(' ', '_')}")
    return CheckLine(name, found["result"] == "passed", words(t, numbers))


def _first_champion(t: Translate, numbers: Numbers) -> str:
    return t("registry.check.first_champion")


def _golden(t: Translate, numbers: Numbers) -> str:
    ours = percent(numbers.get("challenger_golden_pass_rate"))
    if "champion_golden_pass_rate" in numbers:
        theirs = percent(numbers["champion_golden_pass_rate"])
        return t("registry.check.golden_vs", ours=ours, theirs=theirs)
    return t(
        "registry.check.golden_floor", ours=ours, floor=percent(numbers.get("min_golden_pass_rate"))
    )


def _latency(t: Translate, numbers: Numbers) -> str:
    p95, budget = numbers.get("challenger_p95_ms"), numbers.get("max_p95_ms")
    if budget is None:
        shown = t("registry.unknown") if p95 is None else f"{p95:,.0f} ms"
        return t("registry.check.latency_no_budget", p95=shown)
    if p95 is None:
        return t("registry.check.latency_unknown", budget=f"{budget:,.0f}")
    return t("registry.check.latency", p95=f"{p95:,.0f}", budget=f"{budget:,.0f}")


def _same_items(t: Translate, numbers: Numbers) -> str:
    return t(
        "registry.check.same_items",
        champion=int(numbers.get("champion_problems", 0)),
        challenger=int(numbers.get("challenger_problems", 0)),
        shared=int(numbers.get("shared_problems", 0)),
    )


def _margin(t: Translate, numbers: Numbers) -> str:
    if "difference" not in numbers:
        return t("registry.check.no_pairs")
    return t(
        "registry.check.margin",
        difference=signed(numbers["difference"]),
        shared=int(numbers.get("shared_problems", 0)),
        wins=int(numbers.get("wins", 0)),
        losses=int(numbers.get("losses", 0)),
        ties=int(numbers.get("ties", 0)),
        margin=signed(numbers.get("margin")),
    )


def _lower_bound(t: Translate, numbers: Numbers) -> str:
    if "difference_low" not in numbers:
        return t("registry.check.no_pairs")
    return t(
        "registry.check.lower_bound",
        low=signed(numbers["difference_low"]),
        high=signed(numbers.get("difference_high")),
    )


_WORDS: dict[str, Callable[[Translate, Numbers], str]] = {
    "first champion": _first_champion,
    "golden pass rate": _golden,
    "latency": _latency,
    "same items": _same_items,
    "margin": _margin,
    "lower bound": _lower_bound,
}

# How each stored number reads, in the order shown; rates as percentages.
NUMBER_KINDS: dict[str, str] = {
    "margin": "points",
    "difference": "points",
    "difference_low": "points",
    "difference_high": "points",
    "challenger_mean_score": "score",
    "champion_mean_score": "score",
    "challenger_golden_pass_rate": "rate",
    "champion_golden_pass_rate": "rate",
    "min_golden_pass_rate": "rate",
    "challenger_problems": "count",
    "champion_problems": "count",
    "shared_problems": "count",
    "wins": "count",
    "losses": "count",
    "ties": "count",
    "challenger_p95_ms": "ms",
    "champion_p95_ms": "ms",
    "max_p95_ms": "ms",
}


def number_words(t: Translate, numbers: Numbers, locale: Locale) -> list[tuple[str, str]]:
    """(label, value) of every stored number, the known ones first in their order."""
    known = [key for key in NUMBER_KINDS if key in numbers]
    others = sorted(key for key in numbers if key not in NUMBER_KINDS)
    return [
        (
            t(f"registry.number.{key}") if key in NUMBER_KINDS else key,
            _value(numbers[key], NUMBER_KINDS.get(key), locale),
        )
        for key in [*known, *others]
    ]


def _value(value: float, kind: str | None, locale: Locale) -> str:
    if kind == "rate":
        return percent(value)
    if kind == "points":
        return signed(value)
    if kind == "ms":
        return f"{number(value, locale)} ms"
    if kind == "count":
        return number(value, locale)
    return number(value, locale, 2)
