"""A small thread-safe LRU map, bounded in entries and in bytes: the per-process caches'.

The nearest answer cache (directory/nearest.py), the online geocoder's cache
(places/online.py) and the FHIR catalogues per base URL (fhir/catalogue.py) all keep the
most recently used entries of an unbounded key space;
functools.lru_cache cannot bound bytes, nor tell an absent key from a cached None.
"""

import threading
from collections import OrderedDict
from collections.abc import Hashable
from typing import Any

MISSING = object()  # what get() answers for an absent key, so a cached None is a hit


class LRU:
    """Least-recently-used entries, at most `size` of them and `max_bytes` of cost (when
    given); each entry's cost is what its put() says it is."""

    def __init__(self, size: int, max_bytes: int | None = None):
        self.size = size
        self.max_bytes = max_bytes
        self.bytes = 0
        self._entries: OrderedDict[Hashable, tuple[object, int]] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._entries)

    # Values of any type, as each cache keeps its own (their owners type what they read).
    def get(self, key: Hashable, default: Any = MISSING) -> Any:
        """Return the value stored under key (now the most recently used), or default."""
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return default
            self._entries.move_to_end(key)
            return entry[0]

    def put(self, key: Hashable, value: Any, cost: int = 0) -> None:
        """Store value under key, dropping the least recently used entries over the bounds.
        A value that costs more than the whole cache is not kept (nor is the key's old one:
        get() must never answer a value put() has since replaced)."""
        with self._lock:
            old = self._entries.pop(key, None)
            if old is not None:
                self.bytes -= old[1]
            if self.max_bytes is not None and cost > self.max_bytes:
                return
            self._entries[key] = (value, cost)
            self.bytes += cost
            while len(self._entries) > self.size or (
                self.max_bytes is not None and self.bytes > self.max_bytes
            ):
                _, (_, freed) = self._entries.popitem(last=False)
                self.bytes -= freed
