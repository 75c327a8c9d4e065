import pytest

from target import letter_grade


@pytest.mark.parametrize(
    ("score", "expected"),
    [(95, "A"), (85, "B"), (75, "C"), (65, "D"), (30, "F")],
)
def test_scores_inside_a_band_get_its_letter(score, expected):
    assert letter_grade(score) == expected


@pytest.mark.parametrize(("score", "expected"), [(90, "A"), (80, "B"), (70, "C"), (60, "D")])
def test_the_lowest_score_of_a_band_gets_that_band(score, expected):
    assert letter_grade(score) == expected


@pytest.mark.parametrize(("score", "expected"), [(89.99, "B"), (89.5, "B"), (79.9, "C"), (59.5, "F")])
def test_fractional_scores_are_not_rounded_up(score, expected):
    assert letter_grade(score) == expected


@pytest.mark.parametrize(("score", "expected"), [(0, "F"), (100, "A"), (100.0, "A")])
def test_both_ends_of_the_scale_are_valid(score, expected):
    assert letter_grade(score) == expected


@pytest.mark.parametrize("score", [-0.01, -1, 100.5, 101])
def test_scores_outside_0_to_100_are_rejected(score):
    with pytest.raises(ValueError):
        letter_grade(score)
