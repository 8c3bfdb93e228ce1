"""Nearest open site: the referring doctor's question."""

import io
import json

import pytest
from flask.testing import EnvironBuilder
from geopy.distance import geodesic
from werkzeug.test import run_wsgi_app

from sitedir.extensions import db
from sitedir.models import Site
from sitedir.places.gazetteer import get_gazetteer
from tests.helpers import coverage_paused

# Expected distances were computed from the towns' usual centre coordinates (not
# from the gazetteer) to the seeded hospitals; the gazetteer must agree within 2 km.
CASES = [
    ("q=Vichy", "clermont-ferrand", 48.1),
    ("q=Aurillac", "clermont-ferrand", 106.1),
    ("q=Le Puy-en-Velay", "clermont-ferrand", 100.6),
    ("q=Montluçon", "clermont-ferrand", 75.1),
    ("postcode=69003", "clermont-ferrand", 136.8),
    ("q=Brest", "nantes", 255.7),
    ("q=Lille", "paris-2", 201.5),
    ("q=Metz", "nancy", 52.4),
    ("q=Perpignan", "toulouse", 158.9),
    ("q=Ajaccio", "marseille", 313.8),
]


@pytest.mark.parametrize(("query", "site", "km"), CASES)
def test_nearest_open_site(client, query, site, km):
    body = client.get(f"/api/v1/nearest?{query}").get_json()
    first = body["results"][0]
    assert first["id"] == site
    assert first["distance_km"] == pytest.approx(km, abs=2)
    assert first["is_open"] is True
    assert body["nearer_not_open"] == []


def test_the_answer_says_whom_to_call(client):
    body = client.get("/api/v1/nearest?q=Vichy").get_json()
    first = body["results"][0]
    assert first["contacts"][0]["name"] == "Ludovic Trefond"
    assert first["reference_centre"]["name"].startswith("Centre de référence")
    assert body["origin"]["insee"] == "03310"
    assert body["origin"]["label"] == "Vichy (03)"
    assert body["study"] == "cart-lupus"


def _suspend_clermont(app):
    with app.app_context():
        site = db.session.scalar(db.select(Site).where(Site.slug == "clermont-ferrand"))
        site.status = "suspended"
        site.status_reason = "Pause des inclusions"
        db.session.commit()


def test_a_suspended_site_nearer_than_the_first_open_one(app, client):
    client.get("/api/v1/nearest?q=Vichy")  # the answer before, cached by the process
    _suspend_clermont(app)
    body = client.get("/api/v1/nearest?q=Vichy").get_json()
    assert body["results"][0]["id"] in {"paris-1", "paris-2"}
    assert body["results"][0]["id"] != "clermont-ferrand"
    [closed] = body["nearer_not_open"]
    assert closed["id"] == "clermont-ferrand"
    assert closed["status"] == "suspended"
    assert closed["status_reason"] == "Pause des inclusions"
    assert closed["distance_km"] == pytest.approx(48.1, abs=2)
    assert "expected_reopening" in closed


def test_limit_and_radius(client):
    body = client.get("/api/v1/nearest?q=Vichy&limit=5").get_json()
    assert len(body["results"]) == 5
    distances = [r["distance_km"] for r in body["results"]]
    assert distances == sorted(distances)
    body = client.get("/api/v1/nearest?q=Vichy&radius_km=100").get_json()
    assert [r["id"] for r in body["results"]] == ["clermont-ferrand"]


def test_region_limits_the_sites(client):
    body = client.get("/api/v1/nearest?q=Brest&region=84").get_json()
    assert [r["id"] for r in body["results"]] == ["clermont-ferrand"]


def test_coordinates_as_origin(client):
    body = client.get("/api/v1/nearest?lat=45.77&lon=3.08").get_json()
    assert body["origin"]["precision"] == "coordinates"
    assert body["results"][0]["id"] == "clermont-ferrand"


