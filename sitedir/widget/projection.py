"""The widget map's projection: degrees to SVG units, shared by the map build and markers.

An equirectangular projection with a standard parallel at 46.5° N: simple, and within
a few per cent of true shape over metropolitan France, which is all a locator map needs.
"""

import math

WEST, NORTH = -5.3, 51.2  # the map's top-left corner, in degrees
SCALE = 40.0  # SVG units per degree of latitude
STANDARD_PARALLEL = math.cos(math.radians(46.5))
WIDTH = round((9.7 - WEST) * SCALE * STANDARD_PARALLEL)
HEIGHT = round((NORTH - 41.3) * SCALE)


def project(latitude: float, longitude: float) -> tuple[float, float]:
    """Return the SVG (x, y) of a point, in the map's units."""
    x = (longitude - WEST) * SCALE * STANDARD_PARALLEL
    y = (NORTH - latitude) * SCALE
    return x, y


def on_map(latitude: float, longitude: float) -> bool:
    """True when the point falls inside the map (metropolitan France and Corsica)."""
    x, y = project(latitude, longitude)
    return 0 <= x <= WIDTH and 0 <= y <= HEIGHT
