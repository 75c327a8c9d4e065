"""The check of a draft against the registry and the catalog: model versions resolved (by
name, name@number or alias), the problems selected as a frozen problem set would be, and
every problem with the plan said, errors apart from warnings."""

from __future__ import annotations

import ast
import inspect

from appliance.evaluations.runs import MAX_SAMPLES, MAX_SAMPLES_PER_RUN
from appliance.models.problem_sets import content_hash
from appliance.planner import plans
from appliance.planner.plans import Draft, Endpoint, Facts, Model, Problem, check
from appliance.planner.service import LIMITS, selection_hash
from appliance.vocabulary import Difficulty


def problem(slug: str, difficulty: Difficulty, *tags: str) -> Problem:
    return Problem(slug, slug.title(), difficulty, tags, 1, f"hash-of-{slug}")


FACTS = Facts(
    endpoints={
        "strong": Endpoint("strong", 2, frozenset({1, 2})),
        "weak": Endpoint("weak", 1, frozenset({1})),
    },
    aliases={"feedback-champion": "strong@1", "challenger": None},
    problems=(
        problem("clamp", "Easy", "boundaries"),
        problem("cron", "Hard", "parsing", "boundaries"),
        problem("roman", "Medium", "strings"),
        problem("token-bucket", "Hard", "state"),
    ),
    limits=LIMITS,
)


def codes(draft: Draft) -> list[tuple[str, str, str | None]]:
    return [(i.level, i.code, i.subject) for i in check(draft, FACTS).issues]


def slugs(draft: Draft) -> list[str]:
    return [p.slug for p in check(draft, FACTS).problems]


def test_a_good_plan_resolves_its_models_and_selects_its_problems() -> None:
    checked = check(
        Draft(models=("strong", "weak"), difficulties=("Hard",), tags=("boundaries",), samples=3),
        FACTS,
    )
    assert checked.models == (Model("strong", 2), Model("weak", 1))
    assert [p.slug for p in checked.problems] == ["cron"]
    assert checked.ok and checked.issues == ()
    assert checked.total_samples == 2 * 1 * 3


def test_a_version_and_an_alias_name_the_versions_they_say() -> None:
    checked = check(Draft(models=("strong@1", "feedback-champion"), samples=1), FACTS)
    # The champion is strong@1, named twice: it runs once.
    assert checked.models == (Model("strong", 1),)
    assert ("warning", "duplicate_model", "strong@1") in codes(
        Draft(models=("strong@1", "feedback-champion"), samples=1)
    )


def test_unknown_models_versions_and_empty_aliases_are_errors() -> None:
    found = codes(Draft(models=("llama", "strong@7", "weak@x", "challenger"), samples=1))
    assert ("error", "unknown_model", "llama") in found
    assert ("error", "unknown_version", "strong@7") in found
    assert ("error", "unknown_version", "weak@x") in found
    assert ("error", "empty_alias", "challenger") in found
    assert ("error", "no_subjects", None) in found  # none of them is left to run


def test_a_plan_of_baselines_alone_is_fine() -> None:
    checked = check(Draft(baselines=("examples", "reference"), samples=1), FACTS)
    assert checked.ok and checked.total_samples == 2 * 4


def test_difficulties_and_tags_each_match_any_and_together_all() -> None:
    assert slugs(Draft(difficulties=("Hard", "Medium"))) == ["cron", "roman", "token-bucket"]
    assert slugs(Draft(tags=("state", "strings"))) == ["roman", "token-bucket"]
    assert slugs(Draft(difficulties=("Hard",), tags=("strings",))) == []


def test_slugs_narrow_the_selection_and_a_slug_the_filter_leaves_out_is_an_error() -> None:
    assert slugs(Draft(slugs=("clamp", "roman"))) == ["clamp", "roman"]
    found = codes(Draft(models=("weak",), difficulties=("Hard",), slugs=("clamp", "cron")))
    assert ("error", "slug_excluded", "clamp") in found


