"""A per-process, read-only snapshot of the sites, rebuilt as soon as the data changes.

Every public read needs the sites of a study, so each process keeps them serialised
once, keyed by a fingerprint that any write changes: the number of sites, the last value
of the sites' change sequence (the database moves a site's changed_seq at every write),
the highest id, and the same for studies. A new fingerprint does not serialise every site
again: each site's row is cached by (id, version), and only the sites changed since the
last build (changed_seq past the last one seen, an index range) are loaded and dumped; the
spatial index that nearest queries read (spatial_index.py) takes the changed sites
as an overlay instead of being rebuilt.

What a row stores depends on the site's version only: its public form is kept without
`stale`'s value (which depends on the day), and each answer puts it back for its own day
(SiteRow.body_for); `distance_km` is the answer's too. A new day re-encodes nothing.
Each snapshot names the rows made again since the one it was built from (`changed`,
`gone`, `parent`): the projections that keep entries of their own (FHIR's) follow them.

Hospitals have entries of their own (HospitalRow), a site or not: FHIR's Organization for
each one. A hospital's row is made again only when its changed_seq moves (the database
moves it at every write of that hospital, as it does a site's), read the same way.

How fresh: the fingerprint is read at most once per FRESHNESS_MS per process (one
database round trip saved on nearly every request), so a change made by another process
shows within that interval; a change made through this process's session shows on its
next request (writes.local_writes moves on at commit and forces a new read). With
FRESHNESS_MS = 0 the fingerprint is read on every request, as before.
"""

import json
import logging
import sys
import threading
import time
import zlib
from bisect import bisect_left
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from types import MappingProxyType
from typing import Literal

from flask import current_app
from sqlalchemy.orm import selectinload

from sitedir.directory.catalogue import StudyEntry, load_catalogue
from sitedir.directory.paging import RowLists
from sitedir.directory.postgis import PostgisIndex, postgis_schema
from sitedir.directory.writes import local_writes
from sitedir.domain import clock
from sitedir.domain.collector import gc_paused
from sitedir.domain.ranking import NearestAnswer
from sitedir.domain.spatial_index import SpatialIndex
from sitedir.domain.staleness import is_stale
from sitedir.extensions import db
from sitedir.models import Institution, ReferenceCentre, Site
from sitedir.readmodel.degraded import DATABASE_ERRORS, mark_degraded, serve_last_good
from sitedir.readmodel.fingerprint import FINGERPRINT_SQL, FingerprintReader
from sitedir.schemas import SiteSchema
from sitedir.web.metrics import snapshot_read


@dataclass(frozen=True, slots=True)
class SiteRow:
    """What ranking and filtering need of a site, and its public form as JSON bytes.

    The public form is kept as compact UTF-8 JSON, deflated (Codec), not as a dict:
    answers splice the bytes in (see encode_json). At 100,000 sites a dict per site cost
    some 6 KB of Python objects; the JSON is about 1 KB, packed about 0.2 KB.
    """

    id: str
    study: str
    latitude: float
    longitude: float
    is_open: bool
    status: str
    region: str
    department: str
    packed: bytes  # SiteSchema's dump without `stale`'s value, encoded, packed by `codec`
    codec: "Codec"
    version: int  # the site's version when it was dumped
    # Where `stale`'s value goes in the unpacked bytes (it is never stored). Kept: found
    # again, pages of 100 took 0.3 ms more, to save 3.6 MB at 100,000 (bench/RESULTS.md).
    stale_at: int
    confirmed_at: datetime | None = None  # when the status was last confirmed: `stale`'s input
    institution: str = ""  # the hospital's key (FHIR's Organization id)

    def stale_on(self, today: date, days: int) -> bool:
        """Whether the status is stale on this Paris day (staleness.is_stale)."""
        return is_stale(self.confirmed_at, today, days)

    def body_for(self, stale: bool) -> bytes:
        """The public form as JSON bytes, with this value of `stale` (what answers splice
        in, the value added at answer time)."""
        body, at = self.codec.unpack(self.packed), self.stale_at
        return body[:at] + (b"true" if stale else b"false") + body[at:]

    @property
    def stale(self) -> bool:
        """`stale` today (Paris), as the public form says it now."""
        return self.stale_on(*answer_day())

    @property
    def body(self) -> bytes:
        """The public form as JSON bytes, `stale` as of today."""
        return self.body_for(self.stale)

    @property
    def data(self) -> dict:
        """The public form as a dict (decoded at each call: for the few readers that
        need one)."""
        return json.loads(self.body)


