"""Load the committed gazetteer file once per process, and look places up by code."""

import gzip
import json
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from sitedir.domain.collector import gc_paused

DATA_FILE = Path(__file__).with_name("data") / "gazetteer.json.gz"
PRECISIONS = {"c": "commune", "p": "postcode", "d": "department"}
KINDS = {"c": "commune", "a": "arrondissement"}
ARRONDISSEMENT_CITIES = {"75056", "69123", "13055"}  # Paris, Lyon, Marseille


@dataclass(frozen=True, slots=True)
class Place:
    """A current commune or municipal arrondissement, with its point."""

    insee: str
    name: str
    kind: str  # commune | arrondissement
    department: str
    department_name: str
    region: str
    region_name: str
    population: int | None
    postcodes: tuple[str, ...]
    latitude: float
    longitude: float
    precision: str  # commune | postcode | department

    @property
    def label(self) -> str:
        """The name with its département, as people expect it: "Vichy (03)"."""
        return f"{self.name} ({self.department})"


@dataclass(frozen=True, slots=True)
class FormerName:
    """A former, delegated or associated commune, or an old code, and where it went."""

    code: str
    name: str | None
    place: Place


@dataclass(frozen=True, slots=True)
class Locality:
    """A place that is not a commune (a ski resort, a hamlet, a district) and its commune."""

    name: str
    place: Place
    latitude: float
    longitude: float


class Gazetteer:
    """Every current French commune and arrondissement, by INSEE code and by postcode."""

    def __init__(self, raw: dict):
        self.sources: list[dict] = raw["sources"]
        self._regions: dict[str, str] = raw["regions"]
        self._departments: dict[str, list] = raw["departments"]
        self._by_insee: dict[str, Place] = {}
        by_postcode: dict[str, list[Place]] = defaultdict(list)
        # Positional arguments, in Place's field order: 35,000 places, start-up counts.
        where = {
            code: (entry[0], entry[1], self._regions.get(entry[1], ""))
            for code, entry in self._departments.items()
        }
        for insee, name, kind, dep, pop, postcodes, lat, lon, precision in raw["places"]:
            dep_name, region, region_name = where[dep]
            place = Place(
                insee,
                name,
                KINDS[kind],
                dep,
                dep_name,
                region,
                region_name,
                pop,
                tuple(postcodes),
                lat,
                lon,
                PRECISIONS[precision],
            )
            self._by_insee[insee] = place
            for postcode in postcodes:
                by_postcode[postcode].append(place)
        self._by_postcode = {pc: _postcode_order(places) for pc, places in by_postcode.items()}
        self.former: list[FormerName] = [
            FormerName(code, name, self._by_insee[parent])
            for code, name, parent in raw["former"]
            if parent in self._by_insee
        ]
        self._former_codes = {f.code: f.place for f in self.former if f.code not in self._by_insee}
        self.localities: list[Locality] = [
            Locality(name, self._by_insee[code], lat, lon)
            for name, code, lat, lon in raw.get("localities", ())
            if code in self._by_insee
        ]
        self._point_owners: dict[tuple[float, float], Place] | None = None

    def by_insee(self, code: str) -> Place | None:
        """Return the place with this INSEE code (a former commune's code gives its
        current commune), or None."""
        code = code.upper()
        return self._by_insee.get(code) or self._former_codes.get(code)

    def by_postcode(self, postcode: str) -> list[Place]:
        """Return the places served by this postcode, most likely first."""
        return list(self._by_postcode.get(postcode, ()))

    def point_owner(self, place: Place) -> Place | None:
        """The place whose own point `place` borrows (a commune sharing its postcode, its
        département's seat, Paris for its arrondissements), or None when it has its own."""
        if place.precision == "commune":
            return None
        if self._point_owners is None:
            owners: dict[tuple[float, float], Place] = {}
            for other in self._by_insee.values():
                if other.precision == "commune":
                    # The most populous owner of a point, should two share one.
                    key = (other.latitude, other.longitude)
                    if key not in owners or (other.population or 0) > (owners[key].population or 0):
                        owners[key] = other
            self._point_owners = owners
        return self._point_owners.get((place.latitude, place.longitude))

    def places(self) -> Iterable[Place]:
        """Every current commune and arrondissement, by INSEE code."""
        return self._by_insee.values()

    def department_name(self, code: str) -> str | None:
        """Return a département's name, or None."""
        entry = self._departments.get(code)
        return entry[0] if entry else None

    def region_name(self, code: str) -> str | None:
        """Return a région's name, or None."""
        return self._regions.get(code)

    def departments(self) -> dict[str, str]:
        """Return every département code with its name."""
        return {code: entry[0] for code, entry in self._departments.items()}

    def regions(self) -> dict[str, str]:
        """Return every région code with its name."""
        return dict(self._regions)

    def department_regions(self) -> dict[str, str]:
        """Return every département code with its région's code."""
        return {code: entry[1] for code, entry in self._departments.items()}


def _postcode_order(places: list[Place]) -> tuple[Place, ...]:
    # An arrondissement is what a Paris, Lyon or Marseille postcode means, not the
    # whole city that also lists it; otherwise the most populous commune first.
    if any(p.kind == "arrondissement" for p in places):
        places = [p for p in places if p.insee not in ARRONDISSEMENT_CITIES]
    return tuple(sorted(places, key=lambda p: (-(p.population or 0), p.insee)))


def load(path: Path = DATA_FILE) -> Gazetteer:
    """Read a gazetteer file (gzip'd JSON) into a Gazetteer."""
    # Decompress then parse bytes: several times faster than a text-mode gzip stream.
    return Gazetteer(json.loads(gzip.decompress(path.read_bytes())))


@cache
def get_gazetteer() -> Gazetteer:
    """Return the process-wide gazetteer, loaded on first use."""
    # Some 100,000 objects, none in a cycle: collections took 40 % of the load.
    with gc_paused():
        return load()
