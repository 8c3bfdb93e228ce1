"""The widget map's projection: degrees to SVG units, shared by the map build and markers.

The map has one frame for metropolitan France with Corsica and, in a row beneath it, one
inset per overseas département. Each frame is an equirectangular projection with its own
standard parallel: simple, and within a few per cent of true shape at these sizes, which is
all a locator map needs. The browser repeats the same arithmetic from `frames_for_browser()`.
"""

import math
from dataclasses import dataclass


@dataclass(frozen=True)
class Frame:
    """A lon/lat box drawn into a rectangle of the SVG."""

    key: str  # "metropole", or the overseas département's code
    west: float
    south: float
    east: float
    north: float
    scale: float  # SVG units per degree of latitude
    k: float  # cos(standard parallel): shrinks degrees of longitude
    x: float  # where the box's west edge lands
    y: float  # where the box's north edge lands

    def contains(self, latitude: float, longitude: float) -> bool:
        """True when the point falls inside this frame's lon/lat box."""
        return self.west <= longitude <= self.east and self.south <= latitude <= self.north

    def project(self, latitude: float, longitude: float) -> tuple[float, float]:
        """Return the SVG (x, y) of a point of this frame."""
        return (
            self.x + (longitude - self.west) * self.scale * self.k,
            self.y + (self.north - latitude) * self.scale,
        )


METROPOLE = Frame("metropole", -5.3, 41.3, 9.7, 51.2, 40.0, math.cos(math.radians(46.5)), 0.0, 0.0)
WIDTH = round((METROPOLE.east - METROPOLE.west) * METROPOLE.scale * METROPOLE.k)  # 413
MAINLAND_HEIGHT = round((METROPOLE.north - METROPOLE.south) * METROPOLE.scale)  # 396

# The overseas row: five boxes under the mainland, each with a label line on top.
INSET_TOP = MAINLAND_HEIGHT + 10
INSET_WIDTH, INSET_HEIGHT, INSET_LABEL = 76.0, 72.0, 22.0  # the label, and room for a marker
INSET_STEP = (WIDTH - INSET_WIDTH) / 4
HEIGHT = round(INSET_TOP + INSET_HEIGHT + 1)
OVERSEAS_BOXES = {  # département: west, south, east, north (degrees, with a little sea)
    "971": (-61.85, 15.8, -60.95, 16.55),  # Guadeloupe, Marie-Galante, les Saintes
    "972": (-61.26, 14.37, -60.78, 14.9),  # Martinique
    "973": (-54.65, 2.05, -51.55, 5.82),  # Guyane
    "974": (55.2, -21.42, 55.86, -20.85),  # La Réunion
    "976": (44.97, -13.03, 45.32, -12.62),  # Mayotte
}


def _inset(index: int, department: str) -> Frame:
    west, south, east, north = OVERSEAS_BOXES[department]
    k = math.cos(math.radians((south + north) / 2))
    inner_w, inner_h = INSET_WIDTH - 8, INSET_HEIGHT - INSET_LABEL - 4
    scale = min(inner_w / ((east - west) * k), inner_h / (north - south))
    box_x = index * INSET_STEP
    # Centre the drawing in the box, under its label.
    x = box_x + 4 + (inner_w - (east - west) * k * scale) / 2
    y = INSET_TOP + INSET_LABEL + (inner_h - (north - south) * scale) / 2
    return Frame(department, west, south, east, north, scale, k, x, y)


INSETS = tuple(_inset(i, code) for i, code in enumerate(OVERSEAS_BOXES))
FRAMES = (METROPOLE, *INSETS)


def inset_box(frame: Frame) -> tuple[float, float, float, float]:
    """Return the SVG rectangle (x, y, width, height) of an overseas inset."""
    index = INSETS.index(frame)
    return (round(index * INSET_STEP, 1), INSET_TOP, INSET_WIDTH, INSET_HEIGHT)


def frame_of(latitude: float, longitude: float) -> Frame | None:
    """Return the frame that shows this point, or None when the map does not."""
    return next((f for f in FRAMES if f.contains(latitude, longitude)), None)


def project(latitude: float, longitude: float) -> tuple[float, float] | None:
    """Return the SVG (x, y) of a point, or None when no frame of the map shows it."""
    frame = frame_of(latitude, longitude)
    return frame.project(latitude, longitude) if frame else None


def on_map(latitude: float, longitude: float) -> bool:
    """True when the point falls inside the mainland frame or an overseas inset."""
    return frame_of(latitude, longitude) is not None


def frames_for_browser() -> list[dict]:
    """Return every frame as plain numbers, for the page's script to place the patient."""
    keys = ("west", "south", "east", "north", "scale", "k", "x", "y")
    return [{key: round(getattr(f, key), 6) for key in keys} for f in FRAMES]