@dataclass(frozen=True, slots=True)
class HospitalRow:
    """One hospital's entry: its public fields (HOSPITAL_FIELDS, those a site's
    `institution` shows), packed as a site's row is, with its key and point."""

    key: str
    seq: int  # the hospital's changed_seq when it was dumped
    latitude: float
    longitude: float
    packed: bytes
    codec: "Codec"

    @property
    def data(self) -> dict:
        """The public form as a dict (decoded at each call)."""
        return json.loads(self.codec.unpack(self.packed))


def answer_day() -> tuple[date, int]:
    """Today in Paris and SITEDIR_STALE_DAYS: what `stale` is computed from, at answer time."""
    return clock.today_in_paris(), current_app.config["STALE_DAYS"]


def bodies(rows) -> list[bytes]:
    """The rows' public forms as JSON bytes, `stale` as of today (the day read once)."""
    today, days = answer_day()
    return [row.body_for(row.stale_on(today, days)) for row in rows]


class Codec:
    """Deflate with a preset dictionary: one site's JSON. Every site's public form has the
    same keys and much of the same text, so each one packs to a fifth of its size or less,
    and unpacks in a few microseconds (an answer unpacks 3 to 20 sites; a page, 100)."""

    __slots__ = ("zdict",)

    def __init__(self, zdict: bytes):
        self.zdict = zdict

    def pack(self, body: bytes) -> bytes:
        packer = zlib.compressobj(9, zlib.DEFLATED, -15, 9, zlib.Z_DEFAULT_STRATEGY, self.zdict)
        return packer.compress(body) + packer.flush()

    def unpack(self, packed: bytes) -> bytes:
        return zlib.decompressobj(-15, self.zdict).decompress(packed)


def encode_json(data) -> bytes:
    """Compact UTF-8 JSON: how the snapshot stores a site, and how answers join the parts
    they splice around the stored bytes."""
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode()


# The region part of the groups of every site, whatever its status (FHIR's near searches
# with no `status`); no region has this code.
EVERY_STATUS = "*"


def _index_keys(row: SiteRow) -> tuple:
    # The groups a nearest query reads: a study's sites, and a study's sites in one region,
    # each apart by whether the site is open.
    return ((row.study, None, row.is_open), (row.study, row.region, row.is_open))


def _index_keys_with_fhir(row: SiteRow) -> tuple:
    # And those FHIR's near searches read too, once FHIR asked (current_snapshot): every
    # study's sites apart by openness, and a study's or every study's sites all together
    # (flagged True). With one study, these hold the same sites as the study's: one tree.
    return (
        *_index_keys(row),
        (None, None, row.is_open),
        (row.study, EVERY_STATUS, True),
        (None, EVERY_STATUS, True),
    )


def _row_id(row: SiteRow) -> str:
    return row.id


