"""The data's fingerprint, read at most once per SITEDIR_FRESHNESS_MS per process (on every
public request only with FRESHNESS_MS = 0): on connections of its own.

Through the ORM session, this one-row query cost about 250 µs on PostgreSQL: a pool
checkout, the query inside an implicit transaction, and a ROLLBACK round trip when the
connection went back to the pool. On a few autocommit connections kept for it alone it
costs one round trip (about 30 µs on localhost). Under the default 1-second throttle the
saving is marginal (one read a second per process); it matters with FRESHNESS_MS = 0,
where every public request reads it. Each read still sees every commit made by any
process before it.

In-memory SQLite (the tests) has a single connection that this must not take away: there,
the session is used as before.
"""

import contextlib
import threading

from sqlalchemy.engine import Engine

# The number of sites (a site removed), the last change's sequence value (it moves at
# every site write) and the highest id, then the same for studies (count, highest id),
# then for hospitals (count, last change's sequence value). Each one a subquery of
# its own: alone, SQLite counts a table from its b-tree pages and reads a max from the end
# of an index, but aggregates side by side in one SELECT made it scan every site (6 ms at
# 30,000 sites, against 0.05 ms).
FINGERPRINT_SQL = (
    "SELECT (SELECT count(*) FROM site), (SELECT coalesce(max(changed_seq), 0) FROM site),"
    " (SELECT coalesce(max(id), 0) FROM site), (SELECT count(*) FROM study),"
    " (SELECT coalesce(max(id), 0) FROM study), (SELECT count(*) FROM institution),"
    " (SELECT coalesce(max(changed_seq), 0) FROM institution)"
)


class FingerprintReader:
    """A small LIFO pool of autocommit DBAPI connections that run FINGERPRINT_SQL."""

    def __init__(self, engine: Engine, keep: int = 16):
        self.engine = engine
        self.keep = keep
        self._idle: list = []
        self._lock = threading.Lock()

    @staticmethod
    def usable(engine: Engine) -> bool:
        """False for in-memory SQLite, whose one connection is the whole database."""
        in_memory = engine.url.database in (None, "", ":memory:")
        return not (engine.dialect.name == "sqlite" and in_memory)

    def read(self) -> tuple:
        """Return the fingerprint as the database holds it now."""
        connection = self._take()
        try:
            cursor = connection.cursor()
            cursor.execute(FINGERPRINT_SQL)
            row = cursor.fetchone()
            cursor.close()
        except Exception:
            # A connection the server dropped (a restart, a failover): never reuse it.
            _close_quietly(connection)
            raise
        self._give(connection)
        return tuple(int(v) for v in row)

    def close(self) -> None:
        """Close the idle connections (an app being torn down)."""
        with self._lock:
            idle, self._idle = self._idle, []
        for connection in idle:
            _close_quietly(connection)

    def _take(self):
        with self._lock:
            if self._idle:
                return self._idle.pop()
        return self._open()

    def _give(self, connection) -> None:
        with self._lock:
            if len(self._idle) < self.keep:
                self._idle.append(connection)
                return
        _close_quietly(connection)

    def _open(self):
        # A connection made by the engine (same URL, driver and options), then detached
        # from its pool: it belongs to this reader alone, and closes for real.
        connection = self.engine.raw_connection()
        driver = connection.driver_connection
        assert driver is not None  # None only once the pool has let the connection go
        connection.detach()
        driver.rollback()  # leave any transaction the connect hooks began
        if self.engine.dialect.name == "sqlite":
            driver.isolation_level = None  # autocommit: each read sees the last commit
        else:
            driver.autocommit = True
            if hasattr(driver, "answer_timeout"):
                # A one-row read: a server that does not answer it soon is hung, and the
                # snapshot answers meanwhile (degraded.py) instead of a worker waiting.
                from sitedir.engine import QUICK_ANSWER_SECONDS

                driver.answer_timeout = QUICK_ANSWER_SECONDS
        return connection


def _close_quietly(connection) -> None:
    with contextlib.suppress(Exception):  # already broken: nothing more to release
        connection.close()
