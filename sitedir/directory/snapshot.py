"""A per-process, read-only snapshot of the sites, rebuilt as soon as the data changes.

Every public read needs the sites of a study, so each process keeps them serialised
once, keyed by a fingerprint that any write changes: the number of sites, the sum of
their version counters (every write bumps a site's version), the highest id, and the same
for studies. A new fingerprint does not serialise every site again: each site's row is
cached by (id, version), and only the sites whose version moved are loaded and dumped;
the spatial index that nearest queries read (spatial_index.py) takes the changed sites
as an overlay instead of being rebuilt.

How fresh: the fingerprint is read at most once per FRESHNESS_MS per process (one
database round trip saved on nearly every request), so a change made by another process
shows within that interval; a change made through this process's session shows on its
next request (writes.local_writes moves on at commit and forces a new read). With
FRESHNESS_MS = 0 the fingerprint is read on every request, as before.
"""

import logging
import threading
import time
from dataclasses import dataclass, replace
from datetime import date, datetime

from flask import current_app
from sqlalchemy.orm import selectinload

from sitedir import clock
from sitedir.directory.fingerprint import FINGERPRINT_SQL, FingerprintReader
from sitedir.directory.paging import RowLists
from sitedir.directory.writes import local_writes
from sitedir.extensions import db
from sitedir.models import ReferenceCentre, Site, Study
from sitedir.ranking import NearestAnswer
from sitedir.schemas import SiteSchema
from sitedir.spatial_index import SpatialIndex
from sitedir.staleness import DEFAULT_STALE_DAYS, is_stale


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
    confirmed_at: datetime | None = None  # when the status was last confirmed: `stale`'s input


def _index_keys(row: SiteRow) -> tuple:
    # The groups a nearest query reads: a study's sites, and a study's sites in one region,
    # each apart by whether the site is open.
    return ((row.study, None, row.is_open), (row.study, row.region, row.is_open))


def _row_id(row: SiteRow) -> str:
    return row.id


@dataclass(frozen=True, slots=True)
class Snapshot:
    fingerprint: tuple
    rows: tuple[SiteRow, ...]  # by id (slug), in Python's order of strings
    studies: tuple[str, ...]
    index: SpatialIndex | None = None
    lists: RowLists | None = None  # pages of /api/v1/sites

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
        self.rows: dict[int, tuple[int, SiteRow]] = {}
        self.position: dict[str, int] = {}  # a row's place in the last snapshot's rows
        self.blocks: dict[int, tuple] = {}  # per block of ids: count, sum of ids, of versions
        self.snapshot: Snapshot | None = None  # the last snapshot built from this cache
        self.day: int | None = None  # the day (Paris, ordinal) the rows' `stale` is for


# A site's public form holds its study's slug: a new study serialises every site again.
# It holds whether the site is stale today too, but a new day (the fingerprint's last
# element) only swaps in the few rows whose `stale` flips: it must not re-serialise every
# site on the first request of each day (42 s at 100,000 sites).
def _epoch(fingerprint: tuple) -> tuple:
    return fingerprint[3:-1]


def _flipped(rows: dict[int, tuple[int, SiteRow]], day: int, skip: set) -> list:
    """The rows whose `stale` is not the same on this day, with it set as it is now."""
    today = date.fromordinal(day)
    days = current_app.config.get("STALE_DAYS", DEFAULT_STALE_DAYS)
    flipped = []
    for site_id, (_, row) in rows.items():
        if site_id in skip:
            continue
        stale = is_stale(row.confirmed_at, today, days)
        if stale != row.data["stale"]:
            flipped.append((site_id, replace(row, data={**row.data, "stale": stale})))
    return flipped


# SQLite allows 999 bound parameters per statement (older versions): load in chunks.
CHUNK = 900


# One schema for every dump: making one deep-copies its fields (two thirds of the time
# of a cold build when made per site).
_SCHEMA = SiteSchema()


def _serialise(site: Site) -> dict:
    """The site's public JSON form (the snapshot's only call to the schema)."""
    return _SCHEMA.dump(site)


