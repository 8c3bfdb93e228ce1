"""The domain (`sitedir/domain/`: ranking, spatial index, vocabulary, staleness, clock, study
matching...; and `sitedir/places/`) needs no web stack.

It is checked in a separate interpreter where those packages cannot be imported at all, so
that the other tests, which need them, are unaffected.
"""

import subprocess
import sys
import textwrap
import tomllib
from pathlib import Path

# One list of the domain: the import-linter contract `domain` in pyproject.toml, which
# `./dev lint` checks statically (every import chain); here the same modules are imported
# for real, with the frameworks it forbids blocked.
PYPROJECT = tomllib.loads((Path(__file__).resolve().parent.parent / "pyproject.toml").read_text())
CONTRACT = next(c for c in PYPROJECT["tool"]["importlinter"]["contracts"] if c["id"] == "domain")
DOMAIN = tuple(CONTRACT["source_modules"])
BLOCKED = tuple(m for m in CONTRACT["forbidden_modules"] if not m.startswith("sitedir."))


def test_the_contract_names_the_domain():
    assert {"sitedir.places", "sitedir.domain"} <= set(DOMAIN)
    assert {"flask", "sqlalchemy", "werkzeug", "flask_smorest", "marshmallow"} <= set(BLOCKED)


def test_the_domain_imports_and_works_with_flask_blocked():
    code = textwrap.dedent(
        f"""
        import sys
        from types import SimpleNamespace

        for name in {BLOCKED!r}:
            sys.modules[name] = None  # "import flask" now raises ImportError
        import importlib
        import pkgutil

        for name in {DOMAIN!r}:
            module = importlib.import_module(name)
            # A package: each of its modules too (places.search, places.online...).
            for found in pkgutil.walk_packages(getattr(module, "__path__", []), name + "."):
                importlib.import_module(found.name)

        from sitedir.domain.ranking import rank_nearest
        from sitedir.domain.vocabulary import is_open

        site = SimpleNamespace(latitude=45.78, longitude=3.09, is_open=is_open("recruiting"))
        answer = rank_nearest(46.13, 3.43, [site])
        assert answer.results[0].item is site, answer

        from sitedir.places.origin import resolve_origin

        origin = resolve_origin({{"q": "Vichy"}})
        assert origin.place.insee == "03310" and origin.source == "q", origin
        """
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def test_blocking_works():
    """The check above would pass vacuously if blocking a module did not stop its import."""
    code = "import sys; sys.modules['flask'] = None; import sitedir.app"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode != 0 and "flask" in result.stderr