def test_insee_and_postcode_origins(client):
    body = client.get("/api/v1/nearest?insee=63113").get_json()
    assert body["origin"]["name"] == "Clermont-Ferrand"
    assert body["results"][0]["distance_km"] < 5
    body = client.get("/api/v1/nearest?postcode=63000").get_json()
    assert body["origin"]["insee"] == "63113"


def test_an_ambiguous_name_gives_alternatives(client):
    body = client.get("/api/v1/nearest?q=Saint-Denis").get_json()
    assert body["origin"]["name"] == "Saint-Denis"
    others = {a["insee"] for a in body["origin"]["alternatives"]}
    assert others & {"93066", "97411"}
    assert body["origin"]["insee"] not in others


def test_a_place_that_matches_nothing_is_a_404_with_suggestions(client):
    response = client.get("/api/v1/nearest?q=Xqzwvb")
    assert response.status_code == 404
    assert response.mimetype == "application/problem+json"
    body = response.get_json()
    assert isinstance(body["suggestions"], list)
    assert "Xqzwvb" in body["detail"]


def test_distances_agree_with_geopy(client):
    body = client.get("/api/v1/nearest?q=Aurillac&limit=9").get_json()
    origin = (body["origin"]["latitude"], body["origin"]["longitude"])
    for result in body["results"]:
        expected = geodesic(origin, (result["latitude"], result["longitude"])).km
        assert result["distance_km"] == pytest.approx(expected, abs=0.05)


@pytest.mark.slow
# 34,000 requests answered from the gazetteer and the read model in memory: the suite's
# database only fills the read model, as every other nearest test checks on both passes.
@pytest.mark.sqlite_only
def test_every_insee_code_resolves(app, client):
    """Every commune and arrondissement of the gazetteer, through the API, in-process.

    The loop calls the app through Werkzeug's run_wsgi_app, with the environ the test
    client builds: the client's request and response objects around each call were a
    third of the 34,000 calls' CPU."""
    failures = []
    count = 0
    client.get("/api/v1/nearest?insee=63113&limit=1")  # its code counted once, traced
    base = EnvironBuilder(app, path="/api/v1/nearest", environ_base=client.environ_base)
    environ = base.get_environ()
    base.close()
    with coverage_paused():  # then 34,000 times over, untraced: half the time
        for place in get_gazetteer().places():
            count += 1
            query = {"QUERY_STRING": f"insee={place.insee}&limit=1", "wsgi.input": io.BytesIO()}
            answer, status, _ = run_wsgi_app(app, {**environ, **query}, buffered=True)
            if not status.startswith("200 ") or not json.loads(b"".join(answer))["results"]:
                failures.append((place.insee, status))
    assert count > 34_000
    assert failures == []


def test_five_digits_mean_the_postcode_first_and_keep_the_insee_reading(client):
    body = client.get("/api/v1/nearest?q=13005").get_json()
    assert body["origin"]["insee"] == "13205"  # Marseille 5e, whose postcode it is
    assert body["origin"]["match"] == "postcode"
    alternatives = {(a["insee"], a["match"]) for a in body["origin"]["alternatives"]}
    assert ("13005", "insee") in alternatives  # Aubagne
    assert body["results"][0]["id"] == "marseille"
    places = client.get("/api/v1/places?q=13005").get_json()
    assert [(p["insee"], p["match"]) for p in places] == [
        ("13205", "postcode"),
        ("13005", "insee"),
    ]


@pytest.mark.parametrize(
    ("typed", "insee"),
    [
        ("saint-denis la réunion", "97411"),
        ("le robert martinique", "97222"),
        ("saint-pierre réunion", "97416"),
        ("valence drome", "26362"),
        ("saint-pierre martinique", "97225"),
        ("cayenne guyane", "97302"),
        ("papeete polynésie", "98735"),
        ("rennes bretagne", "35238"),
    ],
)
def test_a_where_hint_after_the_town_is_understood(client, typed, insee):
    response = client.get("/api/v1/nearest", query_string={"q": typed})
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["origin"]["insee"] == insee


