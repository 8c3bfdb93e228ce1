"""The one LRU behind the per-process caches: bounded in entries, and in bytes when asked."""

from sitedir.domain.lru import LRU, MISSING


def test_the_least_recently_used_entry_goes_first():
    cache = LRU(2)
    cache.put("a", 1)
    cache.put("b", 2)
    assert cache.get("a") == 1  # used: "b" is now the oldest
    cache.put("c", 3)
    assert cache.get("b") is MISSING and len(cache) == 2


def test_a_cached_none_is_a_hit():
    cache = LRU(4)
    cache.put("unknown address", None)
    assert cache.get("unknown address") is None
    assert cache.get("never asked") is MISSING
    assert cache.get("never asked", "default") == "default"


def test_without_a_byte_bound_costs_are_only_counted():
    cache = LRU(3)
    for n in range(5):
        cache.put(n, "x", cost=10**9)
    assert len(cache) == 3 and cache.bytes == 3 * 10**9


def test_a_value_too_costly_to_keep_replaces_the_old_one_all_the_same():
    """put() stores the new value or nothing: never leaves the old one to answer for it."""
    cache = LRU(4, max_bytes=100)
    cache.put("key", "old", cost=40)
    cache.put("key", "new and huge", cost=101)
    assert cache.get("key") is MISSING
    assert len(cache) == 0 and cache.bytes == 0


def test_bytes_follow_replacements_and_evictions():
    cache = LRU(2, max_bytes=100)
    cache.put("a", 1, cost=30)
    cache.put("a", 2, cost=50)  # replaced: 50, not 80
    cache.put("b", 3, cost=40)
    assert cache.bytes == 90 and cache.get("a") == 2
    cache.put("c", 4, cost=30)  # three entries: "b" (least recently used) goes
    assert cache.get("b") is MISSING and cache.bytes == 80
