from itertools import pairwise

import pytest

from target import compare_versions

INCREASING = [
    "1.0.0-alpha",
    "1.0.0-alpha.1",
    "1.0.0-alpha.beta",
    "1.0.0-beta",
    "1.0.0-beta.2",
    "1.0.0-beta.11",
    "1.0.0-rc.1",
    "1.0.0",
    "1.0.1",
    "1.2.0",
    "1.10.0",
    "2.0.0-0",
    "2.0.0",
    "10.0.0",
]


def assert_lower(a, b):
    assert compare_versions(a, b) == -1
    assert compare_versions(b, a) == 1


@pytest.mark.parametrize("version", ["0.0.0", "1.0.0-alpha.1", "1.10.0"])
def test_a_version_equals_itself(version):
    assert compare_versions(version, version) == 0


@pytest.mark.parametrize(("lower", "higher"), list(pairwise(INCREASING)))
def test_neighbours_in_the_spec_ordering(lower, higher):
    assert_lower(lower, higher)


@pytest.mark.parametrize(("lower", "higher"), [("1.9.0", "1.10.0"), ("9.0.0", "10.0.0"), ("1.0.9", "1.0.10")])
def test_core_numbers_compare_numerically(lower, higher):
    assert_lower(lower, higher)


def test_a_prerelease_ranks_below_its_release():
    assert_lower("1.0.0-rc.1", "1.0.0")


def test_numeric_prerelease_identifiers_compare_numerically():
    assert_lower("1.0.0-alpha.2", "1.0.0-alpha.10")


def test_numeric_identifiers_rank_below_alphanumeric_ones():
    assert_lower("1.0.0-1", "1.0.0-alpha")
    assert_lower("1.0.0-alpha.999", "1.0.0-alpha.a")


def test_alphanumeric_identifiers_compare_in_ascii_order():
    assert_lower("1.0.0-Beta", "1.0.0-alpha")
    assert_lower("1.0.0-alpha-2", "1.0.0-alpha2")


def test_a_shorter_prerelease_ranks_below_a_longer_one_with_the_same_start():
    assert_lower("1.0.0-alpha", "1.0.0-alpha.1")
    assert_lower("1.0.0-rc.1", "1.0.0-rc.1.0")


@pytest.mark.parametrize(
    ("a", "b"),
    [("1.0.0+build.1", "1.0.0+build.2"), ("1.0.0", "1.0.0+20240101"), ("1.0.0-rc.1+a", "1.0.0-rc.1+b.0001")],
)
def test_build_metadata_is_ignored(a, b):
    assert compare_versions(a, b) == 0
    assert compare_versions(b, a) == 0


@pytest.mark.parametrize(
    "valid",
    ["0.0.0", "1.0.0-0a", "1.0.0-alpha.0", "1.0.0--", "1.0.0+001", "1.0.0-x-y-z.--"],
)
def test_unusual_but_valid_versions_are_accepted(valid):
    assert compare_versions(valid, valid) == 0


@pytest.mark.parametrize(
    "invalid",
    [
        "v1.0.0",
        "1.0",
        "1.0.0.0",
        "01.0.0",
        "1.00.0",
        "1.0.01",
        "1.0.0-alpha.01",
        "1.0.0-",
        "1.0.0+",
        "1.0.0-alpha..1",
        "1.0.0-al_pha",
        " 1.0.0",
        "",
        "1.0.0 ",
    ],
)
def test_invalid_versions_are_rejected_on_either_side(invalid):
    with pytest.raises(ValueError):
        compare_versions(invalid, "1.0.0")
    with pytest.raises(ValueError):
        compare_versions("1.0.0", invalid)