def _load(ids: list[int]) -> list[Site]:
    sites = []
    for start in range(0, len(ids), CHUNK):
        sites += db.session.scalars(
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
    return sites


def _row(site: Site) -> SiteRow:
    return SiteRow(
        id=site.slug,
        study=site.study.slug,
        latitude=site.latitude,
        longitude=site.longitude,
        is_open=site.is_open,
        status=site.status,
        region=site.region,
        department=site.department,
        data=_serialise(site),
        confirmed_at=site.status_confirmed_at,
    )


# Sites are compared with the cache by blocks of ids: one row per block (its count, and
# the sums of its ids and versions, which only grow), then ids and versions only in the
# blocks that moved. At 100,000 sites: about 100 rows instead of 100,000.
BLOCK = 1024  # BLOCKS_SQL says it too
BLOCKS_SQL = "SELECT id / 1024, count(id), sum(id), sum(version) FROM site GROUP BY id / 1024"
PAIRS_SQL = "SELECT id, version FROM site WHERE id >= :low AND id < :high"


def _changed_ids(cache: _SiteCache) -> tuple[list[int], list[int], dict]:
    """The ids of the sites new or changed since the cache was filled, of those gone, and
    the blocks as read (kept by the caller once the changed sites are in the cache)."""
    connection = db.session.connection()
    blocks = {
        int(b): tuple(int(v) for v in rest) for b, *rest in connection.exec_driver_sql(BLOCKS_SQL)
    }
    known = cache.rows
    changed, removed = [], []
    for block in blocks.keys() | cache.blocks.keys():
        if blocks.get(block) == cache.blocks.get(block):
            continue
        low, high = block * BLOCK, (block + 1) * BLOCK
        pairs = db.session.execute(db.text(PAIRS_SQL), {"low": low, "high": high}).all()
        moved = [i for i, v in pairs if (k := known.get(i)) is None or k[0] != v]
        changed += moved
        before = cache.blocks.get(block, (0,))[0]  # how many sites the cache holds there
        if before + sum(1 for i in moved if i not in known) != len(pairs):  # some left
            present = {i for i, _ in pairs}
            removed += [i for i in known if low <= i < high and i not in present]
    return changed, removed, blocks


def _build(fingerprint: tuple, cache: _SiteCache) -> Snapshot:
    """The snapshot for this fingerprint, re-serialising only the sites that changed since
    the cache's last snapshot, and updating its spatial index rather than rebuilding it."""
    try:
        return _build_from(fingerprint, cache)
    except BaseException:
        # Half-updated: forget it all, so the next build starts over rather than trust it.
        cache.epoch = None
        raise


def _build_from(fingerprint: tuple, cache: _SiteCache) -> Snapshot:
    if cache.epoch != _epoch(fingerprint):
        cache.epoch, cache.rows, cache.position = _epoch(fingerprint), {}, {}
        cache.snapshot, cache.blocks, cache.day = None, {}, None
    known = cache.rows
    changed, removed, blocks = _changed_ids(cache)
    old, new = [], []
    for site in _load(changed):
        old_row = known.get(site.id, (None, None))[1]
        row = _row(site)
        # The version of the site as loaded (it may have moved on since the first query).
        known[site.id] = (site.version, row)
        if old_row is not None:
            old.append(old_row)
        new.append(row)
    for i in removed:
        old.append(known.pop(i)[1])
    if cache.day != fingerprint[-1]:  # the sites just dumped have today's `stale` already
        for site_id, row in _flipped(known, fingerprint[-1], skip=set(changed)):
            old.append(known[site_id][1])
            new.append(row)
            known[site_id] = (known[site_id][0], row)
    studies = tuple(db.session.scalars(db.select(Study.slug).order_by(Study.slug)))
    previous = cache.snapshot
    same_places = (
        previous is not None
        and not removed
        and len(old) == len(new)
        and all(a.id == b.id for a, b in zip(old, new, strict=True))
    )
    if same_places:  # the same sites under the same ids: swap the changed rows in place
        rows = list(previous.rows)
        for row in new:
            rows[cache.position[row.id]] = row
        rows = tuple(rows)
    else:
        rows = tuple(sorted((row for _, row in known.values()), key=_row_id))
        cache.position = {row.id: i for i, row in enumerate(rows)}
    index = previous.index if previous is not None else None
    if index is None or not same_places or index.overlay + 2 * len(new) > _overlay_bound(rows):
        index = SpatialIndex.build(rows, _index_keys, _row_id)
    elif new:
        index = index.replace(old, new)
    snapshot = Snapshot(fingerprint, rows, studies, index, RowLists(rows))
    # Only now: a build that failed half-way reads the same blocks again next time.
    cache.snapshot, cache.blocks, cache.day = snapshot, blocks, fingerprint[-1]
    return snapshot


def _overlay_bound(rows: tuple) -> int:
    # Changes measured one by one at every query, until the trees are built again: a
    # few hundred cost well under a millisecond; a rebuild costs about 1 ms per 1,000 sites.
    return max(256, len(rows) // 100)


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
    # The day is part of the key: a site's `stale` flips when time passes, without a write.
    fingerprint = (*_fingerprint(), clock.today_in_paris().toordinal())
    state = store.get("state")
    cached = state[0] if state else None
    if cached is None or cached.fingerprint != fingerprint:
        with _lock:
            state = store.get("state")
            cached = state[0] if state else None
            if cached is None or cached.fingerprint != fingerprint:
                cache = store.setdefault("sites", _SiteCache())
                cached = _build(fingerprint, cache)
    store["state"] = (cached, checked_at, writes)
    return cached
