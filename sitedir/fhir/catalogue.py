"""FHIR's projection of the read model: every resource the server shows, kept per site.

Each site's entry (its Location and the PractitionerRoles of its public contacts) is made
again only when the read model says that site changed (sitedir/readmodel/snapshot.py: the
rows made again since the snapshot the projection last followed), from the same tables as
the JSON API, private contacts never loaded. Each hospital's Organization, a site or not,
is made from the read model's entry for that hospital, again only when it changed. The
reference centres (a few rows) are read again at each change; a ResearchStudy, which
lists every site of its study, is made again only when it is asked for after one of its
sites changed. A first build makes every entry.

The resources hold no base URL: sitedir's own canonical URLs are written with BASE, which
views replace with the canonical base when they render (so a second Host or port costs no
rebuild). `stale` (in each Location's recruitment extension) is part of the resource's
version, as FHIR asks of any change to its content: on the first FHIR request of a Paris
day, the Locations whose `stale` flips that day are made again (a comparison of dates,
not a rebuild), each with a new version.

meta.versionId and meta.lastUpdated come from versions.stamp: a new version exactly when a
resource's JSON changes, effective when a build first saw it.

Each resource is stored once, stamped, as compact JSON bytes packed with its type's
dictionary (Record.packed): a page splices the bytes of its own entries into the Bundle
(paging.searchset), and only `_summary` or `_elements` decodes one. Near searches take
their candidates from the read model's own k-d trees (Catalogue.near_group), the ones the
JSON API's nearest reads: FHIR keeps trees of its own only when PostGIS answers that.
"""

import json
import threading
from bisect import bisect_left
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from functools import lru_cache
from types import MappingProxyType, SimpleNamespace
from typing import Any, NamedTuple

from flask import current_app
from sqlalchemy.orm import selectinload

from sitedir.directory.paging import RowLists
from sitedir.domain import clock
from sitedir.domain.spatial_index import SpatialIndex
from sitedir.domain.staleness import is_stale
from sitedir.domain.vocabulary import FHIR_LOCATION_STATUS
from sitedir.extensions import db
from sitedir.fhir import resources, versions
from sitedir.fhir.definitions import (
    CONTACT_ROLE_PATH,
    FINESS_SYSTEM,
    LOCATION_STATUS_SYSTEM,
    RESEARCH_STUDY_STATUS_SYSTEM,
)
from sitedir.models import Contact, Institution, ReferenceCentre, Study
from sitedir.places.normalize import fold
from sitedir.readmodel.snapshot import EVERY_STATUS, Codec, Snapshot, current_snapshot

# Where the canonical base goes in a stored resource. U+FFFE is refused in every text the
# directory takes (issue 21.6), so no data can hold it: a rendered answer replaces each one.
BASE = "\ufffe"


def render(text: str, base: str) -> str:
    """A rendered answer's JSON text, with the canonical base where the resources say BASE."""
    return text.replace(BASE, base)


# Towns, postcodes and hospital names repeat across sites: each folded once.
_fold = lru_cache(maxsize=1 << 16)(fold)


# A record's search keys when it has none of a kind: one shared empty mapping, not a dict
# each (300,000 records at 100,000 sites).
NONE: Mapping = MappingProxyType({})


def _none() -> Mapping:
    return NONE


