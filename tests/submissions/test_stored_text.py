"""Whatever a suite prints, its stored text is storable and bounded: NUL and lone surrogates
become U+FFFD, a submission keeps at most 256 KiB of text (in JSON bytes) and 2,000 test
rows, and says what it cut. Pure."""

from __future__ import annotations

from appliance.submissions.disclosure import MESSAGE_LIMIT, clean, redactor_for
from appliance.submissions.stored_results import (
    CUT_MARKER,
    MAX_TEST_ROWS,
    STORED_TEXT_LIMIT,
    TextBudget,
    json_size,
    prefix_within,
    result_rows,
)
from tests.bundles import GOLDEN, MUTANTS, STRONG_SUITE
from tests.submissions.reports import HOSTILE, huge_report

NO_SECRETS = redactor_for(STRONG_SUITE, GOLDEN, True, [])
HIDING = redactor_for(STRONG_SUITE, GOLDEN, False, [code for code, _, _ in MUTANTS.values()])


def _storable(text: str) -> bool:
    text.encode("utf-8")  # raises on a lone surrogate
    return "\x00" not in text


def test_nul_and_lone_surrogates_become_the_replacement_character() -> None:
    assert clean("a\x00b\ud800c\udfffd😀é") == "a\ufffdb\ufffdc\ufffdd😀é"


def test_redacted_text_and_names_are_storable_with_or_without_secrets() -> None:
    for redactor in (NO_SECRETS, HIDING):
        assert _storable(redactor.text(HOSTILE * 10))
        assert _storable(redactor.name(HOSTILE))


def test_the_budget_keeps_what_fits_and_cuts_once_with_a_marker() -> None:
    budget = TextBudget(100)
    assert budget.take("a" * 60) == ("a" * 60, False)
    assert budget.take("b" * 60) == ("b" * 40 + CUT_MARKER, True)
    assert budget.take("c") == ("", True)  # the marker is said once
    assert not budget.fits("d")


def test_the_budget_counts_json_bytes_so_control_characters_cost_six() -> None:
    assert json_size("\x01") == 6
    assert json_size("😀") == 4
    kept = prefix_within("\x01" * 100, 60)
    assert json_size(kept) <= 60 and len(kept) == 10


def test_a_huge_hostile_report_is_stored_within_the_caps() -> None:
    report = huge_report()
    variants, tests = result_rows("id", report, HIDING)
    texts = [v[7] for v in variants] + [v[9] or "" for v in variants]
    texts += [t[2] for t in tests] + [t[5] for t in tests]
    assert all(_storable(text) for text in texts)
    stored = sum(json_size(text) for text in texts)
    assert stored <= STORED_TEXT_LIMIT + 1024  # + the markers
    assert len(tests) <= MAX_TEST_ROWS + 1
    marker = tests[-1]
    assert marker[1] == 0 and "not stored" in marker[2] and marker[3] == "skipped"
    assert any(CUT_MARKER in text for text in texts)


def test_the_first_golden_run_and_the_kill_matrix_come_before_other_outputs() -> None:
    variants, tests = result_rows("id", huge_report(tests_per_run=3), NO_SECRETS)
    assert len(tests) == 3 * len(variants)  # every test row kept
    assert variants[0][7] and variants[0][8] is False  # golden's output, whole
    assert variants[-1][7] == "" and variants[-1][8] is True  # a mutant's output, cut


def test_a_small_report_is_stored_unchanged_but_for_unstorable_characters() -> None:
    variants, tests = result_rows("id", huge_report(1, output_repeats=10), NO_SECRETS)
    assert all(v[7] == clean(HOSTILE * 10) and v[8] is False for v in variants)
    assert tests[0][2] == clean(f"test_0{HOSTILE}{'x' * 300}")
    assert tests[0][5] == clean((HOSTILE * 60)[:MESSAGE_LIMIT])


def test_over_the_caps_every_shown_run_keeps_its_first_tests_so_the_kill_matrix_holds() -> None:
    report = huge_report()
    _, tests = result_rows("id", report, NO_SECRETS)
    names_by_position: dict[int, list[str]] = {}
    for row in tests[:-1]:
        names_by_position.setdefault(row[1], []).append(row[2])
    golden = names_by_position[0]
    first_mutant = 1 + len(report.golden) - 1 + len(report.twins)
    for position in range(first_mutant, first_mutant + len(report.mutants)):
        mutant = names_by_position[position]
        assert mutant and mutant == golden[: len(mutant)]
