"""The origin of a nearest-site search: the point a query names, and how it was found.

A query names its origin one way: a town as typed, an INSEE code, a postcode, a point, or
a street address (geocoded online when the server enables it). resolve_origin() turns it
into an Origin, or raises a domain error the web layer words for people.
"""

from dataclasses import dataclass

from sitedir.places.gazetteer import Gazetteer, Place, get_gazetteer
from sitedir.places.online import OnlineGeocoder
from sitedir.places.search import CODE_MATCHES, Match, search, suggest

# A match whose score is this close to the best one is shown as an alternative.
AMBIGUITY_MARGIN = 0.05
# A name several communes bear is asked about when the next one is at least this share of
# the likeliest's population: "Moulins" (03, 19,000) or (35, 700) asks; "Le Port" (974,
# 34,000) or (09, 169) answers for La Réunion.
AMBIGUITY_POPULATION_SHARE = 0.01
NAME_MATCHES = frozenset({"exact", "former_name", "locality"})

# How many places a typed town is compared with, and how many look-alikes are suggested.
SEARCH_LIMIT = 8
SUGGESTION_LIMIT = 5

# What an origin can be resolved from: the query parameter that named it.
SOURCES = ("q", "insee", "postcode", "coordinates", "address")


class OriginNotFound(LookupError):
    """No commune (or address) matches the origin asked for.

    `source` says what was looked up (one of SOURCES), `value` what was given, and
    `suggestions` the look-alike places of a typed name ("did you mean").
    """

    def __init__(self, source: str, value: str, suggestions: tuple[Place, ...] = ()):
        super().__init__(f"no place for {source} {value!r}")
        self.source = source
        self.value = value
        self.suggestions = suggestions


class AddressSearchOff(LookupError):
    """A street address was asked for, but no online geocoder is configured."""


@dataclass(frozen=True, slots=True)
class Origin:
    """Where a search starts: its point, what it was resolved from, and how precisely.

    `place` is the commune or arrondissement (None for a point or an address);
    `alternatives` the other places the query may mean, likeliest first.
    """

    source: str  # one of SOURCES
    latitude: float
    longitude: float
    precision: str  # commune | postcode | department | address | coordinates
    place: Place | None = None
    label: str | None = None
    match: str | None = None
    former_name: str | None = None
    alternatives: tuple[Match, ...] = ()
    locality: str | None = None  # a resort, hamlet or district typed, in `place`
    ambiguous: bool = False  # a typed name several comparable communes bear


def _of_place(
    source: str,
    place: Place,
    match: str,
    former_name=None,
    alternatives=(),
    locality=None,
    ambiguous=False,
) -> Origin:
    return Origin(
        source,
        place.latitude,
        place.longitude,
        place.precision,
        place=place,
        label=place.label,
        match=match,
        former_name=former_name,
        alternatives=tuple(alternatives),
        locality=locality,
        ambiguous=ambiguous,
    )


def resolve_origin(
    args: dict,
    gazetteer: Gazetteer | None = None,
    geocoder: OnlineGeocoder | None = None,
) -> Origin:
    """Return the Origin that validated query arguments name (q, insee, postcode, lat and
    lon, or address).

    Raises OriginNotFound when nothing matches, ValueError (QueryTooLong among them) for a
    typed query with nothing searchable or too long, AddressSearchOff for an address
    without a geocoder, and GeocoderUnavailable when the geocoder does not answer.
    """
    gazetteer = get_gazetteer() if gazetteer is None else gazetteer
    if "lat" in args:
        return Origin("coordinates", args["lat"], args["lon"], "coordinates")
    if "address" in args:
        return _of_address(args["address"], geocoder)
    if "insee" in args:
        place = gazetteer.by_insee(args["insee"])
        if place is None:
            raise OriginNotFound("insee", args["insee"])
        return _of_place("insee", place, "insee")
    if "postcode" in args:
        places = gazetteer.by_postcode(args["postcode"])
        if not places:
            raise OriginNotFound("postcode", args["postcode"])
        # Every commune of a postcode is as good a reading as the first: no score shown.
        others = [Match(p, "postcode", 1.0, unranked=True) for p in places[1:]]
        return _of_place("postcode", places[0], "postcode", alternatives=others)
    return _of_query(args["q"], gazetteer)


def _of_query(query: str, gazetteer: Gazetteer) -> Origin:
    # The default gazetteer goes through search's per-process cache.
    given = None if gazetteer is get_gazetteer() else gazetteer
    matches = search(query, limit=SEARCH_LIMIT, gazetteer=given)
    if not matches:
        raise OriginNotFound("q", query, tuple(suggest(query, SUGGESTION_LIMIT, gazetteer=given)))
    best = matches[0]
    # A code read two ways ("13005": Marseille 5e's postcode, Aubagne's INSEE code)
    # keeps every reading; a name, the places about as likely as the first.
    others = [
        m
        for m in matches[1:]
        if (best.match in CODE_MATCHES and m.match in CODE_MATCHES)
        or (m.match == best.match and m.score >= best.score - AMBIGUITY_MARGIN)
        or _comparable(best, m)
    ]
    ambiguous = any(_comparable(best, m) for m in others)
    return _of_place(
        "q", best.place, best.match, best.former_name, others, best.locality, ambiguous
    )


def _comparable(best: Match, other: Match) -> bool:
    """True when a typed name means `other` about as plausibly as `best`: both bear the
    name itself (not a prefix or a typo of it), and `other` is not a hamlet beside a city."""
    if best.match not in NAME_MATCHES or other.match not in NAME_MATCHES:
        return False
    if other.place.insee == best.place.insee:
        return False
    first = best.place.population or 0
    return (other.place.population or 0) >= first * AMBIGUITY_POPULATION_SHARE


def _of_address(address: str, geocoder: OnlineGeocoder | None) -> Origin:
    if geocoder is None:
        raise AddressSearchOff(address)
    found = geocoder.locate(address)
    if found is None:
        raise OriginNotFound("address", address)
    return Origin(
        "address",
        found.latitude,
        found.longitude,
        "address",
        label=found.label,
        match=geocoder.service,
    )
