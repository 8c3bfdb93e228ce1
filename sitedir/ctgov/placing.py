"""Where a record's location stands: its commune in the offline gazetteer, never a guess.

A ClinicalTrials.gov location gives a country, a town name, usually a postcode, and
sometimes a point. The commune (INSEE code, département, région) is read in this order:

1. The country. ClinicalTrials.gov spells the overseas territories as countries of their
   own (Réunion, Guadeloupe, French Polynesia...): `France` is metropolitan France, and
   each overseas name is its own département or collectivité.
2. The postcode. A postcode that serves communes keeps the communes it serves; a CEDEX
   postcode (a company's or a hospital's, serving no commune) names only its département.
   A postcode outside the country's départements is a contradiction, not a hint.
3. The town's name, read exactly (exact, arrondissement, former name): a typo-level guess
   could send a patient to the wrong town.
4. When several communes of that name remain, the facility's name (a département or a
   région it names), then a population so much larger that the others are not plausible.
   A town that stays ambiguous is refused with its candidates: NotPlaced, never guessed.
"""

import re
from dataclasses import dataclass, field

from sitedir.domain.vocabulary import REGION_RE
from sitedir.places.gazetteer import Place, get_gazetteer
from sitedir.places.normalize import fold
from sitedir.places.search import normalise, search

# Five ASCII digits, maybe followed by "CEDEX" and its number, as addresses write them.
ZIP = re.compile(r"\s*([0-9]{5})(?:\s*(cedex)(?:\s*[0-9]{1,2})?)?\s*", re.ASCII | re.IGNORECASE)
POSTCODE = re.compile(r"[0-9]{5}", re.ASCII)
# "Clermont-Ferrand Cedex 1": the commune is what comes before CEDEX.
CITY_CEDEX = re.compile(r"^(.*?)[\s,]+cedex(?:\s*[0-9]{1,2})?\s*$", re.IGNORECASE)
ARRONDISSEMENT = re.compile(r"^(.+?) [0-9]+(?:er|e) Arrondissement$")
# Ways of matching a name that read it as written (no typo correction, no prefix).
EXACT_MATCHES = frozenset({"exact", "arrondissement", "former_name"})
# Regions are two-digit INSEE codes; the overseas collectivités (975, 977, 978, 984, 986,
# 987, 988) have none, and the directory's tables cannot hold them yet.
REGION = re.compile(REGION_RE, re.ASCII)
# The likeliest commune of a name is taken only when it is this many times as populous as
# every other: "Saint-Denis (93)" beside "Saint-Denis (11)", 523 inhabitants.
DOMINANT = 10

# ClinicalTrials.gov's country names (folded) and the départements each one covers.
OVERSEAS = {
    "reunion": "974",
    "martinique": "972",
    "guadeloupe": "971",
    "french guiana": "973",
    "mayotte": "976",
    "new caledonia": "988",
    "french polynesia": "987",
    "saint pierre and miquelon": "975",
    "wallis and futuna": "986",
    "saint barthelemy": "977",
    "saint martin": "978",
    "saint martin french part": "978",
}
FRANCE = "france"


@dataclass(frozen=True)
class Located:
    """The commune a location stands in, and how it was read."""

    place: Place
    note: str | None = None
    # The postcode as an address may hold it: None for a CEDEX or an unusable one.
    postcode: str | None = None

    @property
    def town(self) -> str:
        """The commune's name as the gazetteer spells it ("Paris" for Paris 13e)."""
        found = ARRONDISSEMENT.match(self.place.name)
        return found.group(1) if found else self.place.name


class NotPlaced(Exception):
    """The location's town cannot be found, or cannot be held; the message says why."""

    def __init__(self, reason: str, candidates: list[str] | None = None):
        super().__init__(reason)
        self.candidates = candidates or []


@dataclass
class _Zip:
    code: str | None = None  # five digits
    cedex: bool = False
    departments: set[str] = field(default_factory=set)


def postcode_department(postcode: str) -> set[str]:
    """The département codes a postcode can belong to (Corsica's 20xxx is 2A or 2B)."""
    if postcode.startswith("20"):
        return {"2A", "2B"}
    if postcode.startswith(("97", "98")):
        return {postcode[:3]}
    return {postcode[:2]}


def is_overseas(department: str) -> bool:
    return department.startswith(("97", "98"))


def country_departments(country: str | None):
    """A test of the départements a country name covers; None when the name is not French."""
    key = fold(country or "")
    if key == FRANCE:
        return lambda department: not is_overseas(department)
    if key in OVERSEAS:
        code = OVERSEAS[key]
        return lambda department: department == code
    return None