@dataclass(frozen=True, slots=True)
class Snapshot:
    fingerprint: tuple
    rows: tuple[SiteRow, ...]  # by id (slug), in Python's order of strings
    studies: tuple[str, ...]
    index: SpatialIndex | PostgisIndex | None = None
    lists: RowLists | None = None  # pages of /api/v1/sites
    catalogue: tuple[StudyEntry, ...] = ()  # the studies, by slug (catalogue.py)
    # What moved since the snapshot this one was built from (`parent`'s fingerprint): the
    # rows made again and the ids gone. Projections (FHIR) update those entries only.
    parent: tuple | None = None
    changed: tuple[SiteRow, ...] = ()
    gone: tuple[str, ...] = ()
    # The last LOG builds' (parent fingerprint, ids made again, ids gone, hospital keys
    # made again, hospital keys gone), oldest first: a projection a few builds behind
    # catches up from them, without comparing every row.
    log: tuple = ()
    # Every hospital by key, a site or not, and the rows made again since `parent`; kept,
    # with the index's FHIR groups, once FHIR asked for them (`with_fhir`, current_snapshot).
    hospitals: Mapping[str, HospitalRow] = field(default_factory=lambda: MappingProxyType({}))
    changed_hospitals: tuple[HospitalRow, ...] = ()
    gone_hospitals: tuple[str, ...] = ()
    with_fhir: bool = False

    def nearest(
        self,
        latitude: float,
        longitude: float,
        study: str,
        region: str | None = None,
        limit: int = 3,
        radius_km: float | None = None,
    ) -> NearestAnswer[SiteRow]:
        """ranking.rank_nearest over the study's sites (in one region if given), with
        candidates from the spatial index: the same answer, without a pass over them all."""
        index = self.index or SpatialIndex.build(self.rows, _index_keys, _row_id)
        return index.nearest(latitude, longitude, (study, region), limit, radius_km)


_lock = threading.Lock()
log = logging.getLogger(__name__)


def _fingerprint() -> tuple:
    # None: not looked at yet; False: this engine cannot have one (in-memory SQLite).
    reader: FingerprintReader | Literal[False] | None
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


class _SiteCache:
    """Each site's row (serialised form included) by database id, with the version it was
    made from: a rebuild loads and serialises only the sites whose version moved."""

    def __init__(self):
        self.epoch: tuple | None = None
        self.rows: dict[int, SiteRow] = {}
        self.codec: Codec | None = None  # made from the first site dumped in this epoch
        self.seq: int | None = None  # the change sequence the rows were read at
        self.snapshot: Snapshot | None = None  # the last snapshot built from this cache
        self.hospitals: dict[int, HospitalRow] = {}  # by database id
        self.hospital_codec: Codec | None = None
        self.hospital_seq: int | None = None
        # Whether FHIR's parts (hospitals, the index's FHIR groups) are kept: from FHIR's
        # first ask on.
        self.with_fhir = False


# A site's public form holds its study's slug: a new study serialises every site again.
# It holds no `stale` (answers add it for their day): a new day changes nothing here.
def _epoch(fingerprint: tuple) -> tuple:
    return fingerprint[3:5]


# SQLite allows 999 bound parameters per statement (older versions): load in chunks.
CHUNK = 900


# One schema for every dump: making one deep-copies its fields (two thirds of the time
# of a cold build when made per site).
_SCHEMA = SiteSchema()
# What a hospital's entry holds: the fields every public projection shows of it (a site's
# `institution`, FHIR's Organization), read as plain columns (no ORM object, no schema: a
# first build reads every hospital, 100,000 at national scale).
HOSPITAL_FIELDS = (
    *("name", "site_name", "address", "postcode", "city", "insee", "finess"),
    *("website", "switchboard"),
)


def _serialise(site: Site) -> dict:
    """The site's public JSON form (the snapshot's only call to the schema)."""
    return _SCHEMA.dump(site)


def _load(ids: list[int]):
    """The sites with these ids, a chunk at a time: a first build at 100,000 sites never
    holds them all as ORM objects at once (the session's identity map is weak)."""
    for start in range(0, len(ids), CHUNK):
        yield from db.session.scalars(
            db.select(Site)
            .where(Site.id.in_(ids[start : start + CHUNK]))
            .options(
                selectinload(Site.study),
                selectinload(Site.institution),
                selectinload(Site.contacts),
                selectinload(Site.reference_centre).selectinload(ReferenceCentre.institution),
                selectinload(Site.reference_centre).selectinload(ReferenceCentre.contacts),
            )
        ).all()


