import pytest

from target import rle_encode


def test_empty_text_encodes_to_empty_text():
    assert rle_encode("") == ""


@pytest.mark.parametrize(("text", "expected"), [("a", "a"), ("aa", "2a"), ("aaa", "3a")])
def test_a_single_run(text, expected):
    assert rle_encode(text) == expected


def test_single_characters_are_written_without_a_count():
    assert rle_encode("abc") == "abc"


@pytest.mark.parametrize(
    ("text", "expected"),
    [("aaabcc", "3ab2c"), ("abbb", "a3b"), ("aabbbc", "2a3bc"), ("aaab", "3ab"), ("abb", "a2b")],
)
def test_runs_of_different_lengths_one_after_another(text, expected):
    assert rle_encode(text) == expected


def test_runs_longer_than_nine_use_the_full_count():
    assert rle_encode("x" * 12 + "y") == "12xy"


def test_upper_and_lower_case_are_different_characters():
    assert rle_encode("aAaa") == "aA2a"


def test_spaces_and_punctuation_are_ordinary_characters():
    assert rle_encode("!!  ..") == "2!2 2."


@pytest.mark.parametrize("text", ["1", "a1", "aa0bb"])
def test_digits_are_rejected(text):
    with pytest.raises(ValueError):
        rle_encode(text)
