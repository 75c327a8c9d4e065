import pytest

from target import parse_cron_field

MINUTES = (0, 59)
DAYS = (1, 31)


def test_star_selects_the_whole_range():
    assert parse_cron_field("*", 1, 7) == [1, 2, 3, 4, 5, 6, 7]


def test_a_single_number():
    assert parse_cron_field("5", *MINUTES) == [5]


@pytest.mark.parametrize(("field", "expected"), [("9-17", list(range(9, 18))), ("3-3", [3]), ("0-2", [0, 1, 2])])
def test_ranges_include_both_ends(field, expected):
    assert parse_cron_field(field, 0, 23) == expected


def test_star_with_a_step_starts_at_low():
    assert parse_cron_field("*/15", *MINUTES) == [0, 15, 30, 45]


def test_steps_count_from_the_start_not_from_multiples():
    assert parse_cron_field("*/10", *DAYS) == [1, 11, 21, 31]
    assert parse_cron_field("*/2", 1, 7) == [1, 3, 5, 7]


def test_a_range_with_a_step_stays_within_the_range():
    assert parse_cron_field("10-20/5", *MINUTES) == [10, 15, 20]
    assert parse_cron_field("10-21/5", *MINUTES) == [10, 15, 20]


def test_a_number_with_a_step_runs_up_to_high():
    assert parse_cron_field("50/5", *MINUTES) == [50, 55]
    assert parse_cron_field("5/100", *MINUTES) == [5]


def test_lists_are_sorted_and_without_duplicates():
    assert parse_cron_field("5,1,3-4,1", *MINUTES) == [1, 3, 4, 5]
    assert parse_cron_field("*/20,0-1", *MINUTES) == [0, 1, 20, 40]


def test_leading_zeros_are_allowed():
    assert parse_cron_field("05,007", *MINUTES) == [5, 7]


@pytest.mark.parametrize(
    ("field", "low", "high", "expected"),
    [("0", 0, 59, [0]), ("59", 0, 59, [59]), ("1-31", 1, 31, list(range(1, 32))), ("12", 1, 12, [12])],
)
def test_both_ends_of_the_allowed_range_are_valid(field, low, high, expected):
    assert parse_cron_field(field, low, high) == expected


@pytest.mark.parametrize(
    ("field", "low", "high"),
    [("60", 0, 59), ("0", 1, 31), ("32", 1, 31), ("1-32", 1, 31), ("0-5", 1, 31), ("13/1", 1, 12), ("55-70/5", 0, 59)],
)
def test_numbers_outside_the_allowed_range_are_rejected(field, low, high):
    with pytest.raises(ValueError):
        parse_cron_field(field, low, high)


def test_a_backwards_range_is_rejected():
    with pytest.raises(ValueError):
        parse_cron_field("17-9", 0, 23)


@pytest.mark.parametrize("field", ["*/0", "1-5/0", "3/0"])
def test_a_zero_step_is_rejected(field):
    with pytest.raises(ValueError):
        parse_cron_field(field, *MINUTES)


@pytest.mark.parametrize("field", ["", "1,,2", "1,", ",1"])
def test_empty_items_are_rejected(field):
    with pytest.raises(ValueError):
        parse_cron_field(field, *MINUTES)


@pytest.mark.parametrize("field", ["a", "1-", "-5", " 5", "5 ", "*/", "1-2-3", "+5", "**", "1.5"])
def test_malformed_items_are_rejected(field):
    with pytest.raises(ValueError):
        parse_cron_field(field, *MINUTES)


def test_an_empty_allowed_range_is_rejected():
    with pytest.raises(ValueError):
        parse_cron_field("*", 5, 4)
