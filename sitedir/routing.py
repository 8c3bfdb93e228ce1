"""Nearest-open-site ranking: pure functions over coordinates, no Flask, no database."""

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Generic, Protocol, TypeVar

from geopy.distance import geodesic


class Locatable(Protocol):
    latitude: float
    longitude: float
    is_open: bool


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
    return geodesic((lat1, lon1), (lat2, lon2)).km


def rank_nearest(
    latitude: float,
    longitude: float,
    candidates: Iterable[T],
    limit: int = 3,
    radius_km: float | None = None,
) -> NearestAnswer[T]:
    """Return the `limit` nearest open candidates within `radius_km`, and the
    not-open ones nearer than the first open one (all within the radius when none is open)."""
    ranked = sorted(
        (Ranked(c, distance_km(latitude, longitude, c.latitude, c.longitude)) for c in candidates),
        key=lambda r: r.distance_km,
    )
    if radius_km is not None:
        ranked = [r for r in ranked if r.distance_km <= radius_km]
    open_ones = [r for r in ranked if r.item.is_open]
    bound = open_ones[0].distance_km if open_ones else float("inf")
    closed_nearer = [r for r in ranked if not r.item.is_open and r.distance_km < bound]
    return NearestAnswer(results=open_ones[:limit], nearer_not_open=closed_nearer)
