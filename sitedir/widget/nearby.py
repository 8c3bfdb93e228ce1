"""The commune nearest to a point (the browser's geolocation), from the offline gazetteer.

A grid of quarter-degree cells, built once per gazetteer, holds the communes that have a
point of their own; a lookup reads the cells around the point, ring by ring, so it costs a
few hundred distance computations at most, however many communes there are.
"""

import math
import threading

from sitedir.places.gazetteer import Place, get_gazetteer

CELL = 0.25  # degrees: about 28 km of latitude
MAX_RINGS = 4  # about 100 km: farther than that from any commune is not "near" one
MAX_KM = 50.0

_lock = threading.Lock()
_grids: dict[int, dict[tuple[int, int], list[Place]]] = {}


def _cell(latitude: float, longitude: float) -> tuple[int, int]:
    return math.floor(latitude / CELL), math.floor(longitude / CELL)


def _grid() -> dict[tuple[int, int], list[Place]]:
    gazetteer = get_gazetteer()
    grid = _grids.get(id(gazetteer))
    if grid is None:
        with _lock:
            grid = _grids.get(id(gazetteer))
            if grid is None:
                grid = {}
                for place in gazetteer.places():
                    # A borrowed point (a postcode's or a département's) names another place.
                    if place.precision == "commune":
                        grid.setdefault(_cell(place.latitude, place.longitude), []).append(place)
                _grids.clear()
                _grids[id(gazetteer)] = grid
    return grid


def _km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Equirectangular distance: exact enough to pick the nearest of close neighbours."""
    x = math.radians(lon2 - lon1) * math.cos(math.radians((lat1 + lat2) / 2))
    y = math.radians(lat2 - lat1)
    return 6371.0 * math.hypot(x, y)


def nearest_place(latitude: float, longitude: float) -> Place | None:
    """The commune with its own point nearest to (latitude, longitude), or None when there
    is none within MAX_KM (a point at sea, abroad)."""
    grid = _grid()
    row, col = _cell(latitude, longitude)
    found: list[Place] = []
    for ring in range(MAX_RINGS + 1):
        for r in range(row - ring, row + ring + 1):
            for c in range(col - ring, col + ring + 1):
                if max(abs(r - row), abs(c - col)) == ring:
                    found.extend(grid.get((r, c), ()))
        if found and ring >= 1:
            break  # the ring around the first hit may still hold a nearer one
    if not found:
        return None
    best = min(found, key=lambda p: _km(latitude, longitude, p.latitude, p.longitude))
    if _km(latitude, longitude, best.latitude, best.longitude) > MAX_KM:
        return None
    return best
