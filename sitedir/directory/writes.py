"""Writes this process made to the directory's data, counted as they commit.

The public snapshot (snapshot.py) re-reads the data's fingerprint at most once per
FRESHNESS_MS; a write made here must show on this process's very next request, so every
commit that flushed a change to a directory row (or ran a write statement) through the
app's session moves this counter on, and the snapshot checks the fingerprint again when
the counter has moved since its last check. Other processes see the change within the
interval.
"""

import itertools
import threading

from sqlalchemy import event

from sitedir.extensions import db
from sitedir.models import Contact, Institution, ReferenceCentre, Site, StatusChange, Study

# Every table the public answers are made of (a site's history is part of its page).
DIRECTORY_MODELS = (Site, Contact, Study, Institution, ReferenceCentre, StatusChange)
_FLAG = "sitedir_directory_written"


class _Counter:
    """A thread-safe, process-wide count of committed directory writes."""

    def __init__(self):
        self._steps = itertools.count(1)
        self._lock = threading.Lock()
        self.value = 0

    def bump(self) -> None:
        with self._lock:
            self.value = next(self._steps)


local_writes = _Counter()


def _mark(session) -> None:
    session.info[_FLAG] = True


@event.listens_for(db.session, "after_flush")
def _note_flushed_changes(session, flush_context) -> None:
    # Still the pre-flush state here: what this flush wrote.
    for obj in itertools.chain(session.new, session.dirty, session.deleted):
        if isinstance(obj, DIRECTORY_MODELS):
            _mark(session)
            return


@event.listens_for(db.session, "do_orm_execute")
def _note_statements(state) -> None:
    # UPDATE/DELETE/INSERT statements, and raw SQL, bypass the flush: count them too.
    if not state.is_select:
        _mark(state.session)


@event.listens_for(db.session, "after_commit")
def _count_commit(session) -> None:
    if session.info.pop(_FLAG, False):
        local_writes.bump()


@event.listens_for(db.session, "after_rollback")
def _forget_rolled_back(session) -> None:
    session.info.pop(_FLAG, None)
