"""The studies as the snapshot holds them: what each is found by, and its public forms.

Read with the sites at every snapshot build (one query; an unchanged study is neither
folded nor dumped again), so the study list, a nearest answer across studies and the
sites it ranks come from the same read and share its fingerprint, answer cache and ETag.
A study's own change shows when the fingerprint moves: a study added or removed, or a
write to any site (the importer touches a study's sites when the study changes, as their
public form names it). /api/v1/studies/<slug> reads the database.
"""

from collections import Counter
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import JSON, Text

from sitedir.domain.study_match import StudyTerms, matches_condition, matches_text, terms_of
from sitedir.extensions import db
from sitedir.models import Study
from sitedir.schemas import StudySchema, StudySummarySchema


@dataclass(frozen=True, slots=True)
class StudyEntry:
    """One study in the snapshot: its slug, search terms and public forms."""

    slug: str
    terms: StudyTerms
    summary: dict  # StudySummarySchema's dump
    body: dict  # StudySchema's dump, but `recruiting_sites` (a count the snapshot's rows give)
    key: int  # the hash of its columns as read: an entry is made again only when they change


_RAW = tuple(
    db.cast(c, Text).label(c.key) if isinstance(c.type, JSON) else c
    for c in Study.__table__.columns
)
STUDY_FIELDS = tuple(StudySchema().fields)  # the public form's order


def load_catalogue(previous: tuple[StudyEntry, ...] = ()) -> tuple[StudyEntry, ...]:
    """Every study, by slug, read from the database now; an entry of `previous` whose
    study has not changed is kept as it is (folding and dumping cost 0.2 ms a study)."""
    kept = {entry.slug: entry for entry in previous}
    # Each study's columns as the database holds them, JSON as text: no ORM object and no
    # JSON parsed for a study that has not changed (bench/studies.py: the build column).
    rows = db.session.execute(db.select(*_RAW)).all()
    # A hash is enough: the entries live in this process only, as str's hash does.
    keys = {row.slug: hash(tuple(row)) for row in rows}
    changed = [slug for slug, key in keys.items() if slug not in kept or kept[slug].key != key]
    summary, full = StudySummarySchema(), StudySchema(exclude=("recruiting_sites",))
    made = {}
    for start in range(0, len(changed), 900):  # SQLite's bound parameters
        chunk = changed[start : start + 900]
        for study in db.session.scalars(db.select(Study).where(Study.slug.in_(chunk))):
            made[study.slug] = StudyEntry(
                study.slug, terms_of(study), summary.dump(study), full.dump(study), keys[study.slug]
            )
    entries = [made.get(slug) or kept[slug] for slug in keys if slug in made or slug in kept]
    # Sorted here, not by the database: page cursors compare slugs as Python does.
    return tuple(sorted(entries, key=lambda entry: entry.slug))


def of_condition(catalogue, condition: str) -> list[StudyEntry]:
    """The studies of this condition (see study_match.matches_condition), by slug."""
    return [entry for entry in catalogue if matches_condition(entry.terms, condition)]


def find(snapshot, condition=None, text=None, open_only=None) -> list[StudyEntry]:
    """The snapshot's studies, by slug, that pass every filter given: of this condition,
    with these words, with (True) or without (False) an open site."""
    # Counted only when asked about (an empty Counter is never read).
    recruiting = recruiting_counts(snapshot) if open_only is not None else Counter()
    return [
        entry
        for entry in snapshot.catalogue
        if (condition is None or matches_condition(entry.terms, condition))
        and (text is None or matches_text(entry.terms, text))
        and (open_only is None or (recruiting[entry.slug] > 0) == open_only)
    ]


def public_form(entry: StudyEntry, recruiting: Counter) -> dict:
    """StudySchema's dump of this study, its open sites counted in the snapshot."""
    return {
        name: recruiting[entry.slug] if name == "recruiting_sites" else entry.body[name]
        for name in STUDY_FIELDS
    }


def recruiting_counts(snapshot) -> Counter:
    """How many open sites each study has in this snapshot (made once per snapshot)."""
    memo = current_app.extensions.get("sitedir_recruiting")
    if memo is not None and memo[0] is snapshot:
        return memo[1]
    counts = Counter(row.study for row in snapshot.rows if row.is_open)
    current_app.extensions["sitedir_recruiting"] = (snapshot, counts)
    return counts


def nearest_per_study(snapshot, latitude, longitude, entries, region=None, radius_km=None):
    """For each study given, its nearest open site from this point (in the region and
    radius if given): the (ranked site, entry) pairs nearest first, and the entries with
    no open site there."""
    found, without = [], []
    for entry in entries:
        answer = snapshot.nearest(latitude, longitude, entry.slug, region, 1, radius_km)
        if answer.results:
            found.append((answer.results[0], entry))
        else:
            without.append(entry)
    found.sort(key=lambda pair: (pair[0].distance_km, pair[1].slug))
    return found, without
