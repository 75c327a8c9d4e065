import pytest

from target import merge_intervals


def test_empty_input_gives_an_empty_list():
    assert merge_intervals([]) == []


def test_a_single_interval_is_returned_as_is():
    assert merge_intervals([(2, 7)]) == [(2, 7)]


def test_overlapping_intervals_are_merged():
    assert merge_intervals([(1, 3), (2, 6), (8, 10)]) == [(1, 6), (8, 10)]


def test_unsorted_input_gives_sorted_output():
    assert merge_intervals([(8, 10), (1, 3), (5, 6)]) == [(1, 3), (5, 6), (8, 10)]


def test_unsorted_overlapping_intervals_are_merged():
    assert merge_intervals([(5, 8), (1, 2), (4, 6)]) == [(1, 2), (4, 8)]


def test_touching_intervals_are_merged():
    assert merge_intervals([(1, 3), (3, 5)]) == [(1, 5)]


def test_intervals_with_a_gap_stay_separate_even_without_an_integer_in_it():
    assert merge_intervals([(1, 2), (3, 4)]) == [(1, 2), (3, 4)]


@pytest.mark.parametrize(
    ("intervals", "expected"),
    [
        ([(1, 10), (2, 3)], [(1, 10)]),
        ([(1, 10), (2, 3), (4, 12)], [(1, 12)]),
        ([(1, 5), (1, 5)], [(1, 5)]),
    ],
)
def test_contained_and_duplicate_intervals_do_not_shrink_the_result(intervals, expected):
    assert merge_intervals(intervals) == expected


def test_a_chain_of_overlaps_becomes_one_interval():
    assert merge_intervals([(1, 4), (3, 7), (6, 9)]) == [(1, 9)]


def test_single_point_intervals_are_valid():
    assert merge_intervals([(3, 3), (5, 5)]) == [(3, 3), (5, 5)]


def test_a_point_on_the_end_of_an_interval_is_absorbed():
    assert merge_intervals([(3, 3), (1, 3)]) == [(1, 3)]


def test_negative_coordinates_are_fine():
    assert merge_intervals([(-5, -1), (-2, 0)]) == [(-5, 0)]


def test_results_are_tuples():
    assert all(type(interval) is tuple for interval in merge_intervals([(4, 5), (1, 2)]))


def test_the_input_list_is_not_modified():
    intervals = [(8, 10), (1, 3), (2, 6)]
    merge_intervals(intervals)
    assert intervals == [(8, 10), (1, 3), (2, 6)]


def test_an_interval_that_ends_before_it_starts_is_rejected():
    with pytest.raises(ValueError):
        merge_intervals([(1, 2), (5, 1)])
