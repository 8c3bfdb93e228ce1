"""Every FHIR resource the server shows, built once per version of the data and kept.

Built from the same tables as the JSON API, and rebuilt when the snapshot's fingerprint
changes (any write to a site or a contact changes it, and so does a new day in Paris, when
`stale` may turn true), so FHIR answers follow every change in every process on the next
request. Private contacts are never loaded.

meta.versionId and meta.lastUpdated come from versions.stamp: a new version exactly when a
resource's JSON changes, effective when a build first saw it.
"""

from dataclasses import dataclass, field, replace
from datetime import datetime

from flask import current_app
from sqlalchemy.orm import selectinload

from sitedir import clock
from sitedir.extensions import db
from sitedir.fhir import resources, versions
from sitedir.fhir.definitions import (
    CONTACT_ROLE_PATH,
    FINESS_SYSTEM,
    LOCATION_STATUS_SYSTEM,
    RESEARCH_STUDY_STATUS_SYSTEM,
)
from sitedir.lru import LRU
from sitedir.models import Contact, Institution, ReferenceCentre, Site, Study
from sitedir.places.normalize import fold
from sitedir.readmodel.snapshot import current_snapshot
from sitedir.staleness import is_stale
from sitedir.vocabulary import FHIR_LOCATION_STATUS


@dataclass(frozen=True, slots=True)
class Record:
    """One resource, and what searches compare it with."""

    type: str
    id: str
    resource: dict
    last_updated: datetime | None = None
    version: int | None = None
    # Search keys: strings as written (:exact), tokens, "Type/id" references, and for
    # Locations a point.
    strings: dict[str, tuple[str, ...]] = field(default_factory=dict)
    tokens: dict[str, tuple[tuple[str | None, str], ...]] = field(default_factory=dict)
    refs: dict[str, tuple[str, ...]] = field(default_factory=dict)
    study: str | None = None
    point: tuple[float, float] | None = None
    # `strings` folded once, when the catalogue is built: a search folds only what it asks.
    folded: dict[str, tuple[str, ...]] = field(init=False, default_factory=dict)

    def __post_init__(self):
        keys = {name: tuple(fold(t) for t in texts) for name, texts in self.strings.items()}
        object.__setattr__(self, "folded", keys)  # frozen: set once, here


@dataclass(frozen=True, slots=True)
class Catalogue:
    """The resources by type, each type in id order."""

    records: dict[str, dict[str, Record]]

    def of(self, kind: str) -> list[Record]:
        return list(self.records.get(kind, {}).values())

    def get(self, kind: str, resource_id: str) -> Record | None:
        return self.records.get(kind, {}).get(resource_id)


def _reference_centre_ids(centres, institution_keys) -> dict[int, str]:
    # Reference centres and hospitals share the Organization id space; keys are distinct
    # by convention ("crmr-…"), and a clash is settled with a prefix rather than lost.
    return {c.id: f"rc-{c.key}" if c.key in institution_keys else c.key for c in centres}


