import pytest
from target import LRUCache


def fill(cache, *keys):
    for number, key in enumerate(keys):
        cache.put(key, number)


def test_put_and_get():
    cache = LRUCache(3)
    fill(cache, "a", "b")
    assert cache.get("a") == 0
    assert cache.get("b") == 1
    assert len(cache) == 2


def test_oldest_is_evicted():
    cache = LRUCache(2)
    fill(cache, "a", "b", "c")
    assert "a" not in cache
    assert len(cache) == 2


def test_example_from_description():
    cache = LRUCache(2)
    cache.put("a", 1)
    cache.put("b", 2)
    assert cache.get("a") == 1
    cache.put("c", 3)
    assert "b" not in cache
    assert cache.get("b", -1) == -1
    assert len(cache) == 2


@pytest.mark.xfail(reason="I thought a miss raised KeyError, the contract says default")
def test_miss_raises():
    cache = LRUCache(1)
    with pytest.raises(KeyError):
        cache.get("nope")
