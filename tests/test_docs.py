"""The docs cannot drift: every room of sitedir/ and every setting the code reads is named.

In the spirit of Datasette's test_docs.py: a new package or top-level module fails here
until the README or docs/ARCHITECTURE.md says what it is; the README's configuration tables
must be exactly what sitedir/config.py's table generates; and the code reads no environment
variable the table does not declare, nor gives a declared setting a default of its own.
"""

import re
from pathlib import Path

import pytest

from sitedir.config import BY_KEY, SETTINGS, markdown_table, with_tables

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "sitedir"
README = (ROOT / "README.md").read_text(encoding="utf-8")
DOCS = README + (ROOT / "docs" / "ARCHITECTURE.md").read_text(encoding="utf-8")
# Where the code reads the environment: sitedir/, and the two entry points beside it.
SOURCES = [*PACKAGE.rglob("*.py"), ROOT / "wsgi.py", ROOT / "gunicorn.conf.py"]
# os.environ.get("X"), os.environ["X"], os.getenv("X"): the code's own reads, outside the table.
READS = re.compile(
    r"""(?:os\.environ\.get|os\.getenv|os\.environ\.setdefault)"""
    r"""\(\s*["']([A-Z][A-Z0-9_]*)["']|os\.environ\[\s*["']([A-Z][A-Z0-9_]*)["']\s*\]"""
)
# A setting read with a fallback of its own: config.get("X", 0), config.setdefault("X", ...).
SECOND_DEFAULTS = re.compile(r"""config\.(?:get|setdefault)\(\s*["']([A-Z][A-Z0-9_]*)["']\s*,""")
# Fallbacks of the code's own that are left, each with why (none today).
KNOWN_SECOND_DEFAULTS: set[tuple[str, str]] = set()


def rooms() -> list[str]:
    """sitedir's packages (as `sitedir/name/`) and top-level modules (`sitedir/name.py`)."""
    packages = [f"sitedir/{p.name}/" for p in PACKAGE.iterdir() if (p / "__init__.py").exists()]
    modules = [f"sitedir/{p.name}" for p in PACKAGE.glob("*.py") if p.name != "__init__.py"]
    return sorted(packages + modules)


def environment_reads() -> list[str]:
    """Every environment variable the code reads itself (not through the settings table)."""
    found = set()
    for path in SOURCES:
        for match in READS.finditer(path.read_text(encoding="utf-8")):
            found.add(match[1] or match[2])
    return sorted(found)


def second_defaults() -> set[tuple[str, str]]:
    """(file, key) of each declared setting read with a fallback of the code's own."""
    found = set()
    for path in SOURCES:
        for match in SECOND_DEFAULTS.finditer(path.read_text(encoding="utf-8")):
            if match[1] in BY_KEY:
                found.add((path.relative_to(ROOT).as_posix(), match[1]))
    return found


def test_the_scan_finds_what_it_should():
    assert "sitedir/web/" in rooms() and "sitedir/app.py" in rooms()
    assert READS.search('os.environ.get("SITEDIR_X")')[1] == "SITEDIR_X"
    assert SECOND_DEFAULTS.search('app.config.get("FRESHNESS_MS", 0)')[1] == "FRESHNESS_MS"
    assert not SECOND_DEFAULTS.search('app.config.get("PUBLIC_URL")')
    assert {"SITEDIR_PROXY_HOPS", "SITEDIR_SEED_ON_START"} <= {s.env for s in SETTINGS}


@pytest.mark.parametrize("room", rooms())
def test_every_package_and_module_is_documented(room):
    assert room in DOCS, f"{room} is named in neither README.md nor docs/ARCHITECTURE.md"


def test_the_readme_tables_are_the_settings_table():
    assert with_tables(README) == README, (
        "README.md's configuration tables differ from sitedir/config.py's SETTINGS: "
        "run ./dev settings (tools/settings_table.py)"
    )
    for group in ("app", "server"):
        assert markdown_table(group) in README


def test_the_code_reads_only_declared_variables():
    undeclared = set(environment_reads()) - {s.env for s in SETTINGS}
    assert not undeclared, (
        f"{sorted(undeclared)} read from the environment outside sitedir/config.py's "
        "SETTINGS: declare each there (one Setting row), and read app.config "
        "(gunicorn.conf.py: parse_environment)"
    )


# Any read of the environment by name, literal or not: only the settings table does that.
ANY_READ = re.compile(r"os\.environ\.get\(|os\.getenv\(|os\.environ\[")


def test_only_the_settings_table_reads_variables_by_name():
    # A read through a constant (os.environ.get(NAME)) escapes READS above: none outside
    # config.py, whose Setting.parse is the one place a variable becomes a value.
    readers = sorted(
        path.relative_to(ROOT).as_posix()
        for path in PACKAGE.rglob("*.py")
        if path.name != "config.py" and ANY_READ.search(path.read_text(encoding="utf-8"))
    )
    assert not readers, f"{readers} read the environment themselves: declare a Setting instead"


def test_no_setting_has_a_second_default():
    found = second_defaults()
    assert found <= KNOWN_SECOND_DEFAULTS, (
        f"settings read with a fallback of their own (the table's default is the only one; "
        f"read app.config[key]): {sorted(found - KNOWN_SECOND_DEFAULTS)}"
    )
