"""A per-process, read-only snapshot of the sites, rebuilt as soon as the data changes.

Every public read needs all the sites of a study (there are a handful), so each
process keeps them serialised once, keyed by a fingerprint that any write changes:
the number of sites, the sum of their version counters (every write bumps a site's
version), the highest id, and the same for studies. One cheap aggregate query per
request keeps every process honest.
"""

import logging
import threading
from dataclasses import dataclass

from flask import current_app
from sqlalchemy.orm import selectinload

from sitedir.directory.fingerprint import FINGERPRINT_SQL, FingerprintReader
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

    @property
    def etag_seed(self) -> str:
        return "-".join(map(str, self.fingerprint))


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
    """Return the sites as the database holds them now, rebuilt only after a change."""
    # Kept on the app, so two apps in one process (tests) never share a snapshot.
    store = current_app.extensions.setdefault("sitedir_snapshot", {})
    fingerprint = _fingerprint()
    cached = store.get("snapshot")
    if cached is not None and cached.fingerprint == fingerprint:
        return cached
    with _lock:
        cached = store.get("snapshot")
        if cached is None or cached.fingerprint != fingerprint:
            cached = _build(fingerprint)
            store["snapshot"] = cached
        return cached