STALE_KEY = b'"stale":'


def _row(site: Site, cache: "_SiteCache") -> SiteRow:
    data = _serialise(site)
    body = encode_json(data)
    # `stale` depends on the day, not on the site's version: its value is cut out, and
    # put back by each answer (SiteRow.body_for). Keys are encoded before their values,
    # and no text value holds '"stale":' unescaped, so the first one is the key.
    at = body.index(STALE_KEY) + len(STALE_KEY)
    body = body[:at] + body[at:].removeprefix(b"true" if data["stale"] else b"false")
    if cache.codec is None:
        cache.codec = Codec(body)
    # Interned: 100,000 rows share a few dozen strings instead of holding a copy each.
    return SiteRow(
        id=site.slug,
        study=sys.intern(site.study.slug),
        latitude=site.latitude,
        longitude=site.longitude,
        is_open=site.is_open,
        status=sys.intern(site.status),
        region=sys.intern(site.region),
        department=sys.intern(site.department),
        packed=cache.codec.pack(body),
        codec=cache.codec,
        version=site.version,
        stale_at=at,
        confirmed_at=site.status_confirmed_at,
        institution=sys.intern(site.institution.key),
    )


# What moved since the cache's last build: the sites whose change sequence passed the last
# one it saw (an index range: one row per change, whatever the number of sites). The
# database moves site.changed_seq in commit order (migration c3a9e5f7d1b2), so nothing
# committed later can come in under it. A site removed shows in the count only: then, and
# on a first build, every site's version is compared with the cache.
CHANGED_SQL = "SELECT id, version, changed_seq FROM site WHERE changed_seq > :seen"
ALL_SQL = "SELECT id, version, changed_seq FROM site"


def _changed_ids(cache: _SiteCache, fingerprint: tuple) -> tuple[list[int], list[int], int]:
    """The ids of the sites new or changed since the cache was filled, of those gone, and
    the change sequence they were read at (kept by the caller once they are in the cache)."""
    known = cache.rows
    if cache.seq is not None:
        pairs = db.session.execute(db.text(CHANGED_SQL), {"seen": cache.seq}).all()
        # Every one of them was written, even by a statement that left `version` alone.
        moved = [i for i, *_ in pairs]
        added = sum(1 for i in moved if i not in known)
        # The count read with the fingerprint: a site inserted since then makes this
        # differ too, and costs one full comparison (correct, only slower).
        if len(known) + added == fingerprint[0]:
            return moved, [], max((s for *_, s in pairs), default=cache.seq)
    pairs = db.session.execute(db.text(ALL_SQL)).all()
    moved = [i for i, v, _ in pairs if (k := known.get(i)) is None or k.version != v]
    present = {i for i, *_ in pairs}
    removed = [i for i in known if i not in present]
    return moved, removed, max((s for *_, s in pairs), default=0)


HOSPITALS_CHANGED_SQL = "SELECT id, changed_seq FROM institution WHERE changed_seq > :seen"
HOSPITALS_ALL_SQL = "SELECT id, changed_seq FROM institution"


def _changed_hospitals(cache: _SiteCache, fingerprint: tuple) -> tuple[list[int], list[int], int]:
    """As _changed_ids, for hospitals: the ids written since the cache was filled, the ids
    gone, and the change sequence they were read at."""
    known = cache.hospitals
    if cache.hospital_seq is not None:
        if fingerprint[6] == cache.hospital_seq and fingerprint[5] == len(known):
            return [], [], cache.hospital_seq  # nothing written: no query
        pairs = db.session.execute(
            db.text(HOSPITALS_CHANGED_SQL), {"seen": cache.hospital_seq}
        ).all()
        moved = [i for i, _ in pairs]
        added = sum(1 for i in moved if i not in known)
        if len(known) + added == fingerprint[5]:
            return moved, [], max((s for _, s in pairs), default=cache.hospital_seq)
    pairs = db.session.execute(db.text(HOSPITALS_ALL_SQL)).all()
    moved = [i for i, seq in pairs if (k := known.get(i)) is None or k.seq != seq]
    present = {i for i, _ in pairs}
    return moved, [i for i in known if i not in present], max((s for _, s in pairs), default=0)


