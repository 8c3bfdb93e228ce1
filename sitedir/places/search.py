"""Place search: a pipeline of small pure steps, from what a person typed to ranked places.

normalise (normalize.fold) → French rules (french.*) → candidates (codes, exact names,
former names, prefixes, typos) → ranking (match quality, then population)
"""

import heapq
import math
import re
from bisect import bisect_left
from collections import defaultdict
from dataclasses import dataclass
from functools import cache

from rapidfuzz import fuzz, process
from rapidfuzz.distance import OSA

from sitedir.places.french import (
    arrondissement_code,
    expand_abbreviations,
    split_department_hint,
    strip_article,
)
from sitedir.places.gazetteer import Gazetteer, Place, gc_paused, get_gazetteer
from sitedir.places.normalize import fold

POSTCODE = re.compile(r"^\s*(\d{2})\s?(\d{3})\s*$")
INSEE = re.compile(r"^\s*(\d{5}|2[ab]\d{3})\s*$", re.IGNORECASE)

# How much each way of matching is worth, before population breaks ties.
QUALITY = {
    "postcode": 1.0,
    "insee": 1.0,
    "arrondissement": 1.0,
    "exact": 1.0,
    "former_name": 0.9,
    "word_prefix": 0.95,  # whole words typed, the name goes on
    "prefix": 0.75,  # up to 0.85 as the typed part covers more of the name
    "fuzzy": 0.85,  # minus 0.1 per edit
}
POPULATION_WEIGHT = 0.3
PREFIX_CANDIDATES = 40  # the most populous names under a prefix worth ranking


@dataclass(frozen=True, slots=True)
class Match:
    """A place found for a query: how it matched, and a score in 0..1 (higher is better)."""

    place: Place
    match: str
    score: float
    former_name: str | None = None


def normalise(query: str) -> str:
    """Return the comparable key of a query or a name: folded, abbreviations expanded."""
    return expand_abbreviations(fold(query))


def _importance(place: Place) -> float:
    return min(1.0, math.log10((place.population or 0) + 1) / 6.5)


def _score(place: Place, quality: float) -> float:
    return round((1 - POPULATION_WEIGHT) * quality + POPULATION_WEIGHT * _importance(place), 4)


class PlaceIndex:
    """Lookup tables built once from a gazetteer: names, former names, prefixes, lengths."""

    def __init__(self, gazetteer: Gazetteer):
        self.gazetteer = gazetteer
        names: dict[str, list[Place]] = defaultdict(list)
        population: dict[str, int] = defaultdict(int)  # the biggest place under each key
        for place in gazetteer.places():
            key = normalise(place.name)
            for variant in {key, strip_article(key)}:
                names[variant].append(place)
                population[variant] = max(population[variant], place.population or 0)
        self.names = dict(names)
        former: dict[str, list[tuple[Place, str]]] = defaultdict(list)
        for entry in gazetteer.former:
            if entry.name is None:
                continue
            key = normalise(entry.name)
            if entry.place in self.names.get(key, ()):
                continue  # the current commune kept the name: an exact match already
            for variant in {key, strip_article(key)}:
                former[variant].append((entry.place, entry.name))
                population[variant] = max(population[variant], entry.place.population or 0)
        self.former = dict(former)
        self.sorted_keys = sorted(population)
        # For autocomplete: how populous the biggest place under each name is.
        self.key_population = [population[k] for k in self.sorted_keys]
        by_length: dict[int, list[str]] = defaultdict(list)
        for key in self.sorted_keys:
            by_length[len(key)].append(key)
        self.by_length = dict(by_length)
        self.department_names = {
            normalise(name): code for code, name in gazetteer.departments().items()
        }

    # -- candidate collection: each returns matches for one way of matching ----------

    def by_code(self, query: str) -> list[Match]:
        """Postcodes ("63000", "63 000") and INSEE codes ("63113", "2A004")."""
        out = []
        postcode = POSTCODE.match(query)
        if postcode:
            code = postcode.group(1) + postcode.group(2)
            out += [Match(p, "postcode", _score(p, 1.0)) for p in self.gazetteer.by_postcode(code)]
        if INSEE.match(query):
            code = query.strip().upper()
            place = self.gazetteer.by_insee(code)
            # An old code (e.g. the former Seine département's 75xxx) that is also a
            # postcode means the postcode; a current INSEE code is always offered.
            current = place is not None and place.insee == code
            if place is not None and (current or not out):
                out = [m for m in out if m.place is not place]
                out.append(Match(place, "insee", _score(place, 1.0)))
        return out

    def by_name(self, key: str, department: str | None = None) -> list[Match]:
        """Exact names (articles optional), then former and delegated communes' names."""
        out = [
            Match(p, "exact", _score(p, QUALITY["exact"]))
            for p in self.names.get(key, ())
            if department is None or p.department == department
        ]
        seen = {m.place.insee for m in out}
        for place, old_name in self.former.get(key, ()):
            if place.insee not in seen and (department is None or place.department == department):
                seen.add(place.insee)
                out.append(
                    Match(place, "former_name", _score(place, QUALITY["former_name"]), old_name)
                )
        return out

    def by_prefix(self, key: str, department: str | None = None) -> list[Match]:
        """Names that start with what was typed (autocomplete)."""
        out = []
        start = bisect_left(self.sorted_keys, key)
        end = bisect_left(self.sorted_keys, key + "\uffff", start)
        # "saint" has thousands of names under it: rank only the most populous.
        positions = range(start, end)
        if end - start > PREFIX_CANDIDATES:
            positions = heapq.nlargest(
                PREFIX_CANDIDATES, positions, key=self.key_population.__getitem__
            )
        for position in positions:
            candidate = self.sorted_keys[position]
            if candidate == key:
                continue
            # "le puy" → "le puy en velay": whole words typed are worth nearly an exact
            # match, so a large town can outrank a hamlet of exactly that name.
            if candidate[len(key)] == " ":
                quality = QUALITY["word_prefix"]
            else:
                quality = QUALITY["prefix"] + 0.1 * len(key) / len(candidate)
            out += [
                Match(p, "prefix", _score(p, quality))
                for p in self.names.get(candidate, ())
                if department is None or p.department == department
            ]
            # A former name typed in part is a weaker hint than a current one.
            out += [
                Match(p, "former_name", _score(p, quality - 0.15), old)
                for p, old in self.former.get(candidate, ())
                if department is None or p.department == department
            ]
        return out

    def by_typo(self, key: str, department: str | None = None) -> list[Match]:
        """Names within one edit (short names) or two (longer ones) of what was typed;
        swapping two neighbouring letters counts as one edit."""
        budget = 1 if len(key) <= 6 else 2
        choices = [
            k
            for n in range(len(key) - budget, len(key) + budget + 1)
            for k in self.by_length.get(n, ())
        ]
        out = []
        for candidate, distance, _ in process.extract(
            key, choices, scorer=OSA.distance, score_cutoff=budget, limit=25
        ):
            quality = QUALITY["fuzzy"] - 0.1 * distance
            out += [
                Match(p, "fuzzy", _score(p, quality))
                for p in self.names.get(candidate, ())
                if department is None or p.department == department
            ]
            out += [
                Match(p, "former_name", _score(p, quality - 0.05), old)
                for p, old in self.former.get(candidate, ())
                if department is None or p.department == department
            ]
        return out

    def suggestions(self, key: str, limit: int) -> list[Place]:
        """Looser look-alikes for a query that matched nothing ("did you mean")."""
        found = process.extract(
            key, self.sorted_keys, scorer=fuzz.WRatio, limit=limit * 3, score_cutoff=60
        )
        places = []
        for candidate, _, _ in found:
            for place in self.names.get(candidate, ()):
                if place not in places:
                    places.append(place)
        places.sort(key=lambda p: -(p.population or 0))
        return places[:limit]


