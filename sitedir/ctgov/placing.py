"""Where a record's location stands: its commune in the offline gazetteer.

A ClinicalTrials.gov location gives a town name, usually a postcode, and sometimes a point.
The commune (INSEE code, département, région) comes from the gazetteer: first among the
communes the postcode serves, by name; else by searching the name, where a postcode keeps
only the communes of its département. Only exact readings of the name are taken (exact,
arrondissement, former name): a typo-level guess could send a patient to the wrong town,
so such a location is left out and listed, not placed.
"""

import re
from dataclasses import dataclass

from sitedir.places.gazetteer import Place, get_gazetteer
from sitedir.places.search import normalise, search
from sitedir.vocabulary import POSTCODE_RE, REGION_RE

POSTCODE = re.compile(POSTCODE_RE, re.ASCII)
# Ways of matching a name that read it as written (no typo correction, no prefix).
EXACT_MATCHES = frozenset({"exact", "arrondissement", "former_name"})
# Regions are two-digit INSEE codes; the overseas collectivités (975, 977, 978, 984, 986,
# 987, 988) have none, and the directory's tables cannot hold them yet.
REGION = re.compile(REGION_RE, re.ASCII)


@dataclass(frozen=True)
class Located:
    """The commune a location stands in, and a note when the reading was not certain."""

    place: Place
    note: str | None = None


class NotPlaced(Exception):
    """The location's town cannot be found, or cannot be held; the message says why."""


def postcode_department(postcode: str) -> set[str]:
    """The département codes a postcode can belong to (Corsica's 20xxx is 2A or 2B)."""
    if postcode.startswith("20"):
        return {"2A", "2B"}
    if postcode.startswith(("97", "98")):
        return {postcode[:3]}
    return {postcode[:2]}


def _same_name(place: Place, key: str) -> bool:
    name = normalise(place.name)
    # "Paris" with postcode 75013 is Paris 13e Arrondissement.
    return name == key or (place.kind == "arrondissement" and name.startswith(key + " "))


def locate(city: str | None, postcode: str | None) -> Located:
    """Return the commune of a location's town (and postcode); raise NotPlaced saying why."""
    if not city or not city.strip():
        raise NotPlaced("the record gives no town")
    try:
        key = normalise(city)
    except ValueError as exc:  # nothing searchable in it
        raise NotPlaced(f"town {city!r} is not a place name") from exc
    postcode = postcode.strip() if postcode else None
    usable_postcode = postcode if postcode and POSTCODE.fullmatch(postcode) else None
    if usable_postcode:
        for place in get_gazetteer().by_postcode(usable_postcode):
            if _same_name(place, key):
                return _holdable(Located(place))
    try:
        matches = [m for m in search(city, limit=10) if m.match in EXACT_MATCHES]
    except ValueError as exc:  # too long to be a town
        raise NotPlaced(f"town {city!r} is not a place name") from exc
    if usable_postcode:
        departments = postcode_department(usable_postcode)
        matches = [m for m in matches if m.place.department in departments]
        if not matches:
            raise NotPlaced(
                f"town {city!r} not found in the gazetteer for postcode {usable_postcode}"
            )
    if not matches:
        raise NotPlaced(f"town {city!r} not found in the gazetteer")
    best = matches[0]
    others = [m.place.label for m in matches[1:] if m.place.name == best.place.name]
    note = None
    if others:
        note = f"town {city!r} read as {best.place.label}; also possible: {', '.join(others)}"
    return _holdable(Located(best.place, note))


def _holdable(located: Located) -> Located:
    if not REGION.fullmatch(located.place.region):
        raise NotPlaced(
            f"{located.place.label} belongs to no INSEE région: the directory cannot hold "
            "sites in the overseas collectivités yet"
        )
    return located