HOSPITALS_SELECT = db.select(
    *(
        getattr(Institution, name)
        for name in ("id", "key", "changed_seq", "latitude", "longitude", *HOSPITAL_FIELDS)
    )
)


def _hospital_row(inst, cache: _SiteCache) -> HospitalRow:
    body = encode_json({name: getattr(inst, name) for name in HOSPITAL_FIELDS})
    if cache.hospital_codec is None:
        cache.hospital_codec = Codec(body)
    return HospitalRow(
        key=inst.key,
        seq=inst.changed_seq,
        latitude=inst.latitude,
        longitude=inst.longitude,
        packed=cache.hospital_codec.pack(body),
        codec=cache.hospital_codec,
    )


def _update_hospitals(fingerprint: tuple, cache: _SiteCache, previous: "Snapshot | None"):
    """The hospitals by key, the rows made again and the keys gone since `previous`
    (none, and no query, until a projection asked for them)."""
    if not cache.with_fhir:
        return MappingProxyType({}), (), (), None
    changed, removed, seq = _changed_hospitals(cache, fingerprint)
    known = cache.hospitals
    if previous is not None and not changed and not removed:
        return previous.hospitals, (), (), seq
    old_keys = {known[i].key for i in (*changed, *removed) if i in known}
    made = []
    for start in range(0, len(changed), CHUNK):
        part = changed[start : start + CHUNK]
        for inst in db.session.execute(HOSPITALS_SELECT.where(Institution.id.in_(part))):
            row = known[inst.id] = _hospital_row(inst, cache)
            made.append(row)
    for i in removed:
        known.pop(i, None)
    by_key = {row.key: row for row in known.values()}
    gone = tuple(sorted(key for key in old_keys if key not in by_key))
    return MappingProxyType(by_key), tuple(made), gone, seq


# A build that leaves more young objects than this (a first build of some thousands of
# sites) ends with one full collection, inside the build (sitedir/domain/collector.py).
GC_AFTER_BUILD = 100_000


def _build(fingerprint: tuple, cache: _SiteCache) -> Snapshot:
    """The snapshot for this fingerprint, re-serialising only the sites that changed since
    the cache's last snapshot, and updating its spatial index rather than rebuilding it."""
    try:
        with gc_paused(collect_above=GC_AFTER_BUILD):
            return _build_from(fingerprint, cache)
    except BaseException:
        # Half-updated: forget it all, so the next build starts over rather than trust it.
        cache.epoch = None
        raise


