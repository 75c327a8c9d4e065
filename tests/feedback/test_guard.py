"""The guard refuses feedback that quotes hidden code or holds a planted canary, and lets
through what the learner may read anyway."""

from __future__ import annotations

from appliance.feedback.guard import HOLDS_CANARY, QUOTES_HIDDEN_CODE, guard_for
from tests.bundles import GOLDEN, MUTANTS, WEAK_SUITE

MUTANT_LINE = "return max(lo, min(x, hi - 1))"
GOLDEN_LINE = "return max(lo, min(x, hi))"
CANARY = "ARENA-CANARY-abc123"
MUTANTS_WITH_CANARY = [(name, code + f"# {CANARY}\n") for name, (code, _, _) in MUTANTS.items()]


def test_a_line_of_a_mutant_is_refused_wherever_it_appears_in_a_line() -> None:
    guard = guard_for(GOLDEN, True, MUTANTS_WITH_CANARY, [WEAK_SUITE])
    assert guard.refusal(f"Compare with `{MUTANT_LINE}` here.") == QUOTES_HIDDEN_CODE


def test_golden_is_hidden_only_where_the_problem_hides_it() -> None:
    text = f"The code does {GOLDEN_LINE}."
    assert guard_for(GOLDEN, True, MUTANTS_WITH_CANARY, [WEAK_SUITE]).refusal(text) is None
    hidden = guard_for(GOLDEN, False, MUTANTS_WITH_CANARY, [WEAK_SUITE])
    assert hidden.refusal(text) == QUOTES_HIDDEN_CODE


def test_a_canary_is_refused_even_inside_a_short_line() -> None:
    guard = guard_for(GOLDEN, True, MUTANTS_WITH_CANARY, [WEAK_SUITE])
    assert guard.refusal(f"ok {CANARY}") == HOLDS_CANARY


def test_a_canary_in_a_mutants_name_counts_too() -> None:
    guard = guard_for(GOLDEN, True, [("ARENA-CANARY-name9", "def clamp(): pass\n")], [])
    assert guard.refusal("ARENA-CANARY-name9") == HOLDS_CANARY


def test_what_the_learner_wrote_or_reads_is_never_refused() -> None:
    suite = WEAK_SUITE + f"\n# I guess: {MUTANT_LINE}\n"
    guard = guard_for(GOLDEN, False, MUTANTS_WITH_CANARY, [suite, "Try x equal to hi."])
    feedback = f"- Your line `# I guess: {MUTANT_LINE}` is a comment.\n- Try x equal to hi."
    assert guard.refusal(feedback) is None


def test_plain_advice_passes() -> None:
    guard = guard_for(GOLDEN, False, MUTANTS_WITH_CANARY, [WEAK_SUITE])
    advice = "- Check x exactly at hi.\n- Check what happens when lo is greater than hi."
    assert guard.refusal(advice) is None
