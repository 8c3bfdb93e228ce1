"""The domain (places, ranking, spatial index, vocabulary, staleness, clock, study matching)
needs no web stack.

It is checked in a separate interpreter where those packages cannot be imported at all, so
that the other tests, which need them, are unaffected.
"""

import subprocess
import sys
import textwrap

DOMAIN = (
    "sitedir.places",
    "sitedir.places.normalize",
    "sitedir.places.french",
    "sitedir.places.gazetteer",
    "sitedir.places.search",
    "sitedir.places.online",
    "sitedir.places.origin",
    "sitedir.lru",
    "sitedir.ranking",
    "sitedir.spatial_index",
    "sitedir.staleness",
    "sitedir.vocabulary",
    "sitedir.clock",
    "sitedir.study_match",
)
BLOCKED = ("flask", "sqlalchemy", "werkzeug", "flask_smorest", "marshmallow")


def test_the_domain_imports_and_works_with_flask_blocked():
    code = textwrap.dedent(
        f"""
        import sys
        from types import SimpleNamespace

        for name in {BLOCKED!r}:
            sys.modules[name] = None  # "import flask" now raises ImportError
        for name in {DOMAIN!r}:
            __import__(name)

        from sitedir.ranking import rank_nearest
        from sitedir.vocabulary import is_open

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
