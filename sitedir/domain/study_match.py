"""What a study is found by: its conditions (and their MeSH codes), keywords and texts;
and its registry link.

A doctor types a disease as it comes ("lupus", "Lupus érythémateux", "LUPUS", a MeSH
code such as D008180): every word typed must begin a word of one of the study's condition
terms (accents, case and punctuation folded as place search folds them), or the query is
a MeSH code the record gives. Pure: no web framework, no database.
"""

import re
from dataclasses import dataclass
from typing import Protocol

from sitedir.places.normalize import fold

# A MeSH descriptor (D008180) or supplementary concept (C000657245) identifier.
MESH_RE = re.compile(r"[CDcd][0-9]{6,9}")
NCT_RE = re.compile(r"NCT[0-9]{8}")


@dataclass(frozen=True, slots=True)
class StudyTerms:
    """A study's searchable words, folded once: condition terms, MeSH codes, free text."""

    conditions: tuple[tuple[str, ...], ...]  # each condition term, as its folded words
    mesh: frozenset[str]  # upper case
    text: tuple[str, ...]  # every folded word of the titles, sponsor, intervention, ids


class StudyFacts(Protocol):
    """What matching reads of a study (sitedir.models.Study has them all)."""

    @property
    def slug(self) -> str: ...
    @property
    def title_fr(self) -> str: ...
    @property
    def title_en(self) -> str: ...
    @property
    def condition_fr(self) -> str: ...
    @property
    def condition_en(self) -> str: ...
    @property
    def intervention_fr(self) -> str: ...
    @property
    def intervention_en(self) -> str: ...
    @property
    def details(self) -> dict | None: ...
    @property
    def registry_ids(self) -> dict | None: ...


def _mesh_codes(value: object) -> list[str]:
    # details.conditions[].mesh is a code; a list of codes, or {"id", "term"}, is read too.
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [v for v in (value.get("id"), value.get("code")) if isinstance(v, str)]
    if isinstance(value, list):
        return [code for item in value for code in _mesh_codes(item)]
    return []


def _mesh_terms(value: object) -> list[str]:
    if isinstance(value, dict) and isinstance(value.get("term"), str):
        return [value["term"]]
    if isinstance(value, list):
        return [term for item in value for term in _mesh_terms(item)]
    return []


def _strings(value: object) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [v for v in value if isinstance(v, str)]
    return []


def sponsor_name(details: dict) -> str | None:
    """The sponsor's name as the record gives it (a string, or {"name": ...}), or None."""
    sponsor = (details or {}).get("sponsor")
    if isinstance(sponsor, dict):
        sponsor = sponsor.get("name")
    return sponsor.strip() if isinstance(sponsor, str) and sponsor.strip() else None


def condition_terms(study: StudyFacts) -> list[str]:
    """The study's condition terms as written: its two labels, the record's conditions
    (and their MeSH terms) and keywords, without repeats."""
    details = study.details or {}
    terms = [study.condition_fr, study.condition_en]
    for condition in details.get("conditions") or []:
        if isinstance(condition, dict):
            terms += _strings(condition.get("term")) + _mesh_terms(condition.get("mesh"))
        else:
            terms += _strings(condition)
    terms += _strings(details.get("keywords"))
    return list(dict.fromkeys(t.strip() for t in terms if t and t.strip()))


def condition_mesh(condition: dict) -> list[str]:
    """The MeSH codes a record's condition gives, upper case, without repeats."""
    codes = (c.strip().upper() for c in _mesh_codes(condition.get("mesh")))
    return list(dict.fromkeys(c for c in codes if MESH_RE.fullmatch(c)))


def mesh_codes(study: StudyFacts) -> list[str]:
    """The MeSH codes the study's record gives its conditions, upper case, without repeats."""
    codes: list[str] = []
    for condition in (study.details or {}).get("conditions") or []:
        if isinstance(condition, dict):
            codes += condition_mesh(condition)
    return list(dict.fromkeys(codes))


def registry_url(registry_ids: dict | None) -> str | None:
    """The study's public registry page (ClinicalTrials.gov, from its NCT number), or None."""
    nct = (registry_ids or {}).get("nct")
    if isinstance(nct, str) and NCT_RE.fullmatch(nct.strip()):
        return f"https://clinicaltrials.gov/study/{nct.strip()}"
    return None


def terms_of(study: StudyFacts) -> StudyTerms:
    """Fold what a study is searched by (any object with Study's attributes)."""
    details = study.details or {}
    registry = study.registry_ids or {}
    text = [
        study.slug,
        study.title_fr,
        study.title_en,
        study.intervention_fr,
        study.intervention_en,
        *_strings(details.get("official_title")),
        sponsor_name(details) or "",
        *(v for v in registry.values() if isinstance(v, str)),
        *condition_terms(study),
    ]
    return StudyTerms(
        conditions=tuple(tuple(fold(term).split()) for term in condition_terms(study)),
        mesh=frozenset(mesh_codes(study)),
        text=tuple(dict.fromkeys(word for part in text if part for word in fold(part).split())),
    )


def _words_begin(query: list[str], words: tuple[str, ...]) -> bool:
    return all(any(word.startswith(q) for word in words) for q in query)


def matches_condition(terms: StudyTerms, query: str) -> bool:
    """Whether the study is of the condition typed: a MeSH code it gives, or every word
    typed beginning a word of one of its condition terms."""
    if MESH_RE.fullmatch(query.strip()):
        return query.strip().upper() in terms.mesh
    words = fold(query).split()
    return bool(words) and any(_words_begin(words, term) for term in terms.conditions)


def matches_text(terms: StudyTerms, query: str) -> bool:
    """Whether every word typed begins a word of the study's titles, sponsor, intervention,
    registry ids or conditions."""
    words = fold(query).split()
    return bool(words) and _words_begin(words, terms.text)


AGE = re.compile(r"(?i)([0-9]+)\s*(year|month|week|day|hour|minute)s?")
AGE_UNITS = {
    "year": (("an", "ans"), ("year", "years")),
    "month": (("mois", "mois"), ("month", "months")),
    "week": (("semaine", "semaines"), ("week", "weeks")),
    "day": (("jour", "jours"), ("day", "days")),
    "hour": (("heure", "heures"), ("hour", "hours")),
    "minute": (("minute", "minutes"), ("minute", "minutes")),
}


def age_text(text: object, lang: str) -> str | None:
    """A record's age ("18 Years") in words ("18 ans"); as written when not of that form."""
    if not isinstance(text, str) or not text.strip():
        return None
    found = AGE.fullmatch(text.strip())
    if not found:
        return text.strip()
    count, unit = int(found.group(1)), found.group(2).lower()
    return f"{count} {AGE_UNITS[unit][lang == 'en'][count > 1]}"
