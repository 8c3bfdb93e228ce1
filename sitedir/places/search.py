"""Place search: a pipeline of small pure steps, from what a person typed to ranked places.

normalise (normalize.fold) → French rules (french.*) → candidates: STEPS, an ordered list
of small functions (codes, arrondissements, exact and former names, localities,
where-hints, prefixes and typos), the first that finds something answering → ranking
(match quality, then population)

Cost: a town is found in microseconds (dictionary and bisect look-ups). Typos and "did you
mean" suggestions compare the query with many names; both look only at names of similar
length sharing some of the query's rarest trigrams (TrigramBlocks), and the process keeps
the last CACHE_SIZE outcomes by normalised query, so a query that matches nothing costs
about what a new town costs, and a repeated one nothing.
"""

import heapq
import math
import re
import threading
from bisect import bisect_left
from collections import defaultdict
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass
from functools import cache, lru_cache

from rapidfuzz import fuzz, process
from rapidfuzz.distance import OSA

from sitedir.domain.collector import gc_paused
from sitedir.places.french import (
    arrondissement_code,
    expand_abbreviations,
    split_hint,
    strip_article,
    where_hints,
)
from sitedir.places.gazetteer import Gazetteer, Place, get_gazetteer
from sitedir.places.normalize import fold

# On the normalised key (lower case, one space between words).
POSTCODE = re.compile(r"(\d{2}) ?(\d{3})")
INSEE = re.compile(r"\d{5}|2[ab]\d{3}")
CODE_MATCHES = frozenset({"postcode", "insee"})

# Longer queries are refused (QueryTooLong): the longest commune name is 45 characters
# and 8 words, and a where-hint adds at most 5 words ("terres australes et antarctiques
# francaises"). The typo and suggestion steps cost grows with the length.
MAX_QUERY_CHARS = 100
MAX_QUERY_WORDS = 15
_WORD = re.compile(r"[^\W_]+")  # a run of letters and digits, as typed
CACHE_SIZE = 4096  # outcomes kept per process, by normalised query
SUGGESTION_CANDIDATES = 1500  # names the "did you mean" step compares, at most
SUGGESTION_SHORTLIST = 30  # of which the closest are scored again, more finely
TYPO_LIMIT = 25
# What makes a "did you mean" related to the query: a WRatio of 84 or more (a name inside
# longer text: "Lyon Part Dieu" → Lyon, "Alpe d'Huez" → Huez, both 90), or at most 3 edits
# (a typo: "Clairmont-Ferrant" → Clermont-Ferrand). A look-alike that only shares letters
# is dropped: "Val Thorens" → Florensac (WRatio 60, 7 edits), "Les Menuires" → Les
# Peintures (80, 4 edits). Measured by bench/suggestions.py (see bench/RESULTS.md).
SUGGESTION_CUTOFF = 84
SUGGESTION_EDITS = 3

# How much each way of matching is worth, before population breaks ties.
QUALITY = {
    "postcode": 1.0,
    "insee": 1.0,
    "arrondissement": 1.0,
    "exact": 1.0,
    "former_name": 0.9,
    "locality": 0.9,  # a place that is not a commune, answered with its commune
    "word_prefix": 0.95,  # whole words typed, the name goes on
    "prefix": 0.75,  # up to 0.85 as the typed part covers more of the name
    "fuzzy": 0.85,  # minus 0.1 per edit
}
POPULATION_WEIGHT = 0.3
PREFIX_CANDIDATES = 40  # the most populous names under a prefix worth ranking


@dataclass(frozen=True, slots=True)
class Match:
    """A place found for a query: how it matched, and a score in 0..1 (higher is better).

    `unranked`: a place as good as any other (the other communes of a postcode given as
    such): its score ranks nothing and is not shown.
    """

    place: Place
    match: str
    score: float
    former_name: str | None = None
    locality: str | None = None  # the hamlet, resort or district typed, in this commune
    unranked: bool = False


class QueryTooLong(ValueError):
    """The query is longer than any place name with a where-hint could be."""


def normalise(query: str) -> str:
    """Return the comparable key of a query or a name: folded, abbreviations expanded."""
    return expand_abbreviations(fold(query))


