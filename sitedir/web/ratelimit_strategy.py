"""A sliding-window counter that costs one Redis round trip per counted request.

limits' own strategies take two: the hit (a Lua script), then, for the X-RateLimit-*
headers Flask-Limiter adds to the answer, a second script or GET/TTL pair to read the
window back. Here the hit's script returns the window it has just counted, and the
headers are made from that answer (kept in the request's environ, for it alone).

On Redis the counter is limits' sliding window counter, in limits' own keys (a current
and a previous window's count), so `clear` and `test` are limits' own; the weighted count
is not rounded down, so it never lets one request more through.
Unlike a moving window it is O(1) in the limit (a moving window keeps one list entry per
request counted, 600 of them per client), and unlike a fixed window it allows no burst of
twice the limit across a window's boundary: the previous window's count is weighted by
the part of it still inside the sliding window.
"""

import time
from collections.abc import Callable
from math import floor, inf

from flask import has_request_context, request
from limits.storage import RedisStorage
from limits.strategies import (
    STRATEGIES,
    MovingWindowRateLimiter,
    SlidingWindowCounterRateLimiter,
    WindowStats,
)

NAME = "sitedir-sliding-window"
# Where a request keeps the windows its hits counted: its own environ, for it alone.
WINDOWS = "sitedir.rate_windows"

# KEYS: the previous window's key, the current window's key (limits' names for them).
# ARGV: the limit, the window in seconds, the cost. Times in milliseconds.
# Returns {acquired (1/0), previous count, previous TTL, current count, current TTL}, the
# counts as they stand once this request is counted (or refused).
ACQUIRE_AND_READ = """
local limit = tonumber(ARGV[1])
local window = tonumber(ARGV[2]) * 1000
local cost = tonumber(ARGV[3])
local current_ttl = tonumber(redis.call('pttl', KEYS[2]))
if current_ttl > 0 and current_ttl < window then
    -- the current window has ended: it becomes the previous one
    redis.call('rename', KEYS[2], KEYS[1])
    redis.call('set', KEYS[2], 0, 'PX', current_ttl + window)
end
local previous = tonumber(redis.call('get', KEYS[1])) or 0
local previous_ttl = math.max(tonumber(redis.call('pttl', KEYS[1])), 0)
local current = tonumber(redis.call('get', KEYS[2])) or 0
current_ttl = math.max(tonumber(redis.call('pttl', KEYS[2])), 0)
-- not floored (limits floors it): never one request more than the limit
if cost > limit or previous * previous_ttl / window + current + cost > limit then
    return {0, previous, previous_ttl, current, current_ttl}
end
if current_ttl > 0 then
    current = redis.call('incrby', KEYS[2], cost)
else
    redis.call('set', KEYS[2], cost, 'PX', window * 2)
    current, current_ttl = cost, window * 2
end
return {1, previous, previous_ttl, current, current_ttl}
"""


class OneTripSlidingWindow(SlidingWindowCounterRateLimiter):
    """On Redis, a sliding window counter whose hit reads its window in the same call.

    Elsewhere (memory://: a laptop, the tests, the fallback while Redis is down) there is
    no round trip to save, and counting is limits' exact moving window, as before.
    """

    def __init__(self, storage):
        self._script: Callable[[list, list], list] | None = None
        self._exact: MovingWindowRateLimiter | None = None
        if isinstance(storage, RedisStorage):
            super().__init__(storage)
            # Encoded here as redis-py would (limits' protocol for the client asks bytes).
            script = ACQUIRE_AND_READ.encode()
            self._script = storage.get_connection().register_script(script)
        else:
            self.storage = storage
            self._exact = MovingWindowRateLimiter(storage)

    def test(self, item, *identifiers: str, cost: int = 1) -> bool:
        """Whether `cost` more would be within the limit."""
        if self._exact is not None:
            return self._exact.test(item, *identifiers, cost=cost)
        return super().test(item, *identifiers, cost=cost)

    def clear(self, item, *identifiers: str) -> None:
        """Forget the counts of this limit and identifiers."""
        if self._exact is not None:
            return self._exact.clear(item, *identifiers)
        return super().clear(item, *identifiers)

    def hit(self, item, *identifiers: str, cost: int = 1) -> bool:
        """Count the request; on Redis, keep the window it leaves for the headers."""
        if self._exact is not None:
            return self._exact.hit(item, *identifiers, cost=cost)
        storage, script = self.storage, self._script
        # Redis, and its script: any other storage has an exact limiter (see __init__).
        assert isinstance(storage, RedisStorage) and script is not None
        key = item.key_for(*identifiers)
        keys = [
            storage.prefixed_key(storage._previous_window_key(key)),
            storage.prefixed_key(storage._current_window_key(key)),
        ]
        acquired, previous, previous_ttl, current, current_ttl = script(
            keys, [item.amount, item.get_expiry(), cost]
        )
        if has_request_context():
            windows = request.environ.setdefault(WINDOWS, {})
            windows[key] = self._stats(
                item, int(previous), previous_ttl / 1000, int(current), current_ttl / 1000
            )
        return bool(acquired)

    def get_window_stats(self, item, *identifiers: str) -> WindowStats:
        """The window this request's hit left, else read from the storage."""
        if self._exact is not None:
            return self._exact.get_window_stats(item, *identifiers)
        if has_request_context():
            found = request.environ.get(WINDOWS, {}).get(item.key_for(*identifiers))
            if found is not None:
                return found
        return super().get_window_stats(item, *identifiers)

    def _stats(self, item, previous: int, previous_ttl: float, current: int, current_ttl: float):
        # As limits computes it from the same four numbers (get_window_stats).
        remaining = max(
            0, item.amount - floor(self._weighted_count(item, previous, previous_ttl, current))
        )
        now = time.time()
        if not (previous or current):
            return WindowStats(now, remaining)
        expiry = item.get_expiry()
        previous_reset_in = previous_ttl % (expiry / previous) if previous else inf
        current_reset_in = current_ttl % expiry if current else inf
        return WindowStats(now + min(previous_reset_in, current_reset_in), remaining)


# Flask-Limiter looks strategies up by name in limits' table (RATELIMIT_STRATEGY).
STRATEGIES.setdefault(NAME, OneTripSlidingWindow)
