"""Mixed styles: module import, a spy installed with monkeypatch, raises with match."""

import pytest
import target


@pytest.fixture
def calls(monkeypatch):
    seen = []
    real = target.merge_intervals

    def spy(intervals):
        seen.append(list(intervals))
        return real(intervals)

    monkeypatch.setattr(target, "merge_intervals", spy)
    return seen


def merge_twice(intervals):
    """Merging is idempotent: my helper merges the result again."""
    once = target.merge_intervals(intervals)
    return once, target.merge_intervals(once)


def test_idempotent(calls):
    once, twice = merge_twice([(5, 7), (1, 2), (6, 9)])
    assert once == twice == [(1, 2), (5, 9)]
    assert len(calls) == 2


def test_input_not_modified():
    data = [(4, 5), (1, 2)]
    target.merge_intervals(data)
    assert data == [(4, 5), (1, 2)]


def test_bad_interval():
    with pytest.raises(ValueError, match=r"\(2, 1\)"):
        target.merge_intervals([(2, 1)])
