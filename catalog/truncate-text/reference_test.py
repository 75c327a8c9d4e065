import pytest

from target import truncate


def test_short_text_is_returned_unchanged():
    assert truncate("hello", 10) == "hello"


def test_text_exactly_as_long_as_the_width_is_unchanged():
    assert truncate("hello", 5) == "hello"


def test_long_text_is_cut_and_ends_with_the_default_ellipsis():
    assert truncate("hello world", 8) == "hello w\u2026"


@pytest.mark.parametrize("width", range(1, 12))
def test_result_never_exceeds_the_width(width):
    assert len(truncate("hello world", width)) <= width


def test_whitespace_before_the_ellipsis_is_removed():
    assert truncate("hello world", 7) == "hello\u2026"


def test_a_longer_ellipsis_takes_more_room():
    assert truncate("hello world", 8, "...") == "hello..."


def test_a_custom_ellipsis_keeps_the_result_within_the_width():
    assert truncate("abcdefghij", 6, " [..]") == "a [..]"


def test_width_equal_to_the_ellipsis_length_leaves_only_the_ellipsis():
    assert truncate("hello", 3, "...") == "..."


def test_width_one_with_the_default_ellipsis():
    assert truncate("hello", 1) == "\u2026"


@pytest.mark.parametrize(("width", "ellipsis"), [(2, "..."), (0, "\u2026"), (-1, "\u2026")])
def test_width_smaller_than_the_ellipsis_is_rejected(width, ellipsis):
    with pytest.raises(ValueError):
        truncate("hello", width, ellipsis)
