"""Writes this process made to the directory's data, counted as they commit.

The public snapshot (snapshot.py) re-reads the data's fingerprint at most once per
FRESHNESS_MS; a write made here must show on this process's very next request, so every
commit that flushed a change to a directory row (or ran a write statement) through the
app's session moves this counter on, and the snapshot checks the fingerprint again when
the counter has moved since its last check. Other processes see the change within the
interval.

It also guards the write service's promise (sitedir.directory.changes): with the app's
GUARD_PUBLIC_WRITES setting on, setting a public column, adding or removing a contact or a
history row, or adding or deleting a directory row outside `public_writes()` raises
UnguardedWrite, at the line that does it. The write service's tests run with it on.
"""

import itertools
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from flask import current_app, has_app_context
from sqlalchemy import event, inspect

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


# --- the write service's guard -------------------------------------------------------------


class UnguardedWrite(RuntimeError):
    """A public change made outside the write service (sitedir.directory.changes)."""


_inside = ContextVar("sitedir_public_writes", default=0)


@contextmanager
def public_writes() -> Iterator[None]:
    """Public changes made here are the write service's (or a seed load's)."""
    token = _inside.set(_inside.get() + 1)
    try:
        yield
    finally:
        _inside.reset(token)


def _guarded() -> bool:
    return (
        _inside.get() == 0
        and has_app_context()
        and bool(current_app.config.get("GUARD_PUBLIC_WRITES"))
    )


def _refuse(what: str) -> None:
    raise UnguardedWrite(f"{what} outside sitedir.directory.changes, the one write service")


def _watch(model) -> None:
    mapper = inspect(model)
    for column in mapper.column_attrs:
        if column.key in ("changed_seq", "version"):  # moved on by the database, the ORM
            continue

        @event.listens_for(column.class_attribute, "set", propagate=True)
        def _set(target, value, old, initiator, key=f"{model.__name__}.{column.key}"):
            if _guarded() and value is not old and value != old:
                _refuse(f"{key} set")

    for name in ("contacts", "history"):
        if name in mapper.relationships:
            attribute = getattr(model, name)
            for kind in ("append", "remove"):

                @event.listens_for(attribute, kind, propagate=True)
                def _changed(target, value, initiator, key=f"{model.__name__}.{name}"):
                    if _guarded():
                        _refuse(f"{key} changed")


for _model in DIRECTORY_MODELS:
    _watch(_model)


@event.listens_for(db.session, "before_flush")
def _refuse_unguarded_rows(session, flush_context, instances) -> None:
    if not _guarded():
        return
    for obj in itertools.chain(session.new, session.deleted):
        if isinstance(obj, DIRECTORY_MODELS):
            _refuse(f"{type(obj).__name__} added or deleted")
