"""Recency is about uses, not about the clock: freeze the clock and check the order."""

import time

import pytest
import target


@pytest.fixture
def frozen_time(monkeypatch):
    monkeypatch.setattr(time, "time", lambda: 1_700_000_000.0)
    monkeypatch.setattr(time, "monotonic", lambda: 42.0)
    monkeypatch.setenv("CACHE_CAPACITY", "2")
    # nothing to clean: monkeypatch restores everything


@pytest.fixture
def cache(frozen_time):
    import os

    return target.LRUCache(int(os.environ["CACHE_CAPACITY"]))


def test_order_with_frozen_clock(cache):
    cache.put("a", 1)
    cache.put("b", 2)
    cache.get("a")
    cache.put("c", 3)
    assert "b" not in cache
    assert "a" in cache


def test_counting_gets(monkeypatch, cache):
    counted = []
    real_get = target.LRUCache.get

    def counting_get(self, key, default=None):
        counted.append(key)
        return real_get(self, key, default)

    monkeypatch.setattr(target.LRUCache, "get", counting_get)
    cache.put("k", "v")
    assert cache.get("k") == "v"
    assert cache.get("missing", 0) == 0
    assert counted == ["k", "missing"]


def test_falsy_values_are_stored(cache):
    cache.put("zero", 0)
    cache.put("empty", "")
    assert cache.get("zero", "default") == 0
    assert cache.get("empty", "default") == ""
