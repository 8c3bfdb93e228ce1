"""What `create_app` leaves for later (issue 26 §1): the OpenAPI document, written on its
first read (web/lazy_spec.py), and the URL builders, compiled on their first use
(web/routing.py). Both must give what flask-smorest and Werkzeug give when done at once."""

import json
import os
import subprocess
import sys
import threading
from pathlib import Path

from flask import url_for
from werkzeug.routing import Map, Rule

from sitedir.web.lazy_spec import api_of
from sitedir.web.routing import LazyBuilderRule
from tests.seeded_db import SqliteTemplate, app_without_seeding, close_app

ROOT = Path(__file__).resolve().parents[1]


def test_the_document_is_written_on_its_first_read_only(app):
    api = api_of(app)
    assert not api.spec_written
    app.test_client().get("/api/v1/sites")  # an ordinary request does not write it
    assert not api.spec_written
    document = app.test_client().get("/api/v1/openapi.json").get_json()
    assert api.spec_written
    # Every part recorded before the first read is in it: a blueprint's paths and tag,
    # a feature's components (admin's security scheme, directory's named schema).
    assert "/api/v1/nearest" in document["paths"]
    assert "bearerAuth" in document["components"]["securitySchemes"]
    assert "NearestAcrossStudies" in document["components"]["schemas"]
    assert any(tag["name"] == "nearest" for tag in document["tags"])


def test_a_part_added_after_the_first_read_goes_in_at_once(app):
    api = api_of(app)
    assert api.spec is not None and api.spec_written
    api.document(lambda spec: spec.components.security_scheme("late", {"type": "http"}))
    assert "late" in api.spec.to_dict()["components"]["securitySchemes"]


def test_first_reads_at_once_write_one_document(app):
    api = api_of(app)
    specs, start = [], threading.Barrier(4)

    def read():
        start.wait()
        specs.append(api.spec)

    threads = [threading.Thread(target=read) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(specs) == 4 and all(spec is specs[0] for spec in specs)
    # Written once, whole: as another app's, read by one thread (a second replay would
    # also have raised on a duplicate component).
    other = app_without_seeding("sqlite://")
    try:
        assert specs[0].to_dict() == api_of(other).spec.to_dict()
    finally:
        close_app(other)


def test_the_openapi_command_reads_the_lazy_document(runner):
    result = runner.invoke(args=["openapi", "print"])
    assert result.exit_code == 0, result.output
    assert "/api/v1/nearest" in json.loads(result.output)["paths"]


def test_every_route_is_a_lazy_rule_and_builds_as_werkzeug_builds(app):
    plain = Map(converters=app.url_map.converters)
    ours = [rule for rule in app.url_map.iter_rules() if rule.endpoint != "static"]
    assert len(ours) > 50 and all(isinstance(rule, LazyBuilderRule) for rule in ours)
    for rule in ours:
        plain.add(Rule(rule.rule, **rule.get_empty_kwargs()))
    with app.test_request_context():
        adapter = plain.bind("localhost")
        for rule in ours:
            values = {
                name: 7 if type(rule._converters[name]).__name__ == "IntegerConverter" else "a b"
                for name in rule.arguments
            }
            for extra in ({}, {"page": "2", "q": "é"}):  # without and with unknown arguments
                expected = adapter.build(rule.endpoint, {**values, **extra})
                assert url_for(rule.endpoint, **values, **extra) == expected, rule.rule


def test_a_lazy_builder_is_compiled_once_then_replaced(app):
    rule = next(r for r in app.url_map.iter_rules() if r.endpoint == "sites.SiteItem")
    before = rule._build_unknown
    with app.test_request_context():
        first = url_for("sites.SiteItem", site_id="3")
        assert rule._build_unknown is not before  # Werkzeug's own builder, in its place
        assert url_for("sites.SiteItem", site_id="3") == first == "/api/v1/sites/3"


def test_the_server_entry_writes_the_document_before_the_workers_fork(tmp_path):
    """wsgi.py's warm-up writes it once, in the process gunicorn forks its workers from."""
    template = SqliteTemplate()  # on SQLite whatever the suite's database: a file to start on
    try:
        template.copy_to_file(tmp_path / "seeded.db")
    finally:
        template.close()
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'seeded.db'}"}
    probe = (
        "import wsgi; from sitedir.web.lazy_spec import api_of; "
        "print(api_of(wsgi.app).spec_written)"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1] == "True"


def test_a_second_app_renders_its_pages_without_compiling_them(monkeypatch):
    from jinja2 import Environment

    pages = ("/mentions-legales", "/accessibilite", "/donnees-personnelles")  # no database
    first = app_without_seeding("sqlite://")
    try:
        assert all(first.test_client().get(page).status_code == 200 for page in pages)
    finally:
        close_app(first)
    compiled = []
    real_parse = Environment._parse
    monkeypatch.setattr(
        Environment, "_parse", lambda env, *args: compiled.append(args) or real_parse(env, *args)
    )
    second = app_without_seeding("sqlite://")
    try:
        answers = [second.test_client().get(page) for page in pages]
    finally:
        close_app(second)
    assert [a.status_code for a in answers] == [200, 200, 200]
    assert all("<html" in a.get_data(as_text=True) for a in answers)
    assert compiled == []


def test_an_edited_template_is_compiled_again():
    from jinja2 import DictLoader, Environment

    from sitedir.web.template_cache import ProcessBytecodeCache

    cache, sources = ProcessBytecodeCache(), {"page.html": "avant {{ x }}"}
    first = Environment(loader=DictLoader(sources), bytecode_cache=cache)
    assert first.get_template("page.html").render(x=1) == "avant 1"
    sources["page.html"] = "après {{ x }}"
    second = Environment(loader=DictLoader(sources), bytecode_cache=cache)
    assert second.get_template("page.html").render(x=2) == "après 2"
