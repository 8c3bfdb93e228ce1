"""Pausing Python's cyclic garbage collector while large acyclic tables are built.

Building the gazetteer, the trigram groups or the read model of 100,000 sites allocates
millions of objects, none in a cycle. Each allocation counts toward a collection, and
each collection walks every young object: at 100,000 sites, 4,200 collections took 9 s
of a 46-second first build (bench/readmodel_build.py, in bench/RESULTS.md). Reference
counting frees everything such a build discards either way.
"""

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def gc_paused(collect_above: int | None = None) -> Iterator[None]:
    """Pause the cyclic collector for the block.

    With `collect_above`, a block that leaves more young objects than that is followed
    by one full collection, at once: the collector would otherwise walk them all at its
    next young collections, in some later request's time, and a full
    one leaves them in the oldest generation, walked again only when it grows by a
    quarter. A block that made few objects costs nothing more.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
            if collect_above is not None and gc.get_count()[0] > collect_above:
                gc.collect()