def _build_from(fingerprint: tuple, cache: _SiteCache) -> Snapshot:
    if cache.epoch != _epoch(fingerprint):
        cache.epoch, cache.rows, cache.codec = _epoch(fingerprint), {}, None
        cache.snapshot, cache.seq = None, None
        cache.hospitals, cache.hospital_codec, cache.hospital_seq = {}, None, None
    known = cache.rows
    changed, removed, seq = _changed_ids(cache, fingerprint)
    old: list[SiteRow] = []
    new: list[SiteRow] = []
    for site in _load(changed):
        old_row = known.get(site.id)
        # The version of the site as loaded (it may have moved on since the first query).
        row = known[site.id] = _row(site, cache)
        if old_row is not None:
            old.append(old_row)
        new.append(row)
    for i in removed:
        old.append(known.pop(i))
    previous = cache.snapshot
    hospitals, hospitals_made, hospitals_gone, hospital_seq = _update_hospitals(
        fingerprint, cache, previous
    )
    catalogue = load_catalogue(previous.catalogue if previous is not None else ())
    studies = tuple(entry.slug for entry in catalogue)
    kept = _same_places(previous, old, new, removed)
    rows: tuple[SiteRow, ...]
    if kept is not None:  # the same sites under the same ids: swap the changed rows in place
        ids = kept.ids
        swapped = list(kept.rows)
        for row in new:
            swapped[bisect_left(ids, row.id)] = row
        rows = tuple(swapped)
        lists = RowLists(rows, ids)
    else:
        rows = tuple(sorted(known.values(), key=_row_id))
        lists = RowLists(rows)
    index: SpatialIndex | PostgisIndex | None
    schema = postgis_schema()
    if schema is not None:  # candidates from the database's GiST indexes: no trees here
        index = PostgisIndex(schema, rows, lists.ids)
    else:
        index = previous.index if previous is not None else None
        keys = _index_keys_with_fhir if cache.with_fhir else _index_keys
        if (
            not isinstance(index, SpatialIndex)
            or index.keys is not keys
            or kept is None
            or index.overlay + 2 * len(new) > _overlay_bound(rows)
        ):
            index = SpatialIndex.build(rows, keys, _row_id)
        elif new:
            index = index.replace(old, new)
    parent = previous.fingerprint if previous is not None else None
    made = {row.id for row in new}
    gone = tuple(row.id for row in old if row.id not in made)
    log = (*(previous.log[-(LOG - 1) :] if previous is not None else ()),)
    log += ((parent, tuple(made), gone, tuple(h.key for h in hospitals_made), hospitals_gone),)
    snapshot = Snapshot(
        fingerprint,
        rows,
        studies,
        index,
        lists,
        catalogue,
        parent,
        tuple(new),
        gone,
        log,
        hospitals,
        hospitals_made,
        hospitals_gone,
        cache.with_fhir,
    )
    # Only now: a build that failed half-way reads the same changes again next time.
    cache.snapshot, cache.seq, cache.hospital_seq = snapshot, seq, hospital_seq
    return snapshot


LOG = 64  # builds remembered by Snapshot.log


def _same_places(
    previous: Snapshot | None, old: list[SiteRow], new: list[SiteRow], removed: list[int]
) -> RowLists | None:
    """The previous snapshot's lists when this build only made some of its rows again
    (none added or removed, so every id keeps its place), else None."""
    if previous is None or previous.lists is None or removed or len(old) != len(new):
        return None
    if all(a.id == b.id for a, b in zip(old, new, strict=True)):
        return previous.lists
    return None


