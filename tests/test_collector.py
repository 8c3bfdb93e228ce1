"""The collector pause: off inside the block, as it was after it, and one full collection
after a block that left many young objects (never after a small one)."""

import gc

import pytest

from sitedir.domain.collector import gc_paused


@pytest.fixture
def full_collections():
    """Count the full (oldest-generation) collections started while the test runs."""
    seen = []

    def note(phase, info):
        if phase == "start" and info["generation"] == 2:
            seen.append(info)

    gc.callbacks.append(note)
    yield seen
    gc.callbacks.remove(note)


def test_the_collector_is_off_inside_and_on_after():
    assert gc.isenabled()
    with gc_paused():
        assert not gc.isenabled()
    assert gc.isenabled()


def test_a_collector_already_off_stays_off():
    gc.disable()
    try:
        with gc_paused(collect_above=0):
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_an_error_inside_still_turns_it_back_on():
    with pytest.raises(RuntimeError), gc_paused():
        raise RuntimeError
    assert gc.isenabled()


def test_a_large_block_ends_with_one_full_collection(full_collections):
    kept = []
    with gc_paused(collect_above=10_000):
        kept.extend([i] for i in range(50_000))  # lists: objects the collector tracks
    assert len(full_collections) == 1
    # Nothing young is left for the next collections to walk.
    assert gc.get_count()[0] < 10_000


def test_a_small_block_costs_no_collection(full_collections):
    gc.collect()
    full_collections.clear()
    with gc_paused(collect_above=10_000):
        kept = [[i] for i in range(100)]
    assert full_collections == []
    assert len(kept) == 100
