"""Public reads are cacheable, revalidated, and change as soon as the data does."""

import pytest
from flask import Response

from sitedir.extensions import db
from sitedir.models import Site

PUBLIC = [
    "/api/v1/sites",
    "/api/v1/sites/clermont-ferrand",
    "/api/v1/nearest?q=Vichy",
    "/api/v1/studies/cart-lupus",
    "/api/v1/reference-centres",
    "/api/v1/places?q=vich",
]


@pytest.mark.parametrize("url", PUBLIC)
def test_public_gets_carry_etag_and_cache_control_and_answer_304(client, url):
    first = client.get(url)
    assert first.status_code == 200
    etag = first.headers["ETag"]
    assert first.headers["Cache-Control"] == "public, no-cache"
    again = client.get(url, headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.get_data() == b""


def test_the_etag_changes_as_soon_as_the_data_changes(app, client):
    etags = {url: client.get(url).headers["ETag"] for url in PUBLIC[:3]}
    with app.app_context():
        site = db.session.scalar(db.select(Site).where(Site.slug == "clermont-ferrand"))
        site.status = "suspended"
        db.session.commit()
    for url, old in etags.items():
        response = client.get(url, headers={"If-None-Match": old})
        assert response.status_code == 200, url
        assert response.headers["ETag"] != old


def test_errors_are_not_cached(client):
    response = client.get("/api/v1/sites/atlantis")
    assert "ETag" not in response.headers


def test_a_repeated_nearest_query_is_answered_from_the_cache_until_the_data_changes(
    app, client, monkeypatch
):
    from sitedir.directory import nearest

    url = "/api/v1/nearest?q=Vichy&limit=2"
    first = client.get(url)
    computed = []
    original = nearest._answer
    monkeypatch.setattr(nearest, "_answer", lambda *a: computed.append(a) or original(*a))
    again = client.get("/api/v1/nearest?limit=2&q=Vichy")  # same query, other order
    assert again.get_data() == first.get_data() and computed == []
    assert client.get("/api/v1/nearest?q=Vichy&limit=0").status_code == 422  # still validated
    with app.app_context():
        site = db.session.scalar(db.select(Site).where(Site.slug == "clermont-ferrand"))
        site.status = "suspended"
        db.session.commit()
    after = client.get(url)
    assert len(computed) == 1 and after.get_json()["results"][0]["id"] != "clermont-ferrand"


@pytest.mark.parametrize(
    ("path", "mimetype"),
    [
        ("/fhir/cache-test", "application/fhir+json"),
        ("/api/v1/cache-test.vcf", "text/vcard"),
        ("/api/v1/cache-test.atom", "application/atom+xml"),
    ],
)
def test_every_public_media_type_is_cacheable(app, path, mimetype):
    """FHIR, vCards and Atom get an ETag and a 304 from the one caching hook, like JSON."""
    app.add_url_rule(path, "cache_test", lambda: Response("{}", mimetype=mimetype))
    client = app.test_client()
    first = client.get(path)
    assert first.headers["Cache-Control"] == "public, no-cache" and first.headers["ETag"]
    again = client.get(path, headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304