def query_key(query: str) -> str:
    """Return the normalised key of a query, checked.

    Raises ValueError when nothing searchable is left (only punctuation or spaces), and
    QueryTooLong (a ValueError) beyond MAX_QUERY_CHARS letters and digits or
    MAX_QUERY_WORDS words. Both are counted on the query as typed (punctuation and spaces
    do not count), so that a query of at most MAX_QUERY_CHARS characters, as the API
    documents it, is never refused for its letters, whatever folding or abbreviations
    ("St" is "saint") make of it.
    """
    key = normalise(query)
    if not key:
        raise ValueError("nothing searchable in the query")
    letters = sum(1 for ch in query if ch.isalnum())
    if letters > MAX_QUERY_CHARS or len(_WORD.findall(query)) > MAX_QUERY_WORDS:
        raise QueryTooLong(
            f"at most {MAX_QUERY_CHARS} letters and digits and {MAX_QUERY_WORDS} words"
        )
    return key


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
        localities: dict[str, list[tuple[Place, str]]] = defaultdict(list)
        for locality in gazetteer.localities:
            key = normalise(locality.name)
            for variant in {key, strip_article(key)}:
                localities[variant].append((locality.place, locality.name))
        self.localities = dict(localities)
        self.sorted_keys = sorted(population)
        # For autocomplete: how populous the biggest place under each name is.
        self.key_population = [population[k] for k in self.sorted_keys]
        by_length: dict[int, list[str]] = defaultdict(list)
        for key in self.sorted_keys:
            by_length[len(key)].append(key)
        self.by_length = dict(by_length)
        self.hints = where_hints(
            gazetteer.departments(), gazetteer.regions(), gazetteer.department_regions()
        )
        self.blocks = TrigramBlocks(self.by_length)
        self._department_keys: dict[str, list[str]] | None = None
        self._area_keys: dict[frozenset[str], list[str]] = {}

    def split_hint(self, key: str) -> tuple[str, frozenset[str]] | None:
        """(town, département codes) when the key ends with a where-hint: a département's
        number or name, a région or territory, or a postcode ("saint pierre 97410")."""
        town, _, last = key.rpartition(" ")
        if town and len(last) == 5 and last.isdigit():
            departments = {p.department for p in self.gazetteer.by_postcode(last)}
            return (town, frozenset(departments)) if departments else None
        return split_hint(key, self.hints)

    def _places_in(self, key: str, departments: Collection[str]) -> bool:
        return any(p.department in departments for p in self.names.get(key, ())) or any(
            p.department in departments for p, _ in self.former.get(key, ())
        )

    def _keys_of(self, departments: Collection[str]) -> list[str]:
        """The sorted keys with a place (or a former name) in one of these départements."""
        if self._department_keys is None:
            # Built on the first hinted prefix search: most processes never need it.
            by_department: dict[str, set[str]] = defaultdict(set)
            for key in self.sorted_keys:
                for place in self.names.get(key, ()):
                    by_department[place.department].add(key)
                for place, _ in self.former.get(key, ()):
                    by_department[place.department].add(key)
            self._department_keys = {d: sorted(keys) for d, keys in by_department.items()}
        if len(departments) == 1:
            return self._department_keys.get(next(iter(departments)), [])
        # A région's merged list, kept: there are a few dozen such sets.
        area = frozenset(departments)
        keys = self._area_keys.get(area)
        if keys is None:
            merged = set().union(*(self._department_keys.get(d, ()) for d in area))
            keys = self._area_keys[area] = sorted(merged)
        return keys

    # -- candidate collection: each returns matches for one way of matching ----------

    def by_code(self, key: str) -> list[Match]:
        """Postcodes ("63000", "63 000") and INSEE codes ("63113", "2a004"), on the key.

        Five digits that are both mean the postcode first, as a doctor writes an address
        ("13005" is Marseille 5e); the INSEE reading (Aubagne) comes after it.
        """
        out = []
        postcode = POSTCODE.fullmatch(key)
        if postcode:
            code = postcode.group(1) + postcode.group(2)
            out += [Match(p, "postcode", _score(p, 1.0)) for p in self.gazetteer.by_postcode(code)]
        if INSEE.fullmatch(key):
            code = key.upper()
            place = self.gazetteer.by_insee(code)
            # An old code (e.g. the former Seine département's 75xxx) that is also a
            # postcode means the postcode; a current INSEE code is always offered.
            current = place is not None and place.insee == code
            if place is not None and (current or not out):
                if all(m.place is not place for m in out):
                    score = _score(place, 1.0)
                    if out:  # ranked after every place of the postcode
                        score = min(score, min(m.score for m in out) - 0.0001)
                    out.append(Match(place, "insee", score))
        return out

    def by_name(self, key: str, departments: Collection[str] | None = None) -> list[Match]:
        """Exact names (articles optional), then former and delegated communes' names."""
        out = [
            Match(p, "exact", _score(p, QUALITY["exact"]))
            for p in self.names.get(key, ())
            if departments is None or p.department in departments
        ]
        seen = {m.place.insee for m in out}
        for place, old_name in self.former.get(key, ()):
            if place.insee not in seen and (departments is None or place.department in departments):
                seen.add(place.insee)
                out.append(
                    Match(place, "former_name", _score(place, QUALITY["former_name"]), old_name)
                )
        return out

    def by_locality(self, key: str, departments: Collection[str] | None = None) -> list[Match]:
        """Places that are not communes (resorts, hamlets, districts), as their commune."""
        return [
            Match(place, "locality", _score(place, QUALITY["locality"]), locality=name)
            for place, name in self.localities.get(key, ())
            if departments is None or place.department in departments
        ]

    def by_prefix(self, key: str, departments: Collection[str] | None = None) -> list[Match]:
        """Names that start with what was typed (autocomplete)."""
        out = []
        if departments is None:
            keys = self.sorted_keys
            start = bisect_left(keys, key)
            end = bisect_left(keys, key + "\uffff", start)
            # "saint" has thousands of names under it: rank only the most populous.
            positions: Iterable[int] = range(start, end)
            if end - start > PREFIX_CANDIDATES:
                positions = heapq.nlargest(
                    PREFIX_CANDIDATES, positions, key=self.key_population.__getitem__
                )
            candidates = [keys[position] for position in positions]
        else:  # only names in these départements: the hinted town may be a small one
            keys = self._keys_of(departments)
            start = bisect_left(keys, key)
            candidates = keys[start : bisect_left(keys, key + "\uffff", start)]
            if len(candidates) > PREFIX_CANDIDATES:
                population = self.key_population
                candidates = heapq.nlargest(
                    PREFIX_CANDIDATES,
                    candidates,
                    key=lambda k: population[bisect_left(self.sorted_keys, k)],
                )
        for candidate in candidates:
            if candidate == key:
                continue
            # "le puy" → "le puy en velay": whole words typed are worth nearly an exact
            # match, so a large town can outrank a hamlet of exactly that name.
            if candidate[len(key)] == " ":
                quality = QUALITY["word_prefix"]
            else:
                quality = QUALITY["prefix"] + 0.1 * len(key) / len(candidate)
            # A former name typed in part is a weaker hint than a current one.
            out += self._under(candidate, "prefix", quality, quality - 0.15, departments)
        return out

    def by_typo(self, key: str, departments: Collection[str] | None = None) -> list[Match]:
        """Names within one edit (short names) or two (longer ones) of what was typed;
        swapping two neighbouring letters counts as one edit."""
        budget = 1 if len(key) <= 6 else 2
        lengths = range(len(key) - budget, len(key) + budget + 1)
        choices = self.blocks.within(key, lengths, budget)
        if departments is not None:
            choices = [k for k in choices if self._places_in(k, departments)]
        out = []
        for candidate, distance, _ in process.extract(
            key, choices, scorer=OSA.distance, score_cutoff=budget, limit=TYPO_LIMIT
        ):
            quality = QUALITY["fuzzy"] - 0.1 * distance
            out += self._under(candidate, "fuzzy", quality, quality - 0.05, departments)
        return out

    def _under(
        self,
        key: str,
        how: str,
        quality: float,
        former_quality: float,
        departments: Collection[str] | None,
    ) -> list[Match]:
        """The places whose current name (matched `how`) or former name is `key`."""
        return [
            Match(p, how, _score(p, quality))
            for p in self.names.get(key, ())
            if departments is None or p.department in departments
        ] + [
            Match(p, "former_name", _score(p, former_quality), old)
            for p, old in self.former.get(key, ())
            if departments is None or p.department in departments
        ]

    def suggestions(self, key: str, limit: int) -> list[Place]:
        """Looser look-alikes for a query that matched nothing ("did you mean").

        Only names that look alike at all are compared: of similar length and sharing
        some of the query's rarest trigrams (at most SUGGESTION_CANDIDATES), first with
        rapidfuzz's cheap ratio, then the best few, with any run of the query's words
        that is a name ("hopital de vichy"), with WRatio (which also finds a name inside
        longer text).
        """
        width = max(3, len(key) // 3)
        lengths = sorted(
            range(max(1, len(key) - width), len(key) + width + 1),
            key=lambda n: abs(n - len(key)),
        )
        alike = self.blocks.alike(key, lengths, SUGGESTION_CANDIDATES)
        shortlist = [
            candidate
            for candidate, _, _ in process.extract(
                key, alike, scorer=fuzz.ratio, limit=SUGGESTION_SHORTLIST, score_cutoff=50
            )
        ]
        shortlist += [k for k in _word_runs(key) if k in self.names]
        found = process.extract(
            key,
            list(dict.fromkeys(shortlist)),
            scorer=fuzz.WRatio,
            limit=limit * 3,
            score_cutoff=60,
        )
        places = []
        for candidate, score, _ in found:
            if score < SUGGESTION_CUTOFF and OSA.distance(key, candidate) > SUGGESTION_EDITS:
                continue  # shares letters, not a name or a typo of one

            for place in self.names.get(candidate, ()):
                if place not in places:
                    places.append(place)
        places.sort(key=lambda p: -(p.population or 0))
        return places[:limit]


def _word_runs(key: str) -> Iterable[str]:
    """Every run of two or more consecutive words, and every single word of 4+ letters."""
    words = key.split()
    for start in range(len(words)):
        for end in range(start + 1, len(words) + 1):
            run = " ".join(words[start:end])
            if (end - start > 1 or len(run) >= 4) and run != key:
                yield run


def _trigrams(key: str) -> set[str]:
    # Two spaces each side: a name of 3+ letters has 4 more trigrams than one edit can
    # change (a swap of two letters changes 4), so no name within the edit budget is missed.
    padded = f"  {key}  "
    return {padded[i : i + 3] for i in range(len(key) + 2)}


class TrigramBlocks:
    """Names grouped by length, each group with an inverted index of its trigrams.

    A group is built the first time a query of a nearby length needs it (a few
    milliseconds each, some 0.2 s for all): the start-up of the process stays as it was.
    """

    def __init__(self, by_length: dict[int, list[str]]):
        self.by_length = by_length
        self._groups: dict[int, tuple[list[str], dict[str, list[int]]]] = {}
        self._lock = threading.Lock()

    def _groups_of(self, lengths: Iterable[int]):
        """The (names, trigram postings) of each of these lengths that has names."""
        for length in lengths:
            group = self._group(length)
            if group is not None:
                yield group

    def _group(self, length: int) -> tuple[list[str], dict[str, list[int]]] | None:
        group = self._groups.get(length)
        if group is None:
            keys = self.by_length.get(length)
            if not keys:
                return None
            with self._lock:  # one thread builds it, the others wait for it
                group = self._groups.get(length)
                if group is None:
                    postings: dict[str, list[int]] = defaultdict(list)
                    for position, key in enumerate(keys):
                        for gram in _trigrams(key):
                            postings[gram].append(position)
                    group = self._groups[length] = (keys, dict(postings))
        return group

    def warm(self) -> None:
        """Build every group now (some 0.2 s): before a server forks its workers, so
        they share the groups instead of each building its own on first need."""
        for length in self.by_length:
            self._group(length)

    def within(self, key: str, lengths: Iterable[int], edits: int) -> list[str]:
        """Every name of these lengths that could be within `edits` edits of the key.

        Each edit changes at most 4 of the key's trigrams, so a name within the budget
        shares at least one of any 4 * edits + 1 of them: the rarest are taken. Exact,
        not a heuristic: the names come in the order of a plain scan (length, then name).
        """
        grams = _trigrams(key)
        picks = 4 * edits + 1
        out: list[str] = []
        for keys, postings in self._groups_of(lengths):
            if len(key) + 2 < picks:  # too short to block (1 or 2 letters): scan it all
                out += keys
                continue
            lists = sorted((postings.get(gram, ()) for gram in grams), key=len)[:picks]
            out += [keys[i] for i in sorted(set().union(*lists))]
        return out

    def alike(self, key: str, lengths: Iterable[int], limit: int) -> list[str]:
        """Up to `limit` names of these lengths (nearest lengths first) sharing the key's
        rarest trigrams, the rarest first: what a "did you mean" is worth scoring."""
        grams = _trigrams(key)
        out: list[str] = []
        for keys, postings in self._groups_of(lengths):
            found: set[int] = set()
            for posting in sorted((postings.get(gram, ()) for gram in grams), key=len):
                if not posting:
                    continue
                if len(found) + len(posting) > limit - len(out):
                    break
                found.update(posting)
            out += [keys[i] for i in sorted(found)]
            if len(out) >= limit:
                break
        return out


def rank(matches: list[Match], limit: int) -> list[Match]:
    """Return the best match per place, best first (score, then population), at most `limit`."""
    best: dict[str, Match] = {}
    for m in matches:
        if m.place.insee not in best or m.score > best[m.place.insee].score:
            best[m.place.insee] = m
    ordered = sorted(best.values(), key=lambda m: (-m.score, -(m.place.population or 0)))
    return ordered[:limit]


@dataclass
class Query:
    """One normalised key on its way through the steps, with what two steps share (the
    prefix matches and the where-hint), each computed once, when first asked for."""

    index: PlaceIndex
    key: str
    _prefixes: list[Match] | None = None
    _hint: tuple[str, frozenset[str]] | None = None
    _hint_read: bool = False

    def prefixes(self) -> list[Match]:
        """Names that start with the key."""
        if self._prefixes is None:
            self._prefixes = self.index.by_prefix(self.key)
        return self._prefixes

    def hint(self) -> tuple[str, frozenset[str]] | None:
        """(town, département codes) when the key ends with a where-hint."""
        if not self._hint_read:
            self._hint, self._hint_read = self.index.split_hint(self.key), True
        return self._hint


# -- the steps, in order: the first that finds something answers (addok's collectors) --


def codes(query: Query) -> list[Match]:
    """A postcode or an INSEE code."""
    return query.index.by_code(query.key)


def arrondissement(query: Query) -> list[Match]:
    """An arrondissement typed with its city (Paris 12, Lyon 3e, Marseille 5eme)."""
    code = arrondissement_code(query.key)
    place = query.index.gazetteer.by_insee(code) if code else None
    return [] if place is None else [Match(place, "arrondissement", _score(place, 1.0))]


def exact_names(query: Query) -> list[Match]:
    """The name (or a former name) exactly, then the longer names it begins."""
    exact = query.index.by_name(query.key)
    return exact + query.prefixes() if exact else []


def localities(query: Query) -> list[Match]:
    """A place that is not a commune (Val Thorens: no commune has the name, a locality of
    one does), as its commune."""
    return query.index.by_locality(query.key)


def hinted(query: Query) -> list[Match]:
    """A town with a where-hint (Saint-Denis La Réunion): looked for in the hint's area
    only, by name, locality, prefix, then typo."""
    hint = query.hint()
    if hint is None:
        return []
    name, departments = hint
    index = query.index
    return (
        index.by_name(name, departments)
        or index.by_locality(name, departments)
        or index.by_prefix(name, departments)
        or index.by_typo(name, departments)
    )


def prefixes_and_typos(query: Query) -> list[Match]:
    """What was typed as the start of names, and names within an edit or two of it."""
    return query.prefixes() + query.index.by_typo(query.key)


def town_elsewhere(query: Query) -> list[Match]:
    """A town the hint's area does not have ("Sainte-Marie Guadeloupe"): the town elsewhere."""
    hint = query.hint()
    if hint is None:
        return []
    return query.index.by_name(hint[0]) or query.index.by_prefix(hint[0])


# Cheaper, surer ways of matching first. A new way of matching is a function of a Query
# returning its matches, placed in this list (docs/ARCHITECTURE.md, "Where each kind of
# change goes").
STEPS: tuple[Callable[[Query], list[Match]], ...] = (
    codes,
    arrondissement,
    exact_names,
    localities,
    hinted,
    prefixes_and_typos,
    town_elsewhere,
)


def collect(index: PlaceIndex, key: str) -> list[Match]:
    """Run the steps on a normalised key in order; the first that finds something answers."""
    query = Query(index, key)
    for step in STEPS:
        found = step(query)
        if found:
            return found
    return []


@cache
def _default_index() -> PlaceIndex:
    gazetteer = get_gazetteer()
    with gc_paused():
        return PlaceIndex(gazetteer)


def get_index(gazetteer: Gazetteer | None = None) -> PlaceIndex:
    """Return the index of this gazetteer (the process-wide one by default)."""
    return _default_index() if gazetteer is None else PlaceIndex(gazetteer)


@lru_cache(maxsize=CACHE_SIZE)
def _search_default(key: str, limit: int) -> tuple[Match, ...]:
    return tuple(rank(collect(_default_index(), key), limit))


@lru_cache(maxsize=CACHE_SIZE)
def _suggest_default(key: str, limit: int) -> tuple[Place, ...]:
    return tuple(_default_index().suggestions(key, limit))


def search(query: str, limit: int = 10, gazetteer: Gazetteer | None = None) -> list[Match]:
    """Return the places a person most likely meant by `query`, best first.

    Raises ValueError when the query holds nothing searchable (only punctuation or
    spaces), QueryTooLong (a ValueError) when it is longer than any place could be.
    """
    key = query_key(query)
    if gazetteer is None:
        return list(_search_default(key, limit))
    return rank(collect(get_index(gazetteer), key), limit)


def suggest(query: str, limit: int = 5, gazetteer: Gazetteer | None = None) -> list[Place]:
    """Return a few look-alike places for a query that matched nothing."""
    try:
        key = query_key(query)
    except ValueError:
        return []
    if gazetteer is None:
        return list(_suggest_default(key, limit))
    return get_index(gazetteer).suggestions(key, limit)