def test_unknown_tags_and_slugs_are_errors() -> None:
    found = codes(Draft(models=("weak",), tags=("recursion",), slugs=("nope",)))
    assert ("error", "unknown_tag", "recursion") in found
    assert ("error", "unknown_slug", "nope") in found


def test_an_empty_selection_is_an_error() -> None:
    found = codes(Draft(models=("weak",), difficulties=("Very Easy",), samples=1))
    assert found == [("error", "no_problems", None)]
    assert not check(Draft(models=("weak",), difficulties=("Very Easy",)), FACTS).ok


def test_no_filter_selects_every_problem_with_a_warning_unless_all_was_asked() -> None:
    assert slugs(Draft(models=("weak",))) == ["clamp", "cron", "roman", "token-bucket"]
    assert ("warning", "all_problems_by_default", None) in codes(Draft(models=("weak",)))
    assert codes(Draft(models=("weak",), all_problems=True, samples=1)) == []


def test_samples_default_to_one_with_a_warning_and_are_bounded() -> None:
    checked = check(Draft(models=("weak",), all_problems=True), FACTS)
    assert checked.samples == 1 and checked.ok
    assert [i.code for i in checked.issues] == ["samples_by_default"]
    for bad in (0, MAX_SAMPLES + 1):
        found = codes(Draft(models=("weak",), all_problems=True, samples=bad))
        assert found == [("error", "samples_out_of_range", str(MAX_SAMPLES))]


def test_several_numbers_of_samples_are_a_warning_and_the_first_counts() -> None:
    checked = check(
        Draft(models=("weak",), all_problems=True, samples=2, other_samples=(5,)), FACTS
    )
    assert checked.samples == 2 and checked.ok
    assert [(i.code, i.subject) for i in checked.issues] == [("samples_conflict", "2")]


def test_a_run_too_large_is_an_error() -> None:
    many = Facts(
        FACTS.endpoints,
        FACTS.aliases,
        tuple(problem(f"p{i}", "Easy") for i in range(MAX_SAMPLES_PER_RUN // MAX_SAMPLES + 1)),
        LIMITS,
    )
    checked = check(Draft(models=("weak",), all_problems=True, samples=MAX_SAMPLES), many)
    assert [i.code for i in checked.issues] == ["too_many_samples"]


def test_ignored_words_are_a_warning() -> None:
    found = codes(Draft(models=("weak",), all_problems=True, samples=1, ignored=("kindly",)))
    assert found == [("warning", "ignored_words", "kindly")]


def test_the_problems_hash_is_the_frozen_sets_content_hash() -> None:
    checked = check(Draft(models=("weak",), tags=("boundaries",), samples=1), FACTS)
    assert selection_hash(checked) == content_hash(
        [("clamp", "hash-of-clamp"), ("cron", "hash-of-cron")]
    )


def test_every_issue_has_a_message() -> None:
    found = check(Draft(models=("llama",), tags=("recursion",), ignored=("x",)), FACTS).issues
    assert all(i.message and "{" not in i.message for i in found)
    assert "'llama'" in found[0].message


def test_the_limits_are_the_runs_own() -> None:
    assert (LIMITS.samples, LIMITS.samples_per_run) == (MAX_SAMPLES, MAX_SAMPLES_PER_RUN)


def test_a_version_number_that_is_a_digit_but_not_a_number_is_unknown() -> None:
    # "²".isdigit() holds but int("²") raises: a champion may answer anything.
    for odd in ("strong@²", "strong@\u0661", "strong@-1", "strong@ 1"):
        found = codes(Draft(models=(odd, "weak"), all_problems=True, samples=1))
        assert found == [("error", "unknown_version", odd)]


def test_the_check_is_pure_it_imports_nothing_with_effects() -> None:
    tree = ast.parse(inspect.getsource(plans))
    imported = {
        node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.module
    } | {
        alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.Import)
        for alias in node.names
    }
    assert imported <= {"__future__", "collections.abc", "dataclasses", "appliance.vocabulary"}
