"""meta.versionId and meta.lastUpdated: a new version exactly when a resource's JSON changes.

Each build of a catalogue entry digests its resources (their JSON without `meta`, with this
server's base written as a placeholder, so the Host a client used changes nothing) and
compares it with the digest stored for that resource in `fhir_version`. Same digest: the
same version. Another digest: version + 1, effective now. A resource never seen: version 1,
effective now. So a status change, a contact's new phone, a hospital's new address, or a
`stale` that turns true on the day a confirmation gets too old each make one new version,
and nothing else does, whichever process builds first.

"Now" is the moment a build first sees the change, within SITEDIR_FRESHNESS_MS of its
commit: no client could read the new form earlier, so `_lastUpdated=gt<last poll>` never
misses it. Only the current version is kept (vread of an older one is a 404).

Two processes building at once: the update is a compare-and-set on the old digest, so one
change makes one version; the loser reads the winner's row.
"""

import hashlib
import json
from datetime import datetime
from typing import NamedTuple

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from sitedir.domain import clock
from sitedir.extensions import db
from sitedir.fhir.models import FhirVersion

BASE_PLACEHOLDER = "{base}"
# Rows read or inserted per statement (SQLite allows 32,766 bound values).
CHUNK = 500

Key = tuple[str, str]


class Stored(NamedTuple):
    version: int
    digest: str
    last_updated: datetime


def digest(resource: dict, base: str) -> str:
    """The SHA-256 of the resource's JSON (meta left out), the base replaced (the
    catalogue's resources hold catalogue.BASE, which is written the same way)."""
    body = {k: v for k, v in resource.items() if k != "meta"}
    text = json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.replace(base, BASE_PLACEHOLDER).encode()).hexdigest()


def _read(keys: list[Key] | None = None) -> dict[Key, Stored]:
    # Plain rows, not ORM objects: nothing for a commit to expire.
    t = FhirVersion.__table__.c
    query = select(t.resource_type, t.resource_id, t.version, t.digest, t.last_updated)
    if keys is None:
        rows = db.session.execute(query).all()
    else:
        # By type, then ids: the primary key's order (a row-value IN scanned the table).
        rows = []
        by_type: dict[str, list[str]] = {}
        for kind, rid in keys:
            by_type.setdefault(kind, []).append(rid)
        for kind, ids in by_type.items():
            for start in range(0, len(ids), CHUNK):
                part = ids[start : start + CHUNK]
                where = (t.resource_type == kind) & t.resource_id.in_(part)
                rows += db.session.execute(query.where(where)).all()
    return {(r[0], r[1]): Stored(r[2], r[3], r[4]) for r in rows}


def _insert(rows: list[dict]) -> None:
    if not rows:
        return
    dialect = db.session.get_bind().dialect.name
    insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
    # One statement, many parameter sets (executemany): compiled once, not per chunk of
    # values (which cost most of a first build's stamping).
    statement = insert(FhirVersion.__table__).on_conflict_do_nothing()
    for start in range(0, len(rows), CHUNK * 20):
        db.session.execute(statement, rows[start : start + CHUNK * 20])


def read_all() -> dict[Key, Stored]:
    """Every stored version, in one query (what a first build stamps from)."""
    return _read()


def stamp(
    digests: dict[Key, str], stored: dict[Key, Stored] | None = None
) -> dict[Key, tuple[int, datetime]]:
    """Each resource's (version, last updated), after recording the ones that changed.

    `stored`: every stored row, read once by read_all() (a first build, stamped a part at
    a time; the rows recorded here are added to it); None: only the rows of these
    resources are read (the few entries a change rebuilt)."""
    if stored is None:
        stored = _read(list(digests))
    now = clock.utc_now().replace(microsecond=0)
    new = [k for k in digests if k not in stored]
    changed = [k for k in digests if k in stored and stored[k].digest != digests[k]]
    if new or changed:
        _insert(
            [
                {
                    "resource_type": k[0],
                    "resource_id": k[1],
                    "version": 1,
                    "digest": digests[k],
                    "last_updated": now,
                }
                for k in new
            ]
        )
        t = FhirVersion.__table__.c
        for key in changed:
            db.session.execute(
                update(FhirVersion.__table__)
                .where(
                    t.resource_type == key[0],
                    t.resource_id == key[1],
                    # Compare-and-set: another process may have made this version already.
                    t.digest == stored[key].digest,
                )
                .values(version=t.version + 1, digest=digests[key], last_updated=now)
            )
        db.session.commit()
        stored.update(_read(new + changed))
    return {
        k: (stored[k].version, clock.as_utc(stored[k].last_updated)) for k in digests if k in stored
    }