def _overlay_bound(rows: tuple) -> int:
    # Changes measured one by one at every query, until the trees are built again: a
    # few hundred cost well under a millisecond; a rebuild costs about 1 ms per 1,000 sites.
    return max(256, len(rows) // 100)


def current_snapshot(fhir: bool = False) -> Snapshot:
    """Return the sites as the database holds them, at most FRESHNESS_MS old (this
    process's own writes at once), rebuilt only after a change.

    With `fhir`, the snapshot also holds what only FHIR reads: every hospital (its
    Organizations, a site or not) and the spatial index's groups of FHIR's near searches.
    They are made on FHIR's first ask, then kept up to date by every build; until then a
    build reads no hospital and builds two groups of trees, not five (at 100,000 sites
    and as many hospitals, 3.5-7.4 s of a 40-second first build and 54 MB less;
    bench/readmodel_build.py).

    When the database fails, the last good snapshot answers for DEGRADED_SECONDS after the
    last good read (degraded.py); `stale` is added by each answer, for its own day.
    """
    # Kept on the app, so two apps in one process (tests) never share a snapshot.
    store = current_app.extensions.get("sitedir_snapshot")
    if store is None:
        store = current_app.extensions.setdefault("sitedir_snapshot", {"lock": threading.Lock()})
    try:
        snapshot = _current(store)
    except DATABASE_ERRORS as error:
        snapshot = serve_last_good(store, error)
    if fhir and not snapshot.with_fhir:
        snapshot = _add_fhir_parts(store)
    return snapshot


def _add_fhir_parts(store: dict) -> Snapshot:
    """The latest snapshot with its hospitals and FHIR's index groups made, the same
    snapshot otherwise (its parent and log too: for FHIR, which follows them, the hospitals
    were there all along), in the store's place."""
    with _lock:
        cache = store.setdefault("sites", _SiteCache())
        cache.with_fhir = True
        snapshot = cache.snapshot
        if snapshot is not None and not snapshot.with_fhir:
            # Should it fail half-way, the hospitals made are kept, and the next ask (or
            # build) compares every hospital again: its change sequence is still unknown.
            hospitals, _, _, seq = _update_hospitals(snapshot.fingerprint, cache, None)
            index = snapshot.index
            if isinstance(index, SpatialIndex):  # PostGIS answers every group as it is
                index = SpatialIndex.build(snapshot.rows, _index_keys_with_fhir, _row_id)
            snapshot = replace(snapshot, hospitals=hospitals, index=index, with_fhir=True)
            cache.snapshot, cache.hospital_seq = snapshot, seq
            state = store.get("state")
            if state is not None and state[0].fingerprint == snapshot.fingerprint:
                store["state"] = (snapshot, *state[1:])
    if snapshot is None:  # forgotten by a failed build: build again, FHIR's parts with it
        return _refresh(store, fhir=True)
    return snapshot


def _current(store: dict) -> Snapshot:
    interval = current_app.config["FRESHNESS_MS"] / 1000
    if interval <= 0:  # every request reads the fingerprint, concurrently
        return _refresh(store)
    state = store.get("state")
    if state is not None and _fresh(state, interval):
        if store.get("degraded_since") is not None:
            mark_degraded()
        return state[0]
    with store["lock"]:  # one fingerprint read per interval, whatever the threads
        state = store.get("state")
        if state is not None and _fresh(state, interval):
            if store.get("degraded_since") is not None:
                mark_degraded()
            return state[0]
        return _refresh(store)


def build_before_fork(app) -> None:
    """Build the snapshot now, in a process about to fork workers (gunicorn's master with
    preload_app), then close every database connection that took.

    Each worker then starts with the sites already serialised and indexed and, on its
    first request, reads only what changed since. Without it every worker builds its own
    on its first request: about 30 s at 100,000 sites, past gunicorn's timeout. The
    connections are closed because a forked worker must never share one with another.
    """
    with app.app_context():
        current_snapshot()
        reader = app.extensions.pop("sitedir_fingerprint", None)
        if reader:
            reader.close()
        db.session.remove()
        db.engine.dispose()


def _outdated(cached: Snapshot, fingerprint: tuple, fhir: bool) -> bool:
    return cached.fingerprint != fingerprint or (fhir and not cached.with_fhir)


def _fresh(state: tuple, interval: float) -> bool:
    _, checked_at, writes = state
    return writes == local_writes.value and time.monotonic() - checked_at < interval


def _refresh(store: dict, fhir: bool = False) -> Snapshot:
    """Read the fingerprint; rebuild the snapshot if it changed (or, with `fhir`, if it
    lacks FHIR's parts); note when it was read."""
    # Taken before the read: a commit from here after it forces the next request to read.
    writes, checked_at = local_writes.value, time.monotonic()
    fingerprint = _fingerprint()
    state = store.get("state")
    cached = state[0] if state else None
    if cached is None or _outdated(cached, fingerprint, fhir):
        with _lock:
            state = store.get("state")
            cached = state[0] if state else None
            if cached is None or _outdated(cached, fingerprint, fhir):
                cache = store.setdefault("sites", _SiteCache())
                cached = _build(fingerprint, cache)
    store["state"] = (cached, checked_at, writes)
    store["good_at"] = checked_at
    snapshot_read()
    if store.pop("degraded_since", None) is not None:
        log.warning("database answers again: public reads are fresh")
    return cached
