import pytest

from target import pluralize


def test_exactly_one_uses_the_singular():
    assert pluralize(1, "file") == "1 file"


@pytest.mark.parametrize(("count", "expected"), [(0, "0 files"), (2, "2 files"), (17, "17 files")])
def test_other_counts_use_the_default_plural(count, expected):
    assert pluralize(count, "file") == expected


def test_an_explicit_plural_replaces_the_default():
    assert pluralize(3, "child", "children") == "3 children"


def test_an_explicit_plural_is_not_used_for_one():
    assert pluralize(1, "child", "children") == "1 child"


def test_zero_uses_an_explicit_plural():
    assert pluralize(0, "mouse", "mice") == "0 mice"


@pytest.mark.parametrize(
    ("count", "expected"),
    [(999, "999 rows"), (1000, "1,000 rows"), (1234567, "1,234,567 rows")],
)
def test_counts_are_grouped_by_thousands(count, expected):
    assert pluralize(count, "row") == expected


@pytest.mark.parametrize("count", [-1, -1000])
def test_negative_counts_are_rejected(count):
    with pytest.raises(ValueError):
        pluralize(count, "file")
