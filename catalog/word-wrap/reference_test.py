import pytest

from target import wrap


@pytest.mark.parametrize("text", ["", "   ", "\n\t "])
def test_text_without_words_gives_no_lines(text):
    assert wrap(text, 10) == []


def test_short_text_stays_on_one_line():
    assert wrap("hello world", 80) == ["hello world"]


def test_words_are_moved_to_the_next_line_when_they_do_not_fit():
    assert wrap("the quick brown fox", 10) == ["the quick", "brown fox"]


def test_a_line_may_be_exactly_as_long_as_the_width():
    assert wrap("the quick brown fox", 9) == ["the quick", "brown fox"]


def test_the_space_between_words_counts_towards_the_width():
    assert wrap("the quick brown fox", 8) == ["the", "quick", "brown", "fox"]


@pytest.mark.parametrize("width", range(5, 16))
def test_lines_never_exceed_the_width_when_all_words_fit(width):
    text = "a bb ccc dddd a bb ccc dddd eeeee"
    assert all(len(line) <= width for line in wrap(text, width))


def test_no_words_are_lost_or_reordered():
    text = "one two three four five six seven eight nine ten"
    assert " ".join(wrap(text, 12)).split() == text.split()


def test_any_whitespace_separates_words_and_collapses_to_one_space():
    assert wrap("a  b\n\nc\td", 80) == ["a b c d"]


def test_a_long_first_word_goes_alone_on_the_first_line():
    assert wrap("extraordinary day", 5) == ["extraordinary", "day"]


def test_a_long_word_in_the_middle_gets_its_own_line():
    assert wrap("a b extraordinary c d", 5) == ["a b", "extraordinary", "c d"]


def test_width_one_puts_every_word_on_its_own_line():
    assert wrap("a b c", 1) == ["a", "b", "c"]


@pytest.mark.parametrize("width", [0, -3])
def test_width_below_one_is_rejected(width):
    with pytest.raises(ValueError):
        wrap("a b c", width)
