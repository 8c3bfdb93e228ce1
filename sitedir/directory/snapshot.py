"""A per-process, read-only snapshot of the sites, rebuilt as soon as the data changes.

Every public read needs all the sites of a study (there are a handful), so each
process keeps them serialised once, keyed by a fingerprint that any write changes:
the number of sites and the sum of their version counters (every write bumps a
site's version). One cheap aggregate query per request keeps every process honest.
"""

import threading
from dataclasses import dataclass

from flask import current_app
from sqlalchemy.orm import selectinload

from sitedir.extensions import db
from sitedir.models import ReferenceCentre, Site
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

    @property
    def etag_seed(self) -> str:
        return "-".join(map(str, self.fingerprint))


_lock = threading.Lock()


def _fingerprint() -> tuple:
    count, versions, last_id = db.session.execute(
        db.select(
            db.func.count(Site.id),
            db.func.coalesce(db.func.sum(Site.version), 0),
            db.func.coalesce(db.func.max(Site.id), 0),
        )
    ).one()
    return (int(count), int(versions), int(last_id))


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
    return Snapshot(fingerprint, rows)


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
