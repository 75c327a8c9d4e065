import copy

import pytest
from target import merge_intervals


@pytest.fixture
def meetings():
    """A day of meetings, checked afterwards for accidental modification."""
    data = [(9, 10), (13, 15), (9, 12), (16, 16), (14, 15)]
    original = copy.deepcopy(data)
    yield data
    assert data == original, "merge_intervals modified its input"


class TestBasics:
    def test_empty(self):
        assert merge_intervals([]) == []

    def test_single(self):
        assert merge_intervals([(2, 5)]) == [(2, 5)]

    def test_point_interval(self):
        assert merge_intervals([(3, 3)]) == [(3, 3)]

    def test_result_contains_tuples(self):
        result = merge_intervals([(1, 2), (5, 6)])
        assert all(isinstance(item, tuple) for item in result)


class TestMerging:
    def test_example(self):
        assert merge_intervals([(1, 3), (2, 6), (8, 10)]) == [(1, 6), (8, 10)]

    def test_unsorted_input(self):
        assert merge_intervals([(8, 10), (1, 3)]) == [(1, 3), (8, 10)]

    def test_touching(self):
        assert merge_intervals([(1, 3), (3, 5)]) == [(1, 5)]

    def test_gap_without_integers_stays(self):
        assert merge_intervals([(1, 2), (3, 4)]) == [(1, 2), (3, 4)]

    def test_contained(self):
        assert merge_intervals([(1, 10), (2, 3)]) == [(1, 10)]

    def test_meetings(self, meetings):
        assert merge_intervals(meetings) == [(9, 12), (13, 15), (16, 16)]


class TestErrors:
    @pytest.mark.parametrize("bad", [[(5, 1)], [(1, 2), (4, 3)]], ids=["only", "second"])
    def test_reversed_interval(self, bad):
        with pytest.raises(ValueError, match="ends before it starts"):
            merge_intervals(bad)