def encode(resource: object) -> bytes:
    """A resource as stored and answered: compact UTF-8 JSON, keys sorted (as Flask's
    encoder sorted them when every answer was encoded whole)."""
    return json.dumps(resource, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


@dataclass(frozen=True, slots=True)
class Record:
    """One resource, and what searches compare it with.

    A stamped record holds its resource once, as JSON bytes (meta included, BASE where the
    canonical base goes) packed by `codec`: answers splice the bytes in, and only a
    `_summary` or `_elements` decodes them. `draft` is the resource as a dict, before it is
    stamped (catalogue.build keeps none once stamped).
    """

    type: str
    id: str
    draft: dict | None = None
    last_updated: datetime | None = None
    version: int | None = None
    # Search keys: strings as written (:exact), tokens, "Type/id" references, and for
    # Locations a point.
    strings: Mapping[str, tuple[str, ...]] = field(default_factory=_none)
    tokens: Mapping[str, tuple[tuple[str | None, str], ...]] = field(default_factory=_none)
    refs: Mapping[str, tuple[str, ...]] = field(default_factory=_none)
    study: str | None = None
    point: tuple[float, float] | None = None
    packed: bytes = b""
    codec: Codec | None = None
    # `strings` folded once, when the entry is built: a search folds only what it asks.
    folded: Mapping[str, tuple[str, ...]] = field(init=False, default_factory=_none)

    def __post_init__(self):
        if self.strings:
            keys = {}
            for name, texts in self.strings.items():
                folded = tuple(_fold(t) for t in texts)
                keys[name] = texts if folded == texts else folded  # one tuple when the same
            object.__setattr__(self, "folded", keys)  # frozen: set once, here

    @property
    def body(self) -> bytes:
        """The resource's JSON bytes, BASE where the canonical base goes."""
        if self.draft is not None:
            return encode(self.draft)
        return self.codec.unpack(self.packed) if self.codec is not None else self.packed

    @property
    def resource(self) -> dict:
        """The resource as a dict (decoded at each call: for subsetting and the tests)."""
        return self.draft if self.draft is not None else json.loads(self.body)

    # What the spatial index reads of a Location.
    @property
    def latitude(self) -> float:
        return self.point[0]

    @property
    def longitude(self) -> float:
        return self.point[1]


def _location_keys(record: Record) -> tuple:
    # Groups of the Locations' spatial index: every study or one, every status or one.
    # Each key ends with a flag, as SpatialIndex asks (here always True).
    status = record.tokens["status"][0][1]
    return (
        (None, None, True),
        (None, status, True),
        (record.study, None, True),
        (record.study, status, True),
    )


def _record_id(record: Record) -> str:
    return record.id


def _same(record: Record) -> Record:
    return record


class Catalogue:
    """The resources by type, each type in id order, as of one version of the read model.

    Near searches read `shared`, the read model's spatial index (the JSON API's nearest
    reads the same trees; its items are the read model's rows, each the Location of the
    same id), or, without it (PostGIS answers the JSON API), `index`, trees of the
    Locations of FHIR's own. ResearchStudies are made when first asked for (`studies`, a
    callable), since each lists every site of its study.
    """

    __slots__ = ("_studies", "index", "records", "shared")

    def __init__(
        self, records: dict[str, dict[str, Record]], index=None, studies=None, shared=None
    ):
        self.records = records
        self.index = index
        self._studies = studies
        self.shared = shared

    def near_group(self, study: str | None, status: str | None):
        """The spatial group of the Locations of this study (None: every study) and FHIR
        status (None: every status): (group or None, whether it holds exactly those
        Locations or more of them, the function that turns one of its items into its
        Location record)."""
        if self.shared is None:
            return self.locations_index().groups.get((study, status, True)), True, _same
        locations = self.records.get("Location", {})

        def location(row) -> Record | None:
            # None only for a site removed while this search ran (the dicts of a newer
            # catalogue are changed in place): left out of the page.
            return locations.get(row.id)

        # The read model's groups (snapshot._index_keys_with_fhir): open or not (a site is open
        # exactly when its Location is active), and every site whatever its status.
        if status is None:
            return self.shared.groups.get((study, EVERY_STATUS, True)), True, location
        if status == "active":
            return self.shared.groups.get((study, None, True)), True, location
        return self.shared.groups.get((study, None, False)), False, location

    def _of_kind(self, kind: str) -> dict[str, Record]:
        if kind == "ResearchStudy" and self._studies is not None:
            self.records = {**self.records, kind: self._studies()}
            self._studies = None
        return self.records.get(kind, {})

    def of(self, kind: str) -> list[Record]:
        return list(self._of_kind(kind).values())

    def get(self, kind: str, resource_id: str) -> Record | None:
        return self._of_kind(kind).get(resource_id)

    def locations_index(self) -> SpatialIndex:
        """The Locations' spatial index (built here for a catalogue made without one)."""
        if self.index is None:
            self.index = SpatialIndex.build(self.of("Location"), _location_keys, _record_id)
        return self.index


def _reference_centre_ids(centres, institution_keys) -> dict[int, str]:
    # Reference centres and hospitals share the Organization id space; keys are distinct
    # by convention ("crmr-…"), and a clash is settled with a prefix rather than lost.
    return {c.id: f"rc-{c.key}" if c.key in institution_keys else c.key for c in centres}


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


def _hospital(inst: Institution) -> Record:
    return Record(
        type="Organization",
        id=inst.key,
        draft=resources.hospital(inst),
        **_address_keys(inst, [inst.name, inst.site_name]),
        tokens=_finess(inst),
    )


def _role(contact: Contact, organization, study: str | None, site=None) -> Record:
    resource = resources.practitioner_role(contact, BASE, organization, site)
    refs = {"organization": (f"Organization/{organization[0]}",)}
    if site is not None:
        refs["location"] = (f"Location/{site.slug}",)
    return Record(
        type="PractitionerRole",
        id=str(contact.id),
        draft=resource,
        tokens={"role": ((f"{BASE}/{CONTACT_ROLE_PATH}", contact.role),)},
        refs=refs,
        study=study,
    )


class SiteRef(NamedTuple):
    """What a ResearchStudy says of each of its sites."""

    slug: str
    name: str
    status: str


@dataclass(frozen=True, slots=True)
class SiteEntry:
    """FHIR's part of one site's entry in the read model."""

    version: int  # the site's version it was made from
    location: Record
    roles: tuple[Record, ...]
    ref: SiteRef
    confirmed_at: datetime | None
    stale: bool  # as the Location says it
    has_centre: bool = False  # a reference centre (read again when such a site changes)


def _public_site(row) -> SimpleNamespace:
    """A site as the read model's stored public form says it, with the attributes the
    resource builders read: FHIR is made from the same bytes as the JSON API, no ORM."""
    data = row.data
    inst = data["institution"]
    return SimpleNamespace(
        slug=row.id,
        name=data["name"],
        status=data["status"],
        status_since=_date(data["status_since"]),
        status_reason=data["status_reason"],
        expected_reopening=_date(data["expected_reopening"]),
        status_confirmed_at=row.confirmed_at,
        lead_department=data["lead_department"],
        study=row.study,
        has_centre=data["reference_centre"] is not None,
        institution=SimpleNamespace(
            key=row.institution,
            latitude=row.latitude,
            longitude=row.longitude,
            **{k: inst[k] for k in INSTITUTION_FIELDS},
        ),
        contacts=[SimpleNamespace(**{k: c[k] for k in CONTACT_FIELDS}) for c in data["contacts"]],
    )


INSTITUTION_FIELDS = ("name", "site_name", "address", "postcode", "city", "finess")
INSTITUTION_FIELDS += ("website", "switchboard")
CONTACT_FIELDS = ("id", "role", "title", "name", "unit", "phone", "email")


def _date(text: str | None) -> date | None:
    return date.fromisoformat(text) if text else None


def _site_entry(row, today, stale_days: int) -> SiteEntry:
    """One site's FHIR entry, from its read-model row (whose contacts are the public ones)."""
    site = _public_site(row)
    stale = is_stale(site.status_confirmed_at, today, stale_days)
    inst = site.institution
    location = Record(
        type="Location",
        id=site.slug,
        draft=resources.location(site, BASE, stale),
        strings={
            "name": _folded(site.name),
            "address-city": _folded(inst.city),
            "address-postalcode": _folded(inst.postcode),
        },
        tokens={"status": ((LOCATION_STATUS_SYSTEM, FHIR_LOCATION_STATUS[site.status]),)},
        refs={"organization": (f"Organization/{inst.key}",)},
        study=site.study,
        point=(inst.latitude, inst.longitude),
    )
    organization = (inst.key, site.name)
    roles = tuple(_role(c, organization, site.study, site) for c in site.contacts)
    return SiteEntry(
        row.version,
        location,
        roles,
        SiteRef(site.slug, site.name, site.status),
        site.status_confirmed_at,
        stale,
        site.has_centre,
    )


def _hospital_of(row) -> Record:
    """A hospital's Organization, from its read-model row (a site or not)."""
    data = row.data
    inst: Any = SimpleNamespace(key=row.key, **{k: data[k] for k in INSTITUTION_FIELDS})
    return _hospital(inst)


class Changes(NamedTuple):
    """What a catalogue update makes again: site rows (None: every one, a first build),
    site ids gone, hospital rows, hospital keys gone."""

    rows: list | None
    gone: list[str]
    hospitals: list
    hospitals_gone: list[str]


def _load_centres():
    return db.session.scalars(
        db.select(ReferenceCentre)
        .order_by(ReferenceCentre.key)
        .options(selectinload(ReferenceCentre.institution), selectinload(ReferenceCentre.contacts))
    ).all()


class FhirModel:
    """The projection of one app: each site's entry, the reference centres, the studies,
    and the catalogue made from them, as of the read model's fingerprint `fingerprint`.

    `rebuilt` counts the entries made (by kind: "site", "study", "centres"), for the tests
    that check one change rebuilds one entry.
    """

    def __init__(self):
        self.lock = threading.Lock()
        self.fingerprint: tuple | None = None
        self.day: int | None = None
        self.sites: dict[str, SiteEntry] = {}
        self.catalogue: Catalogue | None = None
        self.studies: dict[str, Record] = {}  # made when asked for
        self.dirty_studies: set[str] | None = None  # None: every study
        self.centre_records: list[Record] = []  # the last build's reference centres
        self.codecs: dict[str, Codec] = {}  # one per resource type (Record.codec)
        self.hospital_seqs: dict[str, int] = {}  # each hospital's row it was made from
        self.rebuilt: Counter = Counter()

    # ---- following the read model ------------------------------------------------------

    def follow(self, snapshot: Snapshot) -> Catalogue:
        """The catalogue as of this snapshot (and today), updated entry by entry."""
        if not snapshot.with_fhir:  # its hospitals and near groups would be missing, for good
            raise ValueError("FHIR follows current_snapshot(fhir=True)")
        today = clock.today_in_paris()
        catalogue = self.catalogue
        if (
            catalogue is not None
            and self.fingerprint == snapshot.fingerprint
            and self.day == today.toordinal()
        ):
            return catalogue
        with self.lock:
            if self.fingerprint != snapshot.fingerprint or self.day != today.toordinal():
                self._update(snapshot, today)
            return self.catalogue

    def _changes(self, snapshot: Snapshot) -> Changes:
        """The site rows and hospital rows to make again, and the ids and keys gone."""
        if self.catalogue is None:  # a first build: every site and every hospital
            return Changes(None, [], list(snapshot.hospitals.values()), [])
        if snapshot.parent == self.fingerprint:  # one build on: the snapshot says what moved
            return Changes(
                list(snapshot.changed),
                list(snapshot.gone),
                list(snapshot.changed_hospitals),
                list(snapshot.gone_hospitals),
            )
        # A few builds on: the snapshot's log says what moved in each.
        parents = [entry[0] for entry in snapshot.log]
        if self.fingerprint in parents:
            moved: set[str] = set()
            gone: set[str] = set()
            hospitals_moved: set[str] = set()
            hospitals_gone: set[str] = set()
            for _, made, left, h_made, h_left in snapshot.log[parents.index(self.fingerprint) :]:
                moved |= set(made)
                gone |= set(left)
                hospitals_moved |= set(h_made)
                hospitals_gone |= set(h_left)
            ids = (snapshot.lists or RowLists(snapshot.rows)).ids
            rows = []
            for slug in sorted(moved):
                at = bisect_left(ids, slug)
                if at < len(ids) and ids[at] == slug:
                    rows.append(snapshot.rows[at])
                    gone.discard(slug)
            hospitals = [
                snapshot.hospitals[k] for k in sorted(hospitals_moved) if k in snapshot.hospitals
            ]
            hospitals_gone = {k for k in hospitals_gone if k not in snapshot.hospitals}
            return Changes(rows, sorted(gone), hospitals, sorted(hospitals_gone))
        # Further behind: compare versions, no rebuild.
        present = {row.id for row in snapshot.rows}
        changed = [
            row
            for row in snapshot.rows
            if (entry := self.sites.get(row.id)) is None or entry.version != row.version
        ]
        seen = self.hospital_seqs
        hospitals = [h for k, h in snapshot.hospitals.items() if seen.get(k) != h.seq]
        return Changes(
            changed,
            [slug for slug in self.sites if slug not in present],
            hospitals,
            [k for k in seen if k not in snapshot.hospitals],
        )

    def _update(self, snapshot: Snapshot, today) -> None:
        stale_days = current_app.config["STALE_DAYS"]
        changed, gone, hospital_rows, hospitals_gone = self._changes(snapshot)
        if changed is not None and self.day != today.toordinal():
            changed += self._flipped(snapshot, changed, today, stale_days)
        first = changed is None
        rows = snapshot.rows if first else changed
        # Every resource made now, stamped; the others keep their version. A first build
        # reads every stored version once.
        stored = versions.read_all() if first else None
        made = self._made_sites(rows, today, stale_days, stored)
        hospitals = self._made_hospitals(hospital_rows, stored)
        sites = {} if first else self.sites  # changed in place, under the lock
        old = {slug: sites[slug] for slug in [*made, *gone] if slug in sites}
        for slug in gone:
            sites.pop(slug, None)
        sites.update(made)
        # The reference centres (a few rows): read again on a first build, or when
        # _centres_moved says so.
        centre_records = None
        if first or self._centres_moved([*made.values(), *old.values()], hospitals, hospitals_gone):
            centre_records = self._centres(_load_centres(), set(snapshot.hospitals))
            self.rebuilt["centres"] += 1
            fresh: dict[str, dict[str, Record]] = {"Organization": {}, "PractitionerRole": {}}
            for record in centre_records:
                fresh[record.type][record.id] = record
            stamped = _stamped(fresh, stored, self.codecs)
            centre_records = [stamped[r.type][r.id] for r in centre_records]
        self._note_hospitals(first, hospital_rows, hospitals_gone)
        self.catalogue = self._catalogue(
            sites, made, old, gone, centre_records, hospitals, hospitals_gone, first, snapshot.index
        )
        # The studies of the sites that moved, and every study when the studies did.
        if first or self.dirty_studies is None or _studies_moved(self.fingerprint, snapshot):
            self.dirty_studies = None
        else:
            self.dirty_studies |= {e.location.study for e in (*made.values(), *old.values())}
        self.sites, self.fingerprint, self.day = sites, snapshot.fingerprint, today.toordinal()

    def _made_sites(self, rows, today, stale_days: int, stored) -> dict[str, SiteEntry]:
        """The rows' site entries, stamped, STAMP_CHUNK sites at a time: a first build
        never holds every resource as a dict at once (the peak that stays in the RSS)."""
        made: dict[str, SiteEntry] = {}
        for start in range(0, len(rows), STAMP_CHUNK):
            entries = [
                _site_entry(row, today, stale_days) for row in rows[start : start + STAMP_CHUNK]
            ]
            fresh: dict[str, dict[str, Record]] = {"Location": {}, "PractitionerRole": {}}
            for entry in entries:
                fresh["Location"][entry.location.id] = entry.location
                fresh["PractitionerRole"].update((r.id, r) for r in entry.roles)
            stamped = _stamped(fresh, stored, self.codecs)
            for entry in entries:
                made[entry.location.id] = replace(
                    entry,
                    location=stamped["Location"][entry.location.id],
                    roles=tuple(stamped["PractitionerRole"][r.id] for r in entry.roles),
                )
        self.rebuilt["site"] += len(made)
        return made

    def _made_hospitals(self, rows, stored) -> dict[str, Record]:
        """The hospitals' Organizations, stamped, STAMP_CHUNK at a time."""
        made: dict[str, Record] = {}
        for start in range(0, len(rows), STAMP_CHUNK):
            drafts = {row.key: _hospital_of(row) for row in rows[start : start + STAMP_CHUNK]}
            made.update(_stamped({"Organization": drafts}, stored, self.codecs)["Organization"])
        self.rebuilt["hospital"] += len(made)
        return made

    def _note_hospitals(self, first: bool, rows: list, gone: list[str]) -> None:
        """Remember the row each hospital's Organization was made from."""
        seqs = {} if first else self.hospital_seqs
        for key in gone:
            seqs.pop(key, None)
        seqs.update((row.key, row.seq) for row in rows)
        self.hospital_seqs = seqs

    def _flipped(self, snapshot: Snapshot, changed: list, today, stale_days: int) -> list:
        """A new day: the rows of the Locations whose `stale` flips (each a new version)."""
        seen = {row.id for row in changed}
        flipped = {
            slug
            for slug, entry in self.sites.items()
            if slug not in seen and is_stale(entry.confirmed_at, today, stale_days) != entry.stale
        }
        return [row for row in snapshot.rows if row.id in flipped]

    def _centres_moved(self, entries: list, hospitals, hospitals_gone) -> bool:
        """Whether the reference centres must be read again: a site that names one changed
        (a centre's change moves its sites' versions), or a hospital's key came or went
        that a centre's id may clash with."""
        if any(e.has_centre for e in entries):
            return True
        ids = {r.id for r in self.centre_records}
        if any(key in ids or f"rc-{key}" in ids for key in hospitals_gone):
            return True
        return any(key in ids for key in hospitals if key not in self.hospital_seqs)

    def _centres(self, centres, hospital_keys: set[str]) -> list[Record]:
        centre_ids = _reference_centre_ids(centres, hospital_keys)
        records = []
        for centre in centres:
            org_id = centre_ids[centre.id]
            records.append(
                Record(
                    type="Organization",
                    id=org_id,
                    draft=resources.reference_centre(centre, org_id),
                    strings={"name": _folded(centre.name)},
                    refs={"partof": (f"Organization/{centre.institution.key}",)},
                )
            )
            organization = (org_id, centre.name)
            records += [_role(c, organization, None) for c in centre.contacts if c.public]
        return records

    def _catalogue(
        self, sites, made, old, gone, centre_records, hospitals, hospitals_gone, first, shared
    ) -> Catalogue:
        """The catalogue with the entries made now in place of the old ones."""
        kinds = ("Location", "Organization", "PractitionerRole")
        # Changed in place (under the lock): a search running meanwhile reads each record
        # whole, the old one or the new one; a change of ids makes new dicts.
        previous = {} if first else self.catalogue.records
        records = {kind: previous.get(kind, {}) for kind in kinds}
        # What this change puts in, by kind and id: everything else of the old entries (and
        # of the last build's centres) goes out. A key put again keeps its place.
        put: dict[str, dict[str, Record]] = {kind: {} for kind in kinds}
        for slug in made:
            entry = sites[slug]
            put["Location"][slug] = entry.location
            put["PractitionerRole"].update((r.id, r) for r in entry.roles)
        put["Organization"].update(hospitals)
        for record in centre_records or ():
            put[record.type][record.id] = record
        out: dict[str, set[str]] = {kind: set() for kind in kinds}
        out["Organization"].update(hospitals_gone)
        for entry in old.values():
            out["Location"].add(entry.location.id)
            out["PractitionerRole"].update(r.id for r in entry.roles)
        if centre_records is not None:  # read again: the last ones go out
            for record in self.centre_records:
                out[record.type].add(record.id)
            self.centre_records = centre_records
        order = {"PractitionerRole": int}
        for kind in kinds:
            by_id = records[kind]
            gone_ids = [k for k in out[kind] if k not in put[kind] and k in by_id]
            for key in gone_ids:
                del by_id[key]
            new_ids = [k for k in put[kind] if k not in by_id]
            by_id.update(put[kind])
            if first or gone_ids or new_ids:  # id order, sorted again only when ids changed
                records[kind] = {k: by_id[k] for k in sorted(by_id, key=order.get(kind))}
        if isinstance(shared, SpatialIndex):  # the read model's trees: no index of FHIR's own
            return Catalogue(records, None, self._studies_of, shared)
        # Candidates from PostGIS for the JSON API: FHIR keeps trees of its own.
        index = self._index(records["Location"], made, old, first or bool(gone))
        return Catalogue(records, index, self._studies_of)

    def _index(self, locations, made, old, rebuild: bool) -> SpatialIndex:
        index = self.catalogue.index if self.catalogue is not None else None
        new = [locations[slug] for slug in made]
        old_entries = old.values()
        if (
            index is None
            or rebuild
            or index.overlay + 2 * len(new) > max(256, len(locations) // 100)
        ):
            return SpatialIndex.build(locations.values(), _location_keys, _record_id)
        gone = [entry.location for entry in old_entries]
        if not new and not gone:
            return index
        return index.replace(gone, new)

    # ---- the studies -----------------------------------------------------------------------

    def _studies_of(self) -> dict[str, Record]:
        """The ResearchStudy records, the dirty ones made again (under the lock)."""
        with self.lock:
            return self._make_studies()

    def _make_studies(self) -> dict[str, Record]:
        dirty = self.dirty_studies
        if dirty is not None and not dirty:
            return self.studies
        query = db.select(Study).order_by(Study.slug)
        if dirty is not None:
            query = query.where(Study.slug.in_(sorted(dirty)))
        studies = db.session.scalars(query).all()
        by_study: dict[str, list[SiteRef]] = {}
        for slug in sorted(self.sites):
            entry = self.sites[slug]
            by_study.setdefault(entry.location.study, []).append(entry.ref)
        fresh = {}
        for study in studies:
            own = by_study.get(study.slug, [])
            resource = resources.research_study(study, own)
            fresh[study.slug] = Record(
                type="ResearchStudy",
                id=study.slug,
                draft=resource,
                strings={"title": _folded(study.title_fr, study.title_en)},
                tokens={"status": ((RESEARCH_STUDY_STATUS_SYSTEM, resource["status"]),)},
                refs={"site": tuple(f"Location/{s.slug}" for s in own)},
                study=study.slug,
            )
        self.rebuilt["study"] += len(fresh)
        stored = versions.read_all() if dirty is None else None
        stamped = _stamped({"ResearchStudy": fresh}, stored, self.codecs)["ResearchStudy"]
        kept = {} if dirty is None else dict(self.studies)
        present = {s.slug for s in studies}
        for slug in dirty or ():
            if slug not in present:
                kept.pop(slug, None)
        kept.update(stamped)
        self.studies = {k: kept[k] for k in sorted(kept)}
        self.dirty_studies = set()
        return self.studies


def _studies_moved(before: tuple | None, snapshot: Snapshot) -> bool:
    # The fingerprint's study part (count, highest id): a study added or removed.
    return before is None or before[3:5] != snapshot.fingerprint[3:5]


STAMP_CHUNK = 5000


def _draft(record: Record) -> dict:
    """The resource of a record not stamped yet (every record _stamped is given)."""
    if record.draft is None:
        raise ValueError(f"{record.type}/{record.id} is stamped already")
    return record.draft


def _stamped(
    records: dict[str, dict[str, Record]], stored: dict | None, codecs: dict[str, Codec]
) -> dict[str, dict[str, Record]]:
    """The records with their meta.versionId and meta.lastUpdated (versions.stamp, from
    `stored`, every stored version read at once, or None: those of these records), each
    resource packed as JSON bytes by its kind's codec (`codecs`, made when missing)."""
    digests = {
        (kind, rid): versions.digest(_draft(record), BASE)
        for kind, by_id in records.items()
        for rid, record in by_id.items()
    }
    stamps = versions.stamp(digests, stored=stored) if digests else {}
    out: dict[str, dict[str, Record]] = {}
    for kind, by_id in records.items():
        out[kind] = {}
        for rid, record in by_id.items():
            version, moment = stamps[(kind, rid)]
            meta = {"versionId": str(version), "lastUpdated": resources.instant(moment)}
            head = {"resourceType": kind, "id": rid, "meta": meta}
            resource = head | {k: v for k, v in _draft(record).items() if k not in head}
            body = encode(resource)
            codec = codecs.get(kind)
            if codec is None:  # a dictionary of this kind's text: the first one stamped
                codec = codecs[kind] = Codec(body)
            out[kind][rid] = replace(
                record,
                draft=None,
                packed=codec.pack(body),
                codec=codec,
                last_updated=moment,
                version=version,
            )
    return out


def build(base: str | None = None) -> Catalogue:
    """Read the whole directory and make every entry now (what another process's first
    build does); `base` is accepted for callers of old, and changes nothing."""
    model = FhirModel()
    catalogue = model.follow(current_snapshot(fhir=True))
    catalogue.of("ResearchStudy")
    return catalogue


def fhir_model() -> FhirModel:
    """This app's FHIR projection (one per app: two apps in one process never share it)."""
    model = current_app.extensions.get("sitedir_fhir")
    if model is None:
        model = current_app.extensions.setdefault("sitedir_fhir", FhirModel())
    return model


def current_catalogue(base: str | None = None) -> Catalogue:
    """The catalogue of the data as it is now; only the sites that changed are made again.

    The same catalogue whatever the base URL (`base`, accepted for callers of old, changes
    nothing): views apply it when they render (render())."""
    return fhir_model().follow(current_snapshot(fhir=True))
