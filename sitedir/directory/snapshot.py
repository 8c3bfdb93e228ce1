"""A per-process, read-only snapshot of the sites, rebuilt as soon as the data changes.

Every public read needs all the sites of a study (there are a handful), so each
process keeps them serialised once, keyed by a fingerprint that any write changes:
the number of sites, the sum of their version counters (every write bumps a site's
version), the highest id, and the same for studies.

How fresh: the fingerprint is read at most once per FRESHNESS_MS per process (one
database round trip saved on nearly every request), so a change made by another process
shows within that interval; a change made through this process's session shows on its
next request (writes.local_writes moves on at commit and forces a new read). With
FRESHNESS_MS = 0 the fingerprint is read on every request, as before.
"""

import logging
import threading
import time
from dataclasses import dataclass

from flask import current_app
from sqlalchemy.orm import selectinload

from sitedir.directory.fingerprint import FINGERPRINT_SQL, FingerprintReader
from sitedir.directory.writes import local_writes
from sitedir.extensions import db
from sitedir.models import ReferenceCentre, Site, Study
from sitedir.schemas import SiteSchema


@dataclass(frozen=True, slots=True)
class SiteRow:
    """What ranking and filtering need of a site, and its serialised form."""

    id: str
    study: str
    latitude: float
    longitude: float
    is_open: bool
    status: str
    region: str
    department: str
    data: dict


@dataclass(frozen=True, slots=True)
class Snapshot:
    fingerprint: tuple
    rows: tuple[SiteRow, ...]
    studies: tuple[str, ...]


_lock = threading.Lock()
log = logging.getLogger(__name__)


def _fingerprint() -> tuple:
    reader = current_app.extensions.get("sitedir_fingerprint")
    if reader is None:
        engine = db.engine
        reader = FingerprintReader(engine) if FingerprintReader.usable(engine) else False
        current_app.extensions["sitedir_fingerprint"] = reader
    if reader:
        try:
            return reader.read()
        except Exception:  # a dropped connection: the session can still answer
            log.warning("fingerprint connection failed; reading through the session", exc_info=True)
    # Plain SQL: compiling a Core statement on every request would cost more than running it.
    row = db.session.connection().exec_driver_sql(FINGERPRINT_SQL).one()
    return tuple(int(v) for v in row)


def _build(fingerprint: tuple) -> Snapshot:
    sites = db.session.scalars(
        db.select(Site)
        .order_by(Site.slug)
        .options(
            selectinload(Site.study),
            selectinload(Site.institution),
            selectinload(Site.contacts),
            selectinload(Site.reference_centre).selectinload(ReferenceCentre.institution),
            selectinload(Site.reference_centre).selectinload(ReferenceCentre.contacts),
        )
    ).all()
    schema = SiteSchema()
    rows = tuple(
        SiteRow(
            id=s.slug,
            study=s.study.slug,
            latitude=s.latitude,
            longitude=s.longitude,
            is_open=s.is_open,
            status=s.status,
            region=s.region,
            department=s.department,
            data=schema.dump(s),
        )
        for s in sites
    )
    studies = tuple(db.session.scalars(db.select(Study.slug).order_by(Study.slug)))
    return Snapshot(fingerprint, rows, studies)


def current_snapshot() -> Snapshot:
    """Return the sites as the database holds them, at most FRESHNESS_MS old (this
    process's own writes at once), rebuilt only after a change."""
    # Kept on the app, so two apps in one process (tests) never share a snapshot.
    store = current_app.extensions.get("sitedir_snapshot")
    if store is None:
        store = current_app.extensions.setdefault("sitedir_snapshot", {"lock": threading.Lock()})
    interval = current_app.config.get("FRESHNESS_MS", 0) / 1000
    if interval <= 0:  # every request reads the fingerprint, concurrently
        return _refresh(store)
    state = store.get("state")
    if _fresh(state, interval):
        return state[0]
    with store["lock"]:  # one fingerprint read per interval, whatever the threads
        state = store.get("state")
        if _fresh(state, interval):
            return state[0]
        return _refresh(store)


def _fresh(state: tuple | None, interval: float) -> bool:
    if state is None:
        return False
    _, checked_at, writes = state
    return writes == local_writes.value and time.monotonic() - checked_at < interval


def _refresh(store: dict) -> Snapshot:
    """Read the fingerprint; rebuild the snapshot if it changed; note when it was read."""
    # Taken before the read: a commit from here after it forces the next request to read.
    writes, checked_at = local_writes.value, time.monotonic()
    fingerprint = _fingerprint()
    state = store.get("state")
    cached = state[0] if state else None
    if cached is None or cached.fingerprint != fingerprint:
        with _lock:
            state = store.get("state")
            cached = state[0] if state else None
            if cached is None or cached.fingerprint != fingerprint:
                cached = _build(fingerprint)
    store["state"] = (cached, checked_at, writes)
    return cached