def build(base: str) -> Catalogue:
    """Read the directory and build every resource, its canonical URLs under `base`."""
    sites = db.session.scalars(
        db.select(Site)
        .order_by(Site.slug)
        .options(
            selectinload(Site.study),
            selectinload(Site.institution),
            selectinload(Site.contacts),
        )
    ).all()
    studies = db.session.scalars(db.select(Study).order_by(Study.slug)).all()
    centres = db.session.scalars(
        db.select(ReferenceCentre)
        .order_by(ReferenceCentre.key)
        .options(selectinload(ReferenceCentre.institution), selectinload(ReferenceCentre.contacts))
    ).all()
    institutions = {i.key: i for i in db.session.scalars(db.select(Institution))}
    today, stale_days = clock.today_in_paris(), current_app.config["STALE_DAYS"]
    records: dict[str, dict[str, Record]] = {
        "Location": {},
        "Organization": {},
        "PractitionerRole": {},
        "ResearchStudy": {},
    }

    for key in sorted(institutions):
        inst = institutions[key]
        records["Organization"][key] = Record(
            type="Organization",
            id=key,
            resource=resources.hospital(inst),
            **_address_keys(inst, [inst.name, inst.site_name]),
            tokens=_finess(inst),
        )
    centre_ids = _reference_centre_ids(centres, set(institutions))
    for centre in centres:
        org_id = centre_ids[centre.id]
        records["Organization"][org_id] = Record(
            type="Organization",
            id=org_id,
            resource=resources.reference_centre(centre, org_id),
            strings={"name": _folded(centre.name)},
            refs={"partof": (f"Organization/{centre.institution.key}",)},
        )

    roles: list[Record] = []
    for site in sites:
        public = [c for c in site.contacts if c.public]
        org_ref = f"Organization/{site.institution.key}"
        records["Location"][site.slug] = Record(
            type="Location",
            id=site.slug,
            # Stale today: the snapshot's fingerprint holds the day, so this flips (and
            # makes a new version) without a write.
            resource=resources.location(
                site, base, is_stale(site.status_confirmed_at, today, stale_days)
            ),
            strings={
                "name": _folded(site.name),
                "address-city": _folded(site.institution.city),
                "address-postalcode": _folded(site.institution.postcode),
            },
            tokens={"status": ((LOCATION_STATUS_SYSTEM, FHIR_LOCATION_STATUS[site.status]),)},
            refs={"organization": (org_ref,)},
            study=site.study.slug,
            point=(site.latitude, site.longitude),
        )
        organization = (site.institution.key, site.name)
        roles += [_role(c, base, organization, site.study.slug, site) for c in public]
    for centre in centres:
        organization = (centre_ids[centre.id], centre.name)
        roles += [_role(c, base, organization, None) for c in centre.contacts if c.public]
    records["PractitionerRole"] = {r.id: r for r in sorted(roles, key=lambda r: int(r.id))}

    for study in studies:
        own = [s for s in sites if s.study_id == study.id]
        resource = resources.research_study(study, own)
        records["ResearchStudy"][study.slug] = Record(
            type="ResearchStudy",
            id=study.slug,
            resource=resource,
            strings={"title": _folded(study.title_fr, study.title_en)},
            tokens={"status": ((RESEARCH_STUDY_STATUS_SYSTEM, resource["status"]),)},
            refs={"site": tuple(f"Location/{s.slug}" for s in own)},
            study=study.slug,
        )
    return Catalogue(_stamped(records, base))


def _stamped(records: dict[str, dict[str, Record]], base: str) -> dict[str, dict[str, Record]]:
    """The records with their meta.versionId and meta.lastUpdated (versions.stamp)."""
    digests = {
        (kind, rid): versions.digest(record.resource, base)
        for kind, by_id in records.items()
        for rid, record in by_id.items()
    }
    stamps = versions.stamp(digests)
    out: dict[str, dict[str, Record]] = {}
    for kind, by_id in records.items():
        out[kind] = {}
        for rid, record in by_id.items():
            version, moment = stamps[(kind, rid)]
            meta = {"versionId": str(version), "lastUpdated": resources.instant(moment)}
            head = {"resourceType": kind, "id": rid, "meta": meta}
            resource = head | {k: v for k, v in record.resource.items() if k not in head}
            out[kind][rid] = replace(
                record, resource=resource, last_updated=moment, version=version
            )
    return out


def _folded(*texts: str | None) -> tuple[str, ...]:
    # The texts as they are: searches fold them (accents, case) or not (:exact).
    return tuple(text for text in texts if text)


def _address_keys(inst: Institution, names: list[str | None]) -> dict:
    return {
        "strings": {
            "name": _folded(*names),
            "address-city": _folded(inst.city),
            "address-postalcode": _folded(inst.postcode),
        }
    }


def _finess(inst: Institution) -> dict:
    if not inst.finess:
        return {}
    return {"identifier": ((FINESS_SYSTEM, inst.finess),)}


def _role(contact: Contact, base: str, organization, study: str | None, site=None) -> Record:
    resource = resources.practitioner_role(contact, base, organization, site)
    refs = {"organization": (f"Organization/{organization[0]}",)}
    if site is not None:
        refs["location"] = (f"Location/{site.slug}",)
    return Record(
        type="PractitionerRole",
        id=str(contact.id),
        resource=resource,
        tokens={"role": ((f"{base}/{CONTACT_ROLE_PATH}", contact.role),)},
        refs=refs,
        study=study,
    )


# Catalogues kept per base URL (a server reached under a few names); the oldest goes first.
KEEP_BASES = 4


def current_catalogue(base: str) -> Catalogue:
    """The catalogue of the data as it is now, for this base URL; rebuilt after a change."""
    key = (current_snapshot().fingerprint, base)
    # setdefault on a dict is atomic: every thread gets the one LRU of this app.
    store: LRU = current_app.extensions.setdefault("sitedir_fhir", LRU(KEEP_BASES))
    cached = store.get(key, None)
    if cached is None:
        cached = build(base)
        store.put(key, cached)
    return cached
