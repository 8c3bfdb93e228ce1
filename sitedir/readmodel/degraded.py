"""Degraded, not down: public reads from the last good snapshot while the database fails.

Every public read is answered from memory (snapshot.py); only the fingerprint, read once
per FRESHNESS_MS, needs the database. When that read fails, the snapshot read last is
served for DEGRADED_SECONDS after the last good read (5 minutes by default; each answer
still computes every site's `stale` for its own day), and each such answer
carries `Warning: 110 - "Response is Stale"` (RFC 7234's warn-code for a stale answer).
Past that bound, or with nothing read yet, the error goes on and becomes a 503
(web/problems.py). The database is tried again once per FRESHNESS_MS, not on every
request: a database that hangs costs one request per interval its timeout.
"""

import contextlib
import logging
import time

from flask import current_app, g
from sqlalchemy import exc

from sitedir.directory.writes import local_writes
from sitedir.extensions import db
from sitedir.web.metrics import count_dependency_error

log = logging.getLogger(__name__)

# The errors of a database that is down, hung, restarting or unwritable (not of a query
# that is wrong: those stay 500s, to be fixed).
DATABASE_ERRORS = (exc.OperationalError, exc.InterfaceError, exc.TimeoutError)


def mark_degraded() -> None:
    """Note that this request's answer comes from a snapshot the database could not check."""
    g.sitedir_degraded = True


def is_degraded() -> bool:
    """Whether this request was answered from memory while the database failed."""
    return g.get("sitedir_degraded", False)


def serve_last_good(store: dict, error: Exception):
    """The last good snapshot, while within the bound; otherwise raise `error` again."""
    state = store.get("state")
    good_at = store.get("good_at")
    limit = current_app.config["DEGRADED_SECONDS"]
    now = time.monotonic()
    if state is None or good_at is None or limit <= 0 or now - good_at > limit:
        raise error
    with contextlib.suppress(Exception):  # the session's connection may be dead too
        db.session.rollback()
    count_dependency_error(error)
    if store.get("degraded_since") is None:
        # Once per change of state, not once per request.
        store["degraded_since"] = now
        log.error(
            "database failed (%s): public reads answered from the snapshot read %.0f s ago",
            type(error).__name__,
            now - good_at,
        )
    store["state"] = (state[0], now, local_writes.value)
    mark_degraded()
    return state[0]
