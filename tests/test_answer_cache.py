"""The nearest answer cache: keyed on the parameters validation reads, bounded in bytes."""

import pytest
from werkzeug.http import generate_etag

from sitedir.directory import nearest
from sitedir.directory.nearest import AnswerCache, answer_cache


@pytest.fixture
def computed(monkeypatch):
    """The arguments of every answer actually computed (not served from the cache)."""
    calls = []
    original = nearest._answer
    monkeypatch.setattr(nearest, "_answer", lambda *a: calls.append(a) or original(*a))
    return calls


def test_junk_parameters_add_no_entries_and_still_hit(app, client, computed):
    first = client.get("/api/v1/nearest?q=Vichy")
    for i in range(20):
        junk = client.get(f"/api/v1/nearest?q=Vichy&junk{i}={'x' * 4096}&utm=abc")
        assert junk.status_code == 200
        assert junk.get_data() == first.get_data()
    with app.app_context():
        assert len(answer_cache()) == 1
    assert len(computed) == 1


def test_known_parameters_count_in_any_order_and_repeats_are_kept_apart(app, client, computed):
    client.get("/api/v1/nearest?q=Vichy&limit=2")
    client.get("/api/v1/nearest?limit=2&q=Vichy")
    assert len(computed) == 1
    # Which of two values validation takes is the schema's business: not the same key.
    client.get("/api/v1/nearest?q=Vichy&limit=2&limit=3")
    assert len(computed) == 2


def test_a_cached_answer_keeps_the_etag_of_its_body(client):
    first = client.get("/api/v1/nearest?q=Vichy")
    again = client.get("/api/v1/nearest?q=Vichy&junk=1")
    assert first.headers["ETag"] == again.headers["ETag"]
    assert first.headers["ETag"] == f'"{generate_etag(again.get_data())}"'
    assert (
        client.get(
            "/api/v1/nearest?q=Vichy", headers={"If-None-Match": first.headers["ETag"]}
        ).status_code
        == 304
    )


def test_the_byte_bound_holds_whatever_the_queries(app, client):
    app.config["ANSWER_CACHE_BYTES"] = 40_000
    sizes = []
    for radius in range(200, 260):  # 60 distinct valid queries, each a few KB of answer
        response = client.get(f"/api/v1/nearest?q=Vichy&limit=9&radius_km={radius}")
        assert response.status_code == 200
        sizes.append(len(response.get_data()))
    with app.app_context():
        cache = answer_cache()
        assert cache.max_bytes == 40_000
        assert cache.bytes <= 40_000
        assert 0 < len(cache) < 60
        assert len(cache) >= 40_000 // (max(sizes) + 1000)  # full, not emptied


def test_lru_by_entries_and_by_bytes():
    key = lambda n: ((9, 1, 2, 3, 4), (("q", (f"town {n}",)),))  # noqa: E731
    cache = AnswerCache(size=3, max_bytes=10_000)
    for n in range(5):
        cache.put(key(n), b"x" * 100, "e")
    assert len(cache) == 3 and cache.get(key(0)) is None and cache.get(key(4)) == (b"x" * 100, "e")
    cache.get(key(2))  # used: kept over key(3)
    cache.put(key(5), b"y" * 100, "e")
    assert cache.get(key(3)) is None and cache.get(key(2)) is not None
    bounded = AnswerCache(size=1000, max_bytes=5_000)
    for n in range(50):
        bounded.put(key(n), b"z" * 1000, "e")
        assert bounded.bytes <= 5_000
    assert len(bounded) == 3  # 1,000 bytes + key + overhead each
    bounded.put(key(99), b"w" * 6_000, "e")  # larger than the whole cache: not kept
    assert bounded.get(key(99)) is None and len(bounded) == 3
    bounded.put(key(49), b"v" * 10, "e")  # replacing an entry frees its bytes
    assert bounded.bytes == sum(cost for _, cost in bounded._lru._entries.values())
