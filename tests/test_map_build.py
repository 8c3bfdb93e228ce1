"""The widget's map is rebuilt byte for byte from its pinned source."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from sitedir.widget.projection import MAINLAND_HEIGHT, frame_of, inset_box, on_map, project

ROOT = Path(__file__).resolve().parent.parent
COMMITTED = ROOT / "sitedir" / "widget" / "data" / "france.json"


@pytest.mark.slow
def test_rebuild_is_byte_identical(tmp_path):
    if not (ROOT / "tools" / "map" / "node_modules").exists() and not shutil.which("npm"):
        if os.environ.get("CI"):
            pytest.fail("npm is needed in CI to rebuild the map")
        pytest.skip("npm is not installed: cannot fetch the pinned map source")
    out = tmp_path / "france.json"
    subprocess.run([sys.executable, str(ROOT / "tools" / "build_map.py"), str(out)], check=True)
    assert out.read_bytes() == COMMITTED.read_bytes()


def test_projection_places_france_on_the_map():
    for lat, lon in [(48.85, 2.35), (43.3, 5.37), (41.92, 8.74), (50.63, 3.06), (48.39, -4.49)]:
        assert frame_of(lat, lon).key == "metropole"
    west_x, _ = project(47.0, -4.0)
    east_x, _ = project(47.0, 7.0)
    assert west_x < east_x
    _, north_y = project(50.0, 2.0)
    _, south_y = project(43.0, 2.0)
    assert north_y < south_y


def test_overseas_departements_have_their_own_inset_below_the_mainland():
    towns = {  # prefecture of each overseas département
        "971": (15.998, -61.726),  # Basse-Terre
        "972": (14.607, -61.073),  # Fort-de-France
        "973": (4.937, -52.326),  # Cayenne
        "974": (-20.882, 55.450),  # Saint-Denis
        "976": (-12.780, 45.228),  # Mamoudzou
    }
    for department, (lat, lon) in towns.items():
        frame = frame_of(lat, lon)
        assert frame.key == department
        x, y = project(lat, lon)
        box_x, box_y, width, height = inset_box(frame)
        assert box_x <= x <= box_x + width and box_y <= y <= box_y + height
        assert y > MAINLAND_HEIGHT
    assert not on_map(46.78, -56.17)  # Saint-Pierre-et-Miquelon: listed, not drawn


def test_the_map_has_every_region_once_with_its_outline():
    data = json.loads(COMMITTED.read_text(encoding="utf-8"))
    codes = [r["code"] for r in data["regions"]] + [i["code"] for i in data["insets"]]
    assert sorted(codes) == sorted("11 24 27 28 32 44 52 53 75 76 84 93 94 01 02 03 04 06".split())
    assert all(r["path"].startswith("M") for r in data["regions"] + data["insets"])
    assert data["source"]["version"] and "public domain" in data["source"]["licence"]
    assert COMMITTED.stat().st_size < 25_000  # the first search's 150 KB budget
