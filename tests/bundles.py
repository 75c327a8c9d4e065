"""A small problem the tests judge against, and suites of known strength."""

from __future__ import annotations

from appliance.problems.bundle import MutantSpec, ProblemBundle

GOLDEN = '''\
def clamp(x, lo, hi):
    """x limited to the closed range [lo, hi]."""
    if lo > hi:
        raise ValueError("lo must not exceed hi")
    return max(lo, min(x, hi))
'''

MUTANTS = {
    "upper_exclusive": (GOLDEN.replace("min(x, hi)", "min(x, hi - 1)"), 3, "Try x equal to hi."),
    "no_range_check": (
        GOLDEN.replace('        raise ValueError("lo must not exceed hi")\n', "        pass\n"),
        2,
        "What if lo is greater than hi?",
    ),
    "bounds_swapped": (
        GOLDEN.replace("max(lo, min(x, hi))", "min(lo, max(x, hi))"),
        1,
        "Try a value strictly inside the range.",
    ),
}

STRONG_SUITE = """\
import pytest
from target import clamp

def test_inside_is_unchanged():
    assert clamp(5, 0, 10) == 5

def test_upper_bound_is_kept():
    assert clamp(10, 0, 10) == 10

def test_above_is_clamped():
    assert clamp(11, 0, 10) == 10

def test_below_is_clamped():
    assert clamp(-1, 0, 10) == 0

def test_inverted_range_is_refused():
    with pytest.raises(ValueError):
        clamp(1, 5, 0)
"""

# Two more mutants make the five-mutant problem of the runner tests and the benchmark.
EXTRA_MUTANTS = {
    "lower_exclusive": (GOLDEN.replace("max(lo, min", "max(lo + 1, min"), 3, "Try x equal to lo."),
    "no_upper_bound": (GOLDEN.replace("max(lo, min(x, hi))", "max(lo, x)"), 2, "Try x above hi."),
}
FIVE_MUTANT_SUITE = (
    STRONG_SUITE + "\n\ndef test_lower_bound_is_kept():\n    assert clamp(0, 0, 10) == 0\n"
)

# Kills only bounds_swapped (weight 1 of 6): score 30 + 70 * 1 // 6 = 41.
WEAK_SUITE = """\
from target import clamp

def test_inside_is_unchanged():
    assert clamp(5, 0, 10) == 5
"""


def mini_bundle(
    slug: str = "mini-clamp", wall_seconds: float = 5.0, show_golden: bool = True
) -> ProblemBundle:
    return ProblemBundle(
        slug=slug,
        title="Clamp (test problem)",
        difficulty="Easy",
        tags=("boundaries",),
        function_signature="def clamp(x, lo, hi)",
        show_golden=show_golden,
        wall_seconds=wall_seconds,
        description_md="Limit x to [lo, hi]; ValueError when lo > hi.",
        golden_code=GOLDEN,
        reference_tests=STRONG_SUITE,
        mutants=tuple(
            MutantSpec(name, code, weight, hint) for name, (code, weight, hint) in MUTANTS.items()
        ),
    )
