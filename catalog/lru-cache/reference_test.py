import pytest

from target import LRUCache


def make_full_cache():
    """A cache of capacity 3 holding a, b, c, put in that order (a is least recently used)."""
    cache = LRUCache(3)
    cache.put("a", 1)
    cache.put("b", 2)
    cache.put("c", 3)
    return cache


def test_a_stored_value_can_be_read_back():
    cache = LRUCache(2)
    cache.put("a", 1)
    assert cache.get("a") == 1


def test_a_missing_key_returns_none_or_the_default():
    cache = LRUCache(2)
    assert cache.get("missing") is None
    assert cache.get("missing", -1) == -1


@pytest.mark.parametrize("value", [None, 0, "", False, []])
def test_falsy_values_are_stored_like_any_other(value):
    cache = LRUCache(2)
    cache.put("k", value)
    assert cache.get("k", "default") == value
    assert "k" in cache


def test_reading_a_stored_none_counts_as_a_use():
    cache = LRUCache(2)
    cache.put("a", None)
    cache.put("b", 2)
    cache.get("a")
    cache.put("c", 3)
    assert "a" in cache
    assert "b" not in cache


def test_len_counts_entries_up_to_the_capacity():
    cache = make_full_cache()
    assert len(cache) == 3
    cache.put("d", 4)
    assert len(cache) == 3


def test_the_least_recently_put_entry_is_evicted_first():
    cache = make_full_cache()
    cache.put("d", 4)
    assert "a" not in cache
    assert ["b" in cache, "c" in cache, "d" in cache] == [True, True, True]


def test_a_get_protects_an_entry_from_eviction():
    cache = make_full_cache()
    cache.get("a")
    cache.put("d", 4)
    assert "a" in cache
    assert "b" not in cache


def test_a_missed_get_changes_nothing():
    cache = make_full_cache()
    cache.get("zzz")
    cache.put("d", 4)
    assert "a" not in cache
    assert len(cache) == 3


def test_updating_a_key_replaces_its_value_without_growing():
    cache = make_full_cache()
    cache.put("b", 20)
    assert cache.get("b") == 20
    assert len(cache) == 3


def test_updating_a_key_in_a_full_cache_evicts_nothing():
    cache = make_full_cache()
    cache.put("c", 30)
    assert ["a" in cache, "b" in cache, "c" in cache] == [True, True, True]


def test_updating_a_key_counts_as_a_use():
    cache = make_full_cache()
    cache.put("a", 10)
    cache.put("d", 4)
    assert "a" in cache
    assert "b" not in cache


def test_membership_tests_do_not_count_as_a_use():
    cache = make_full_cache()
    assert "a" in cache
    cache.put("d", 4)
    assert "a" not in cache


def test_capacity_one_keeps_only_the_latest_entry():
    cache = LRUCache(1)
    cache.put("a", 1)
    cache.put("b", 2)
    assert cache.get("a") is None
    assert cache.get("b") == 2


@pytest.mark.parametrize("capacity", [0, -1])
def test_capacity_below_one_is_rejected(capacity):
    with pytest.raises(ValueError):
        LRUCache(capacity)
