"""Nearest-open-site ranking: pure functions over coordinates, no Flask, no database."""

import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Generic, Protocol, TypeVar

from pyproj import Geod

# The same geodesic as geopy's (Karney's algorithm on WGS 84: tests check the two agree to
# the micrometre), solved by PROJ's C code: about 1.3 µs a pair against 75 µs for
# geographiclib in pure Python, which made the exact order most of a first-time answer's
# cost (bench/RESULTS.md, "Geodesics in C").
WGS84 = Geod(ellps="WGS84")
EARTH_RADIUS_KM = 6371.0088
# The spherical (haversine) distance is within 0.6 % of the geodesic one: a safe margin
# to pick, cheaply, the few candidates whose exact distance can change the answer.
SPHERE_MARGIN = 1.006


class Locatable(Protocol):
    """Anything with a point and an open status. Read-only: ranking never writes them,
    so frozen rows (the snapshot's SiteRow) qualify as well as ORM sites."""

    @property
    def latitude(self) -> float: ...

    @property
    def longitude(self) -> float: ...

    @property
    def is_open(self) -> bool: ...


T = TypeVar("T", bound=Locatable)


@dataclass(frozen=True, slots=True)
class Ranked(Generic[T]):
    """One candidate and its geodesic distance from the origin, in kilometres."""

    item: T
    distance_km: float


@dataclass(frozen=True, slots=True)
class NearestAnswer(Generic[T]):
    """Open sites by distance, and the closer sites that are not open."""

    results: list[Ranked[T]]
    nearer_not_open: list[Ranked[T]]


def distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Return the geodesic (WGS 84) distance between two points, in kilometres."""
    return WGS84.inv(lon1, lat1, lon2, lat2)[2] / 1000


def sphere_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Return the haversine distance on a sphere of the Earth's mean radius, in km."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))


def rank_nearest(
    latitude: float,
    longitude: float,
    candidates: Iterable[T],
    limit: int = 3,
    radius_km: float | None = None,
) -> NearestAnswer[T]:
    """Return the `limit` nearest open candidates within `radius_km`, and the
    not-open ones nearer than the first open one (all within the radius when none is open).

    Distances are geodesic; the cheap spherical distance only decides which candidates
    are worth measuring exactly, so the answer is the same as measuring them all.
    """
    rough = sorted(
        ((sphere_km(latitude, longitude, c.latitude, c.longitude), c) for c in candidates),
        key=lambda pair: pair[0],
    )
    if radius_km is not None:
        rough = [(d, c) for d, c in rough if d <= radius_km * SPHERE_MARGIN]
    # Every candidate that could be among the answer: up to the limit-th open one, with
    # the margin of error, and all of them when fewer are open.
    open_seen, cut = 0, math.inf
    for d, c in rough:
        if c.is_open:
            open_seen += 1
            if open_seen == limit:
                cut = d * SPHERE_MARGIN * SPHERE_MARGIN
                break
    ranked = sorted(
        (
            Ranked(c, distance_km(latitude, longitude, c.latitude, c.longitude))
            for d, c in rough
            if d <= cut
        ),
        key=lambda r: r.distance_km,
    )
    if radius_km is not None:
        ranked = [r for r in ranked if r.distance_km <= radius_km]
    open_ones = [r for r in ranked if r.item.is_open]
    bound = open_ones[0].distance_km if open_ones else math.inf
    closed_nearer = [r for r in ranked if not r.item.is_open and r.distance_km < bound]
    return NearestAnswer(results=open_ones[:limit], nearer_not_open=closed_nearer)
