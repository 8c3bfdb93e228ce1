"""GET /api/v1/nearest?condition=: for each study of a disease with an open site, its
nearest open site, nearest first; from the snapshot, with its ETag and freshness."""

import copy

from sitedir.extensions import db
from sitedir.models import Site
from sitedir.schemas import NearestAcrossStudiesSchema
from tests.helpers import assert_problem
from tests.study_fixtures import LUPUS, MS, import_record, lupus_record
from tests.test_schema_fast_path import assert_fits


def across(client, query: str) -> dict:
    response = client.get(f"/api/v1/nearest?{query}")
    assert response.status_code == 200, response.get_data(as_text=True)
    body = response.get_json()
    assert_fits(NearestAcrossStudiesSchema(), body)
    return body


def ranked(body) -> list[tuple[str, str, float]]:
    return [
        (e["study"]["slug"], e["site"]["id"], e["site"]["distance_km"]) for e in body["studies"]
    ]


def test_each_study_of_the_condition_gives_its_nearest_open_site(client, three_studies):
    body = across(client, "condition=lupus&q=Vichy")
    assert body["condition"] == "lupus" and body["origin"]["insee"] == "03310"
    # The seeded study's Clermont-Ferrand (48 km), then the record's Lyon: its own
    # Clermont-Ferrand site is closed. The sclerosis study is of another condition.
    assert ranked(body) == [
        ("cart-lupus", "clermont-ferrand", 48.0),
        (LUPUS, f"{LUPUS}-lyon-2", 120.0),
    ]
    first = body["studies"][0]
    assert first["site"]["is_open"] and first["site"]["study"] == "cart-lupus"
    assert "Ludovic Trefond" in {c["name"] for c in first["site"]["contacts"]}
    assert first["study"]["title"]["fr"].startswith("Essai clinique international")
    assert body["studies"][1]["study"]["sponsor"] == "Exemple Biotech (fictional)"
    assert body["studies"][1]["study"]["registry_url"].endswith("/NCT09999901")
    assert body["without_open_site"] == []


def test_the_order_follows_the_patient(client, three_studies):
    body = across(client, "condition=LUPUS&q=Lyon")
    assert [slug for slug, *_ in ranked(body)] == [LUPUS, "cart-lupus"]
    distances = [km for *_, km in ranked(body)]
    assert distances == sorted(distances) and distances[0] < 5


def test_a_study_without_an_open_site_is_said_so(client, three_studies):
    body = across(client, "condition=scl%C3%A9rose&q=Vichy")
    assert body["studies"] == []
    assert [s["slug"] for s in body["without_open_site"]] == [MS]
    # A MeSH code, and a radius that leaves the record's Lyon site out.
    body = across(client, "condition=D008180&q=Vichy&radius_km=100")
    assert body["studies"] == [] and [s["slug"] for s in body["without_open_site"]] == [LUPUS]
    assert across(client, "condition=diabete&q=Vichy")["studies"] == []


def test_bad_parameters_are_problems(client, three_studies):
    body = assert_problem(
        client.get("/api/v1/nearest?condition=lupus&q=Vichy&study=cart-lupus"), 422
    )
    assert [p["name"] for p in body["invalid_params"]] == ["condition"]
    body = assert_problem(client.get("/api/v1/nearest?condition=lupus"), 422)
    assert [p["name"] for p in body["invalid_params"]] == ["origin"]
    for value in ("", "%0A", "lupus%0A", "x" * 201):
        body = assert_problem(client.get(f"/api/v1/nearest?condition={value}&q=Vichy"), 422)
        assert [p["name"] for p in body["invalid_params"]] == ["condition"], value
    assert_problem(client.get("/api/v1/nearest?condition=lupus&q=Xyzzyville"), 404)


def test_the_answer_has_an_etag_and_follows_a_change(app, client, three_studies):
    url = "/api/v1/nearest?condition=lupus&q=Vichy"
    first = client.get(url)
    etag = first.headers["ETag"]
    assert client.get(url, headers={"If-None-Match": etag}).status_code == 304
    with app.app_context():
        site = db.session.scalar(db.select(Site).where(Site.slug == "clermont-ferrand"))
        site.status = "suspended"
        db.session.commit()
    after = client.get(url)
    assert after.headers["ETag"] != etag
    # The seeded study's next open site to Vichy is now farther than the record's Lyon.
    assert [slug for slug, *_ in ranked(after.get_json())] == [LUPUS, "cart-lupus"]


def test_a_reimported_condition_shows_at_once(client, runner, tmp_path, three_studies):
    assert [s for s, *_ in ranked(across(client, "condition=nephritis&q=Vichy"))] == []
    data = lupus_record()
    data["protocolSection"]["statusModule"]["lastUpdatePostDateStruct"]["date"] = "2025-04-01"
    # Newer than the details the fixture wrote (2025-03): an older record changes nothing.
    data["protocolSection"]["statusModule"]["statusVerifiedDate"] = "2025-04"
    data["protocolSection"]["conditionsModule"]["conditions"] = copy.deepcopy(
        ["Systemic Lupus Erythematosus", "Lupus Nephritis"]
    )
    import_record(runner, tmp_path, data, "lupus-2.json")
    assert [s for s, *_ in ranked(across(client, "condition=nephritis&q=Vichy"))] == [LUPUS]


def test_todays_nearest_answers_are_unchanged(client):
    body = client.get("/api/v1/nearest?q=Vichy").get_json()
    assert body["study"] == "cart-lupus" and "condition" not in body
    assert body["results"][0]["id"] == "clermont-ferrand"


def test_the_document_says_the_answer_is_one_or_the_other(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    operation = spec["paths"]["/api/v1/nearest"]["get"]
    schema = operation["responses"]["200"]["content"]["application/json"]["schema"]
    assert schema == {
        "oneOf": [
            {"$ref": "#/components/schemas/Nearest"},
            {"$ref": "#/components/schemas/NearestAcrossStudies"},
        ]
    }
    assert "NearestAcrossStudies" in spec["components"]["schemas"]
    assert "condition" in {p["name"] for p in operation["parameters"]}
