import pytest
from target import merge_intervals


def test_example_from_description():
    assert merge_intervals([(1, 3), (2, 6), (8, 10)]) == [(1, 6), (8, 10)]


def test_empty():
    assert merge_intervals([]) == []


@pytest.mark.skip(reason="TODO: think about touching intervals")
def test_touching():
    assert merge_intervals([(1, 3), (3, 5)]) == [(1, 5)]
