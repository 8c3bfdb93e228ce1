"""Build the widget's map of metropolitan France from a pinned open-data package.

    python tools/build_map.py        # writes sitedir/widget/data/france.json

Source: npm world-atlas 2.0.2 (ISC; Natural Earth 1:50m country outlines, public domain),
pinned in tools/map/package.json. France's outline is decoded from TopoJSON, cut to
metropolitan France and Corsica (overseas départements are listed by the widget instead),
projected with sitedir.widget.projection (the same function places the markers at run
time), simplified to whole SVG units and written as one path. The output is
byte-reproducible.
"""

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sitedir.widget.projection import HEIGHT, WIDTH, project  # noqa: E402

SOURCES_DIR = ROOT / "tools" / "map"
ATLAS = SOURCES_DIR / "node_modules" / "world-atlas"
OUTPUT = ROOT / "sitedir" / "widget" / "data" / "france.json"
FRANCE = "250"  # ISO 3166-1 numeric
METROPOLE = (-6.0, 41.0, 10.0, 51.5)  # lon/lat box of metropolitan France with Corsica


def ensure_sources() -> None:
    """Install the pinned npm package if it is not there yet."""
    if not (ATLAS / "countries-50m.json").exists():
        subprocess.run(
            ["npm", "ci", "--no-audit", "--no-fund", "--ignore-scripts"],
            cwd=SOURCES_DIR,
            check=True,
        )


def decode_arcs(topology: dict) -> list[list[tuple[float, float]]]:
    """Return TopoJSON's quantised, delta-encoded arcs as lon/lat points."""
    (sx, sy), (tx, ty) = topology["transform"]["scale"], topology["transform"]["translate"]
    arcs = []
    for arc in topology["arcs"]:
        x = y = 0
        points = []
        for dx, dy in arc:
            x, y = x + dx, y + dy
            points.append((x * sx + tx, y * sy + ty))
        arcs.append(points)
    return arcs


def ring_points(ring: list[int], arcs) -> list[tuple[float, float]]:
    """Join a ring's arcs (a negative index means the arc reversed) into one line."""
    points: list[tuple[float, float]] = []
    for index in ring:
        arc = arcs[index] if index >= 0 else list(reversed(arcs[~index]))
        points.extend(arc if not points else arc[1:])
    return points


def in_metropole(points) -> bool:
    west, south, east, north = METROPOLE
    return all(west <= lon <= east and south <= lat <= north for lon, lat in points)


def svg_path(rings) -> str:
    """Project rings to SVG units, drop points that round to the previous one."""
    parts = []
    for ring in rings:
        projected = []
        for lon, lat in ring:
            x, y = project(lat, lon)
            point = (round(x), round(y))
            if not projected or point != projected[-1]:
                projected.append(point)
        if len(projected) < 3:
            continue
        head, *rest = projected
        parts.append(f"M{head[0]} {head[1]}" + "".join(f"L{x} {y}" for x, y in rest) + "Z")
    return "".join(parts)


def build() -> dict:
    """Return the map as a JSON-ready dict: path, size and sources."""
    topology = json.loads((ATLAS / "countries-50m.json").read_text(encoding="utf-8"))
    arcs = decode_arcs(topology)
    france = next(
        g for g in topology["objects"]["countries"]["geometries"] if g.get("id") == FRANCE
    )
    rings = [
        ring_points(polygon[0], arcs)
        for polygon in france["arcs"]
        if in_metropole(ring_points(polygon[0], arcs))
    ]
    version = json.loads((ATLAS / "package.json").read_text(encoding="utf-8"))["version"]
    return {
        "source": {
            "name": "npm world-atlas",
            "version": version,
            "licence": "ISC (package); Natural Earth data, public domain",
        },
        "width": WIDTH,
        "height": HEIGHT,
        "path": svg_path(rings),
    }


def main(argv: list[str]) -> int:
    out = Path(argv[1]) if len(argv) > 1 else OUTPUT
    ensure_sources()
    out.parent.mkdir(parents=True, exist_ok=True)
    data = build()
    out.write_text(json.dumps(data, separators=(",", ":")) + "\n", encoding="utf-8")
    print(f"wrote {out} ({out.stat().st_size} bytes)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
