"""The public API with two studies: each study's sites are its own; today's URLs unchanged."""

import pytest

from sitedir.extensions import db
from sitedir.models import Site
from tests.ctgov_records import NCT, SOURCE, record, write
from tests.helpers import assert_problem

SLUG = NCT.lower()
TODAYS_URLS = (
    "/api/v1/nearest?q=Vichy",
    "/api/v1/nearest?q=Lyon&limit=5",
    "/api/v1/nearest?postcode=97400",
    "/api/v1/sites?study=cart-lupus",
    "/api/v1/studies/cart-lupus",
    "/api/v1/reference-centres",
)


def _import(runner, tmp_path, data=None):
    result = runner.invoke(args=["studies", "import-ctgov", write(tmp_path, data or record())])
    assert result.exit_code == 0, result.output


@pytest.fixture
def two_studies(app, client, runner, tmp_path):
    """The seeded study and the fictional record; returns today's answers, taken before."""
    before = {url: client.get(url).get_json() for url in TODAYS_URLS}
    _import(runner, tmp_path)
    return before


def test_todays_urls_answer_as_before(client, two_studies):
    for url, body in two_studies.items():
        assert client.get(url).get_json() == body, url


def test_nearest_answers_only_the_asked_studys_sites(client, two_studies):
    body = client.get(f"/api/v1/nearest?q=Vichy&study={SLUG}&limit=20").get_json()
    assert body["study"] == SLUG
    listed = body["results"] + body["nearer_not_open"]
    assert listed and all(s["study"] == SLUG for s in listed)
    first = body["results"][0]
    assert first["id"] == f"{SLUG}-clermont-ferrand"
    assert [c["name"] for c in first["contacts"]] == ["Exemple", None]
    # Open sites only in results: the record's two recruiting sites.
    assert {s["id"] for s in body["results"]} == {
        f"{SLUG}-clermont-ferrand",
        f"{SLUG}-lyon-2",
    }
    default = client.get("/api/v1/nearest?q=Vichy").get_json()
    assert default["study"] == "cart-lupus"
    assert all(s["study"] == "cart-lupus" for s in default["results"] + default["nearer_not_open"])


def test_nearest_overseas_finds_the_overseas_site(client, two_studies):
    body = client.get(f"/api/v1/nearest?postcode=97400&study={SLUG}&limit=20").get_json()
    nearer = [s["id"] for s in body["nearer_not_open"]]
    # Saint-Denis (La Réunion) is active, not recruiting: nearer than any open site.
    assert nearer[0] == f"{SLUG}-saint-denis"
    assert nearer[0] not in {s["id"] for s in body["results"]}


def test_sites_filter_by_study(client, two_studies):
    mine = client.get(f"/api/v1/sites?study={SLUG}").get_json()
    assert len(mine) == 10 and {s["study"] for s in mine} == {SLUG}
    seeded = client.get("/api/v1/sites?study=cart-lupus").get_json()
    assert len(seeded) == 9 and {s["study"] for s in seeded} == {"cart-lupus"}
    assert_problem(client.get("/api/v1/sites?study=nct00000000"), 404)
    assert_problem(client.get("/api/v1/nearest?q=Vichy&study=nct00000000"), 404)


def test_one_hospital_in_two_studies_is_two_sites(app, client, two_studies):
    mine = client.get(f"/api/v1/sites/{SLUG}-clermont-ferrand").get_json()
    seeded = client.get("/api/v1/sites/clermont-ferrand").get_json()
    assert mine["institution"]["name"] == seeded["institution"]["name"]
    assert mine["insee"] == seeded["insee"] == "63113"
    assert {c["id"] for c in mine["contacts"]}.isdisjoint({c["id"] for c in seeded["contacts"]})
    assert mine["provenance"] == {
        "source": SOURCE,
        "verified": False,
        "last_verified_at": None,
    }
    assert mine["reference_centre"] is None and seeded["reference_centre"] is not None


def test_the_study_reads_as_the_record_says(client, two_studies):
    study = client.get(f"/api/v1/studies/{SLUG}").get_json()
    assert study["title"]["fr"] == study["title"]["en"]
    assert study["registry_ids"]["nct"] == NCT
    assert study["pathway_steps"] == []
    assert study["provenance"]["verified"] is False
    assert {s["slug"] for s in client.get("/api/v1/studies").get_json()} == {"cart-lupus", SLUG}


def test_a_reimport_shows_at_once_and_moves_the_etag(app, client, runner, tmp_path, two_studies):
    url = f"/api/v1/sites/{SLUG}-clermont-ferrand"
    etag = client.get(url).headers["ETag"]
    nearest = f"/api/v1/nearest?q=Vichy&study={SLUG}"
    assert client.get(nearest).get_json()["results"][0]["id"] == f"{SLUG}-clermont-ferrand"
    data = record()
    data["protocolSection"]["statusModule"]["lastUpdatePostDateStruct"]["date"] = "2025-04-01"
    data["protocolSection"]["contactsLocationsModule"]["locations"][0]["status"] = "SUSPENDED"
    _import(runner, tmp_path, data)
    assert client.get(url).headers["ETag"] != etag
    answer = client.get(nearest).get_json()
    assert answer["results"][0]["id"] != f"{SLUG}-clermont-ferrand"
    assert answer["nearer_not_open"][0]["id"] == f"{SLUG}-clermont-ferrand"
    assert answer["nearer_not_open"][0]["status"] == "suspended"
    with app.app_context():
        assert db.session.scalar(db.select(Site.status).where(Site.slug == "clermont-ferrand")) == (
            "recruiting"  # the other study's site at the same hospital
        )
