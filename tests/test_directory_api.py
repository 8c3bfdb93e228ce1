"""Read API: studies, sites, reference centres."""

from sitedir.extensions import db
from sitedir.models import Site
from tests.helpers import assert_problem


def test_the_study_says_what_the_seed_says(client):
    studies = client.get("/api/v1/studies").get_json()
    assert [s["slug"] for s in studies] == ["cart-lupus"]
    study = client.get("/api/v1/studies/cart-lupus").get_json()
    assert study["orpha_code"] == 536
    assert study["phase"] == "1/2"
    assert [step["key"] for step in study["pathway_steps"]] == [
        "apheresis",
        "manufacturing",
        "lymphodepletion",
        "infusion",
        "follow_up",
    ]
    assert "investigateur" in study["disclaimer"]["fr"]
    assert study["registry_ids"] == {"nct": None, "euct": None}


def test_unknown_study_is_a_404_problem(client):
    assert_problem(client.get("/api/v1/studies/nope"), 404)


def test_nine_sites_in_eight_cities_each_with_provenance(client):
    sites = client.get("/api/v1/sites").get_json()
    assert len(sites) == 9
    assert len({s["city"] for s in sites}) == 8
    assert sorted(s["city"] for s in sites).count("Paris") == 2
    for site in sites:
        assert set(site["provenance"]) == {"source", "verified", "last_verified_at"}
        assert site["provenance"]["source"]
        for key in (
            "id",
            "name",
            "institution",
            "address",
            "insee",
            "department",
            "region",
            "latitude",
            "longitude",
            "status",
            "status_since",
            "status_reason",
            "expected_reopening",
            "reference_centre",
            "contacts",
        ):
            assert key in site, key


def test_clermont_is_described_as_the_seed_describes_it(client):
    site = client.get("/api/v1/sites/clermont-ferrand").get_json()
    assert site["institution"]["site_name"] == "Hôpital Gabriel-Montpied"
    assert site["insee"] == "63113" and site["region"] == "84"
    assert site["reference_centre"]["head"] == "Pr André"
    assert site["reference_centre"]["network"] == "FAI2R"
    names = {c["name"] for c in site["contacts"]}
    assert names == {"Ludovic Trefond", "Aurore Douge", "Jacques-Olivier Bay"}
    assert site["provenance"]["verified"] is True
    assert site["history"] == []


def test_other_sites_are_unverified_role_only(client):
    site = client.get("/api/v1/sites/nantes").get_json()
    assert site["provenance"]["verified"] is False
    assert [(c["role"], c["name"], c["email"], c["phone"]) for c in site["contacts"]] == [
        ("principal_investigator", None, None, None)
    ]


def test_filters(client):
    assert [s["id"] for s in client.get("/api/v1/sites?region=84").get_json()] == [
        "clermont-ferrand"
    ]
    assert len(client.get("/api/v1/sites?department=75").get_json()) == 2
    assert len(client.get("/api/v1/sites?open=true").get_json()) == 9
    assert client.get("/api/v1/sites?open=false").get_json() == []
    assert client.get("/api/v1/sites?status=suspended").get_json() == []
    assert len(client.get("/api/v1/sites?study=cart-lupus").get_json()) == 9


def test_filters_follow_a_status_change(app, client):
    client.get("/api/v1/sites")  # warm the snapshot
    with app.app_context():
        site = db.session.scalar(db.select(Site).where(Site.slug == "toulouse"))
        site.status = "suspended"
        db.session.commit()
    assert [s["id"] for s in client.get("/api/v1/sites?status=suspended").get_json()] == [
        "toulouse"
    ]
    assert len(client.get("/api/v1/sites?open=true").get_json()) == 8


def test_unknown_site_is_a_404_problem(client):
    assert_problem(client.get("/api/v1/sites/atlantis"), 404)


def test_reference_centres(client):
    centres = client.get("/api/v1/reference-centres").get_json()
    assert [c["id"] for c in centres] == ["crmr-fai2r-auvergne"]
    assert centres[0]["institution"]["name"] == "CHU de Clermont-Ferrand"
    assert centres[0]["kind"] == "reference"


def test_public_reads_allow_cross_origin(client):
    response = client.get("/api/v1/sites", headers={"Origin": "https://reseau.example"})
    assert response.headers["Access-Control-Allow-Origin"] == "*"