def _read_zip(text: str | None, cedex_in_city: bool) -> _Zip:
    found = ZIP.fullmatch(text or "")
    if not found:
        return _Zip()
    code = found.group(1)
    serves = bool(get_gazetteer().by_postcode(code))
    # A code no commune has is a CEDEX code (or a mistake): its département still holds.
    cedex = bool(found.group(2)) or cedex_in_city or not serves
    return _Zip(code, cedex, postcode_department(code))


def _same_name(place: Place, key: str) -> bool:
    name = normalise(place.name)
    # "Paris" with postcode 75013 is Paris 13e Arrondissement.
    return name == key or (place.kind == "arrondissement" and name.startswith(key + " "))


def _named_by(facility: str | None, place: Place) -> bool:
    """True when the facility's name names the place's département or région."""
    words = f" {fold(facility or '')} "
    names = (place.department_name, place.region_name)
    return any(name and f" {fold(name)} " in words for name in names)


def locate(
    city: str | None,
    postcode: str | None,
    country: str | None = "France",
    facility: str | None = None,
) -> Located:
    """Return the commune of a location; raise NotPlaced saying why (and the candidates)."""
    in_country = country_departments(country)
    if in_country is None:
        raise NotPlaced(f"country {country!r} is not France or a French territory")
    city, key, cedex = _town(city)
    zip_code = _read_zip(postcode, cedex)
    if zip_code.code and not any(in_country(d) for d in zip_code.departments):
        raise NotPlaced(
            f"postcode {zip_code.code} is in département {'/'.join(sorted(zip_code.departments))}"
            f", not in {country}: the record contradicts itself"
        )
    stored = zip_code.code if zip_code.code and not zip_code.cedex else None

    if zip_code.code and not zip_code.cedex:
        served = [p for p in get_gazetteer().by_postcode(zip_code.code) if _same_name(p, key)]
        if len(served) == 1:
            return _holdable(Located(served[0], None, stored))
    try:
        matches = [m.place for m in search(city, limit=20) if m.match in EXACT_MATCHES]
    except ValueError as exc:  # too long to be a town
        raise NotPlaced(f"town {city!r} is not a place name") from exc
    matches = list({p.insee: p for p in matches if in_country(p.department)}.values())
    if zip_code.code:
        matches = [p for p in matches if p.department in zip_code.departments]
        if not matches:
            raise NotPlaced(
                f"town {city!r} not found in the gazetteer for postcode {zip_code.code}"
            )
    if not matches:
        raise NotPlaced(f"town {city!r} not found in the gazetteer in {country}")
    return _one_of(matches, city, facility, stored)


def _town(city: str | None) -> tuple[str, str, bool]:
    """(the town as written, its search key, whether it was written with CEDEX); NotPlaced
    when there is none or it is not a place name."""
    if not city or not city.strip():
        raise NotPlaced("the record gives no town")
    city = city.strip()
    cedex_city = CITY_CEDEX.match(city)
    if cedex_city:
        city = cedex_city.group(1)
    try:
        key = normalise(city)
    except ValueError as exc:  # nothing searchable in it
        raise NotPlaced(f"town {city!r} is not a place name") from exc
    if not key:
        raise NotPlaced(f"town {city!r} is not a place name")
    return city, key, bool(cedex_city)


def _one_of(matches: list[Place], city: str, facility: str | None, stored: str | None) -> Located:
    """The one commune of several of the town's name: the only one, the one the facility's
    name names, or one by far the most populous; NotPlaced when none stands out."""
    if len(matches) == 1:
        return _holdable(Located(matches[0], None, stored))
    named = [p for p in matches if _named_by(facility, p)]
    if len(named) == 1:
        others = ", ".join(p.label for p in matches if p is not named[0])
        note = f"town {city!r} read as {named[0].label} from the facility's name (not {others})"
        return _holdable(Located(named[0], note, stored))
    ranked = sorted(matches, key=lambda p: p.population or 0, reverse=True)
    first, second = ranked[0].population or 0, ranked[1].population or 0
    labels = [p.label for p in ranked]
    if first >= DOMINANT * max(second, 1):
        note = (
            f"town {city!r} read as {ranked[0].label}, by far the most populous of that name; "
            f"also possible: {', '.join(labels[1:])}"
        )
        return _holdable(Located(ranked[0], note, stored))
    raise NotPlaced(
        f"town {city!r} is ambiguous ({', '.join(labels)}): the record's postcode or "
        "facility does not say which; place it by hand",
        labels,
    )


def _holdable(located: Located) -> Located:
    if not REGION.fullmatch(located.place.region):
        raise NotPlaced(
            f"{located.place.label} belongs to no INSEE région: the directory cannot hold "
            "sites in the overseas collectivités yet"
        )
    return located
