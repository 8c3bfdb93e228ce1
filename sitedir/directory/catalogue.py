"""The studies as the snapshot holds them: what each is found by, and its public summary.

Read with the sites at every snapshot build (a few rows: one query), so a nearest answer
across studies and the sites it ranks come from the same read and share its fingerprint,
answer cache and ETag. A study's own change shows when the fingerprint moves: a study
added or removed, or a write to any site (the importer touches a study's sites when the
study changes, as their public form names it).
"""

from collections import Counter
from dataclasses import dataclass

from flask import current_app

from sitedir.extensions import db
from sitedir.models import Study
from sitedir.study_match import StudyTerms, matches_condition, terms_of


@dataclass(frozen=True, slots=True)
class StudyEntry:
    """One study in the snapshot: its slug, search terms and public summary."""

    slug: str
    terms: StudyTerms
    summary: dict  # StudySummarySchema's dump


def load_catalogue() -> tuple[StudyEntry, ...]:
    """Every study, by slug, read from the database now."""
    from sitedir.schemas import StudySummarySchema  # schemas import the models' world

    schema = StudySummarySchema()
    return tuple(
        StudyEntry(study.slug, terms_of(study), schema.dump(study))
        for study in db.session.scalars(db.select(Study).order_by(Study.slug))
    )


def of_condition(catalogue, condition: str) -> list[StudyEntry]:
    """The studies of this condition (see study_match.matches_condition), by slug."""
    return [entry for entry in catalogue if matches_condition(entry.terms, condition)]


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
