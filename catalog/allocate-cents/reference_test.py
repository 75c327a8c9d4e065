import pytest

from target import allocate


@pytest.mark.parametrize(
    ("total", "weights", "expected"),
    [(100, [1, 1], [50, 50]), (100, [1, 3], [25, 75]), (0, [3, 1], [0, 0]), (7, [1], [7])],
)
def test_exact_splits(total, weights, expected):
    assert allocate(total, weights) == expected


def test_the_larger_remainder_gets_the_leftover_cent():
    assert allocate(10, [1, 2]) == [3, 7]


def test_leftover_cents_follow_the_remainders_not_the_positions():
    # exact shares 1.4, 2.8, 5.8: remainders .4, .8, .8
    assert allocate(10, [7, 14, 29]) == [1, 3, 6]


def test_ties_go_to_the_earliest_shares():
    assert allocate(100, [1, 1, 1]) == [34, 33, 33]
    assert allocate(2, [1, 1, 1]) == [1, 1, 0]


def test_equal_remainders_of_different_sized_shares_are_ties():
    # exact shares 16.67, 16.67, 66.67 all have remainder 2/3
    assert allocate(100, [1, 1, 4]) == [17, 17, 66]


def test_a_zero_weight_never_gets_a_cent():
    assert allocate(5, [1, 0, 1]) == [3, 0, 2]
    assert allocate(1, [0, 1, 1]) == [0, 1, 0]


@pytest.mark.parametrize(
    ("total", "weights"),
    [(100, [1, 1, 1]), (1001, [4, 7, 10]), (999, [1, 2, 3, 4, 5, 6]), (1, [1, 1, 1, 1]), (12345, [3, 0, 3, 7])],
)
def test_shares_always_add_up_to_the_total(total, weights):
    assert sum(allocate(total, weights)) == total


def test_the_weights_list_is_not_modified():
    weights = [3, 1, 2]
    allocate(100, weights)
    assert weights == [3, 1, 2]


@pytest.mark.parametrize(
    ("total", "weights"),
    [(-1, [1, 1]), (100, []), (100, [1, -1, 2]), (100, [0, 0])],
)
def test_invalid_input_is_rejected(total, weights):
    with pytest.raises(ValueError):
        allocate(total, weights)
