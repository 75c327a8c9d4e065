"""The smallest killing suite: an exact minimum set cover of the mutants by reference tests."""

from __future__ import annotations

import itertools
import random

import pytest

from appliance.problems.difficulty import smallest_killing_suite


def brute_force(kills: dict[str, list[str]]) -> tuple[str, ...]:
    tests = sorted({test for killers in kills.values() for test in killers})
    for size in range(len(tests) + 1):
        for chosen in itertools.combinations(tests, size):
            if all(set(chosen) & set(killers) for killers in kills.values()):
                return chosen
    raise AssertionError("no cover")


def test_one_test_that_kills_everything_is_enough() -> None:
    kills = {"a": ["t_all", "t_a"], "b": ["t_all", "t_b"], "c": ["t_all"]}
    assert smallest_killing_suite(kills) == ("t_all",)


def test_greedy_is_not_enough() -> None:
    # Greedy takes t_wide (4 mutants) and then needs two more; the optimum is two tests.
    kills = {
        "m1": ["t_left", "t_wide"],
        "m2": ["t_left", "t_wide"],
        "m3": ["t_left"],
        "m4": ["t_right", "t_wide"],
        "m5": ["t_right", "t_wide"],
        "m6": ["t_right"],
    }
    assert smallest_killing_suite(kills) == ("t_left", "t_right")


def test_ties_go_to_the_first_names_and_the_result_is_sorted() -> None:
    kills = {"a": ["t3", "t1"], "b": ["t4", "t2"]}
    assert smallest_killing_suite(kills) == ("t1", "t2")
    assert smallest_killing_suite({"b": ["t4", "t2"], "a": ["t1", "t3"]}) == ("t1", "t2")


def test_tests_that_kill_the_same_mutants_are_interchangeable() -> None:
    kills = {"a": ["z", "y", "x"], "b": ["z", "y", "x", "w"], "c": ["w"]}
    assert smallest_killing_suite(kills) == ("w", "x")


def test_no_mutants_need_no_tests() -> None:
    assert smallest_killing_suite({}) == ()


def test_a_mutant_no_test_kills_is_an_error() -> None:
    with pytest.raises(ValueError, match="no test kills b, c"):
        smallest_killing_suite({"a": ["t1"], "c": set(), "b": []})


def test_the_result_is_the_exact_minimum_on_random_matrices() -> None:
    rng = random.Random(6)
    for _ in range(40):
        tests = [f"test_{n:02d}" for n in range(rng.randint(1, 12))]
        kills = {
            f"m{k}": rng.sample(tests, rng.randint(1, len(tests))) for k in range(rng.randint(1, 8))
        }
        assert smallest_killing_suite(kills) == brute_force(kills), kills


def test_a_catalog_sized_matrix_is_solved_quickly() -> None:
    # 40 tests and 10 mutants, each killed by a few tests: the branch and bound stays small.
    rng = random.Random(40)
    tests = [f"test_{n:02d}" for n in range(40)]
    kills = {f"m{k}": rng.sample(tests, rng.randint(1, 6)) for k in range(10)}
    chosen = smallest_killing_suite(kills)
    assert all(set(chosen) & set(killers) for killers in kills.values())
    assert len(chosen) == len(brute_force(kills))