def test_a_town_missing_from_the_hinted_area_is_not_a_404(client):
    response = client.get("/api/v1/nearest", query_string={"q": "sainte-marie guadeloupe"})
    assert response.status_code == 200
    origin = response.get_json()["origin"]
    assert origin["name"] == "Sainte-Marie"
    assert {a["name"] for a in origin["alternatives"]} == {"Sainte-Marie"}


@pytest.mark.parametrize("path", ["/api/v1/nearest", "/api/v1/places"])
def test_a_query_longer_than_any_place_is_a_400(client, path):
    from tests.helpers import assert_problem

    typed = " ".join(["saint"] * 16)  # 95 characters, within the schema's 100: 16 words
    body = assert_problem(client.get(path, query_string={"q": typed}), 400)
    assert "trop longue" in body["detail"]
    assert "too long" in str(body)
    english = client.get(path, query_string={"q": typed}, headers={"Accept-Language": "en"})
    assert "too long" in english.get_json()["detail"]


def test_a_miss_suggests_look_alikes(client):
    body = client.get("/api/v1/nearest?q=Vichyyyy").get_json()
    assert body["status"] == 404
    assert "03310" in [s["insee"] for s in body["suggestions"]]


def test_an_ambiguous_name_is_answered_for_the_likeliest_and_says_so(client):
    origin = client.get("/api/v1/nearest?q=Saint-Denis").get_json()["origin"]
    assert origin["insee"] == "97411" and origin["ambiguous"] is True
    others = {a["insee"]: a for a in origin["alternatives"]}
    assert others["93066"]["department_name"] == "Seine-Saint-Denis"
    assert others["93066"]["region_name"] == "Île-de-France"
    settled = client.get("/api/v1/nearest?q=Saint-Denis 93").get_json()["origin"]
    assert (settled["insee"], settled["ambiguous"]) == ("93066", False)
    for query in ("insee=93066", "postcode=93200", "lat=48.93&lon=2.36", "q=Vichy"):
        assert client.get(f"/api/v1/nearest?{query}").get_json()["origin"]["ambiguous"] is False


def test_ambiguous_and_locality_are_in_the_openapi_document(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    fields = spec["components"]["schemas"]["Origin"]["properties"]
    assert fields["ambiguous"]["type"] == "boolean"
    assert "Saint-Denis" in fields["ambiguous"]["description"]
    assert "locality" in fields


def test_a_ski_resort_is_answered_from_its_commune_saying_so(client):
    body = client.get("/api/v1/nearest?q=Val Thorens").get_json()
    origin = body["origin"]
    assert origin["label"] == "Val Thorens (commune des Belleville, 73)"
    assert (origin["insee"], origin["locality"], origin["match"]) == (
        "73257",
        "Val Thorens",
        "locality",
    )
    # Answers are cached whatever the language: the API's labels are French data.
    english = client.get("/api/v1/nearest?q=Val Thorens&lang=en").get_json()["origin"]
    assert english["label"] == origin["label"]


def test_a_miss_suggests_nothing_unrelated(client):
    # A ski resort no registry package locates: names that only share letters with it
    # (4 edits or more, no name inside it) are not offered.
    body = client.get("/api/v1/nearest?q=Les Menuires").get_json()
    assert body["status"] == 404
    offered = {s["name"] for s in body["suggestions"]}
    assert not offered & {"Les Peintures", "La Ménitré", "Les Molières", "Les Mesnuls"}


def test_autocomplete_names_a_locality_with_its_commune(client):
    places = client.get("/api/v1/places?q=Val Thorens").get_json()
    assert places[0]["label"] == "Val Thorens (commune des Belleville, 73)"
    assert (places[0]["insee"], places[0]["locality"]) == ("73257", "Val Thorens")
