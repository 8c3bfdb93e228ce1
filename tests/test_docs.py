"""The docs cannot drift: every room of sitedir/ and every setting the code reads is named.

In the spirit of Datasette's test_docs.py: a new package, top-level module or environment
variable fails here until the README or docs/ARCHITECTURE.md says what it is.
"""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "sitedir"
DOCS = (ROOT / "README.md").read_text(encoding="utf-8") + (
    ROOT / "docs" / "ARCHITECTURE.md"
).read_text(encoding="utf-8")
# Where the code reads the environment: sitedir/, and the two entry points beside it.
SOURCES = [*PACKAGE.rglob("*.py"), ROOT / "wsgi.py", ROOT / "gunicorn.conf.py"]
# os.environ.get("X"), os.environ["X"], os.getenv("X"), and config.py's _bool("X"), _int("X").
READS = re.compile(
    r"""(?:os\.environ\.get|os\.getenv|os\.environ\.setdefault|\b_bool|\b_int|\b_float|\b_str)"""
    r"""\(\s*["']([A-Z][A-Z0-9_]*)["']|os\.environ\[\s*["']([A-Z][A-Z0-9_]*)["']\s*\]"""
)


def rooms() -> list[str]:
    """sitedir's packages (as `sitedir/name/`) and top-level modules (`sitedir/name.py`)."""
    packages = [f"sitedir/{p.name}/" for p in PACKAGE.iterdir() if (p / "__init__.py").exists()]
    modules = [f"sitedir/{p.name}" for p in PACKAGE.glob("*.py") if p.name != "__init__.py"]
    return sorted(packages + modules)


def environment_variables() -> list[str]:
    """Every environment variable the code reads, by name."""
    found = set()
    for path in SOURCES:
        for match in READS.finditer(path.read_text(encoding="utf-8")):
            found.add(match[1] or match[2])
    return sorted(found)


def test_the_scan_finds_what_it_should():
    assert "sitedir/web/" in rooms() and "sitedir/app.py" in rooms()
    assert {"DATABASE_URL", "SITEDIR_PROXY_HOPS", "SITEDIR_SEED_ON_START"} <= set(
        environment_variables()
    )


@pytest.mark.parametrize("room", rooms())
def test_every_package_and_module_is_documented(room):
    assert room in DOCS, f"{room} is named in neither README.md nor docs/ARCHITECTURE.md"


@pytest.mark.parametrize("name", environment_variables())
def test_every_environment_variable_is_documented(name):
    assert re.search(rf"\b{name}\b", DOCS), f"{name} is read by the code but not documented"
