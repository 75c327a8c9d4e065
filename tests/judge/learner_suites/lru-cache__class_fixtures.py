import pytest
from target import LRUCache


@pytest.fixture
def make_cache():
    def make(capacity=2, **entries):
        cache = LRUCache(capacity)
        for key, value in entries.items():
            cache.put(key, value)
        return cache

    return make


@pytest.fixture
def full(make_cache):
    """A full cache of two entries, "a" older than "b"."""
    return make_cache(2, a=1, b=2)


class TestConstruction:
    @pytest.mark.parametrize("capacity", [0, -1], ids=["zero", "negative"])
    def test_capacity_below_one(self, capacity):
        with pytest.raises(ValueError, match="capacity"):
            LRUCache(capacity)

    def test_capacity_one(self):
        cache = LRUCache(1)
        cache.put("x", 1)
        cache.put("y", 2)
        assert "x" not in cache
        assert cache.get("y") == 2


class TestGet:
    def test_miss_returns_default(self, full):
        assert full.get("zz") is None
        assert full.get("zz", -1) == -1

    def test_stored_none_is_a_hit(self, make_cache):
        cache = make_cache(2)
        cache.put("n", None)
        assert cache.get("n", "missing") is None

    def test_get_refreshes(self, full):
        assert full.get("a") == 1
        full.put("c", 3)
        assert "a" in full
        assert "b" not in full


class TestPut:
    def test_update_does_not_evict(self, full):
        full.put("a", 10)
        assert len(full) == 2
        assert full.get("a") == 10
        assert full.get("b") == 2

    def test_update_refreshes(self, full):
        full.put("a", 10)
        full.put("c", 3)
        assert "b" not in full
        assert "a" in full

    def test_contains_does_not_refresh(self, full):
        assert "a" in full
        full.put("c", 3)
        assert "a" not in full
        assert "b" in full

    def test_len(self, make_cache):
        cache = make_cache(3, a=1, b=2, c=3, d=4)
        assert len(cache) == 3
