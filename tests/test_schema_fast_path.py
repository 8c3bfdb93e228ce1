"""The answers written without a schema dump fit their schemas, field for field.

The snapshot keeps each site as SiteSchema's dump in JSON bytes, /api/v1/sites joins those
bytes, and /api/v1/nearest splices them into NearestSchema's shape with the fields
NearestSiteSchema adds (nearest.RESULT_EXTRAS). A field added to one of these schemas and
not to the fast path, or the other way round, fails here: the OpenAPI document would
promise what the answers do not hold.
"""

import json

import marshmallow as ma
import pytest

from sitedir.directory.nearest import ANSWER_FIELDS, RESULT_EXTRAS, SITE_LISTS
from sitedir.extensions import db
from sitedir.models import Site
from sitedir.readmodel.snapshot import current_snapshot
from sitedir.schemas import NearestSchema, NearestSiteSchema, SiteSchema


def _inner(field: ma.fields.Field):
    """The schema a field nests (through lists), or None for a plain value."""
    if isinstance(field, ma.fields.List):
        return _inner(field.inner)
    if isinstance(field, ma.fields.Pluck):
        return None
    if isinstance(field, ma.fields.Nested):
        return field.schema
    return None


def assert_fits(schema: ma.Schema, value, where: str = "answer") -> None:
    """Assert `value` has exactly the schema's fields, and so on down every nested one."""
    if isinstance(value, list):
        for i, item in enumerate(value):
            assert_fits(schema, item, f"{where}[{i}]")
        return
    assert isinstance(value, dict), where
    names = {field.data_key or name: field for name, field in schema.fields.items()}
    assert set(value) == set(names), f"{where}: {sorted(set(value) ^ set(names))}"
    for name, field in names.items():
        inner = _inner(field)
        if inner is not None and value[name] is not None:
            assert_fits(inner, value[name], f"{where}.{name}")


QUERIES = [
    "q=Saint-Denis",  # alternatives in the origin
    "q=Clermont&limit=10",
    "postcode=13005",
    "lat=45.77&lon=3.08&radius_km=300",
    "insee=63113&region=84",
]


@pytest.mark.parametrize("query", QUERIES)
def test_nearest_answers_fit_the_nearest_schema(client, query):
    response = client.get(f"/api/v1/nearest?{query}")
    assert response.status_code == 200, response.get_data(as_text=True)
    assert_fits(NearestSchema(), response.get_json())


def test_answers_with_sites_nearer_and_not_open_fit_too(app, client):
    with app.app_context():
        site = db.session.scalar(db.select(Site).where(Site.slug == "clermont-ferrand"))
        site.status = "suspended"
        db.session.commit()
    body = client.get("/api/v1/nearest?q=Vichy").get_json()
    assert body["nearer_not_open"]
    assert_fits(NearestSchema(), body)


def test_site_pages_fit_the_site_schema(client):
    assert_fits(SiteSchema(), client.get("/api/v1/sites?limit=1000").get_json())


def test_a_field_added_to_a_schema_alone_fails_the_check(client):
    body = client.get("/api/v1/nearest?q=Vichy").get_json()

    class Drifted(NearestSiteSchema):
        bearing = ma.fields.Float()

    class DriftedAnswer(NearestSchema):
        results = ma.fields.List(ma.fields.Nested(Drifted))

    with pytest.raises(AssertionError, match="bearing"):
        assert_fits(DriftedAnswer(), body)


def test_the_fast_path_is_read_from_the_schemas():
    # What a nearest result adds to a site: computed by nearest.py, declared by the schema.
    added = set(NearestSiteSchema().fields) - set(SiteSchema().fields)
    assert added == set(RESULT_EXTRAS)
    assert ANSWER_FIELDS == tuple(NearestSchema().fields)
    assert all(
        _inner(NearestSchema().fields[name]).__class__ is NearestSiteSchema for name in SITE_LISTS
    )


def test_the_stored_bytes_are_the_site_schemas_dump(app):
    with app.app_context():
        snapshot = current_snapshot()
        sites = {s.slug: s for s in db.session.scalars(db.select(Site))}
        for row in snapshot.rows:
            expected = json.loads(json.dumps(SiteSchema().dump(sites[row.id])))
            assert json.loads(row.body) == expected
            assert row.stale == expected["stale"]