def rank(matches: list[Match], limit: int) -> list[Match]:
    """Return the best match per place, best first (score, then population), at most `limit`."""
    best: dict[str, Match] = {}
    for m in matches:
        if m.place.insee not in best or m.score > best[m.place.insee].score:
            best[m.place.insee] = m
    ordered = sorted(best.values(), key=lambda m: (-m.score, -(m.place.population or 0)))
    return ordered[:limit]


def collect(index: PlaceIndex, query: str) -> list[Match]:
    """Run the candidate steps in order; cheaper, surer ways of matching stop the search."""
    coded = index.by_code(query)
    if coded:
        return coded
    key = normalise(query)
    if not key:
        raise ValueError("nothing searchable in the query")
    arrondissement = arrondissement_code(key)
    if arrondissement:
        place = index.gazetteer.by_insee(arrondissement)
        return [Match(place, "arrondissement", _score(place, 1.0))]
    exact = index.by_name(key)
    prefix = index.by_prefix(key)
    if exact:
        return exact + prefix
    hint = split_department_hint(key, index.department_names)
    if hint:
        name, department = hint
        hinted = index.by_name(name, department) or index.by_prefix(name, department)
        hinted = hinted or index.by_typo(name, department)
        if hinted:
            return hinted
    return prefix + index.by_typo(key)


@cache
def _default_index() -> PlaceIndex:
    gazetteer = get_gazetteer()
    with gc_paused():
        return PlaceIndex(gazetteer)


def get_index(gazetteer: Gazetteer | None = None) -> PlaceIndex:
    """Return the index of this gazetteer (the process-wide one by default)."""
    return _default_index() if gazetteer is None else PlaceIndex(gazetteer)


def search(query: str, limit: int = 10, gazetteer: Gazetteer | None = None) -> list[Match]:
    """Return the places a person most likely meant by `query`, best first.

    Raises ValueError when the query holds nothing searchable (only punctuation or spaces).
    """
    return rank(collect(get_index(gazetteer), query), limit)


def suggest(query: str, limit: int = 5, gazetteer: Gazetteer | None = None) -> list[Place]:
    """Return a few look-alike places for a query that matched nothing."""
    key = normalise(query)
    return get_index(gazetteer).suggestions(key, limit) if key else []
