"""GET /api/v1/studies with several studies: found by condition (accents and case folded,
MeSH codes, keywords), by words and by open sites, paged; each with its registry details."""

from sitedir.schemas import StudySchema
from tests.helpers import assert_problem
from tests.study_fixtures import LUPUS, LUPUS_DETAILS, MS
from tests.test_schema_fast_path import assert_fits


def slugs(client, query: str) -> list[str]:
    response = client.get(f"/api/v1/studies?{query}")
    assert response.status_code == 200, response.get_data(as_text=True)
    return [study["slug"] for study in response.get_json()]


def test_condition_ignores_case_and_accents(client, three_studies):
    assert slugs(client, "condition=lupus") == ["cart-lupus", LUPUS]
    assert slugs(client, "condition=LUPUS") == ["cart-lupus", LUPUS]
    # The seeded study's French label; the record's English terms do not say it.
    assert slugs(client, "condition=Lupus%20%C3%89RYTH%C3%89MATEUX") == ["cart-lupus"]
    assert slugs(client, "condition=lupus%20erythemateux") == ["cart-lupus"]
    # Its English label and the record's condition term.
    assert slugs(client, "condition=systemic%20lupus") == ["cart-lupus", LUPUS]
    # A keyword, typed without its accent.
    assert slugs(client, "condition=sclerose%20en%20plaques") == [MS]
    assert slugs(client, "condition=multiple%20sclerosis") == [MS]
    assert slugs(client, "condition=diab%C3%A8te") == []


def test_condition_takes_a_mesh_code(client, three_studies):
    # Only the record gives a MeSH code: the seeded study has none, and none is made up.
    assert slugs(client, "condition=D008180") == [LUPUS]
    assert slugs(client, "condition=d009103") == [MS]
    assert slugs(client, "condition=D000001") == []


def test_open_lists_the_studies_with_a_recruiting_site(client, three_studies):
    assert slugs(client, "open=true") == ["cart-lupus", LUPUS]
    assert slugs(client, "open=false") == [MS]
    assert slugs(client, "condition=sclerose&open=true") == []
    counts = {s["slug"]: s["recruiting_sites"] for s in client.get("/api/v1/studies").get_json()}
    assert counts == {"cart-lupus": 9, LUPUS: 1, MS: 0}


def test_q_finds_titles_sponsors_and_registry_numbers(client, three_studies):
    assert slugs(client, "q=exemple%20biotech") == [LUPUS]  # the sponsor
    assert slugs(client, "q=NCT09999902") == [MS]
    assert slugs(client, "q=car-t") == ["cart-lupus", LUPUS]
    assert slugs(client, "q=car-t&condition=sclerose") == []


def test_pages_follow_the_link_header(client, three_studies):
    seen, url = [], "/api/v1/studies?limit=2"
    while url:
        response = client.get(url)
        seen += [s["slug"] for s in response.get_json()]
        link = response.headers.get("Link")
        url = link[link.index("/api/") : link.index(">")] if link else None
    assert seen == ["cart-lupus", LUPUS, MS]
    assert_problem(client.get("/api/v1/studies?cursor=!!"), 422)
    assert_problem(client.get("/api/v1/studies?cursor=_w"), 400)


def test_bad_parameters_are_problems_naming_them(client):
    for query, name in (
        ("open=maybe", "open"),
        ("condition=", "condition"),
        ("condition=%0A", "condition"),
        ("condition=lupus%0A", "condition"),
        ("condition=" + "a" * 201, "condition"),
        ("q=%00", "q"),
        ("limit=0", "limit"),
        ("limit=1001", "limit"),
    ):
        body = assert_problem(client.get(f"/api/v1/studies?{query}"), 422)
        assert [p["name"] for p in body["invalid_params"]] == [name], query


def test_each_study_says_what_its_record_says_and_no_more(client, three_studies):
    lupus = client.get(f"/api/v1/studies/{LUPUS}").get_json()
    assert lupus["details"] == LUPUS_DETAILS
    assert lupus["sponsor"] == "Exemple Biotech (fictional)"
    assert lupus["registry_url"] == "https://clinicaltrials.gov/study/NCT09999901"
    seeded = client.get("/api/v1/studies/cart-lupus").get_json()
    assert seeded["sponsor"] is None and seeded["registry_url"] is None
    assert seeded["details"]["conditions"] == [] and seeded["details"]["minimum_age"] is None
    assert all(v in (None, []) for v in seeded["details"].values())
    for body in (lupus, seeded, *client.get("/api/v1/studies").get_json()):
        assert_fits(StudySchema(), body)


def test_todays_study_urls_answer_as_before(client):
    listed = client.get("/api/v1/studies")
    assert listed.status_code == 200 and "Link" not in listed.headers
    (study,) = listed.get_json()
    item = client.get("/api/v1/studies/cart-lupus").get_json()
    assert study == item
    for field in ("slug", "title", "phase", "condition", "eligibility", "disclaimer"):
        assert field in item
    assert item["registry_ids"] == {"nct": None, "euct": None}
    assert_problem(client.get("/api/v1/studies/nope"), 404)


def test_an_unchanged_study_is_not_read_again_by_a_new_snapshot(app, three_studies):
    from sitedir.extensions import db
    from sitedir.models import Site, Study
    from sitedir.readmodel.snapshot import current_snapshot

    with app.app_context():
        before = current_snapshot()
        site = db.session.scalar(db.select(Site).where(Site.slug == "clermont-ferrand"))
        site.status = "suspended"
        db.session.commit()
        after = current_snapshot()
        assert after is not before
        assert all(a is b for a, b in zip(before.catalogue, after.catalogue, strict=True))
        study = db.session.scalar(db.select(Study).where(Study.slug == MS))
        study.condition_fr = "Sclérose en plaques"
        study.sites[0].status = "recruiting"  # the importer touches a changed study's sites
        db.session.commit()
        latest = {e.slug: e for e in current_snapshot().catalogue}
        assert latest[MS] is not {e.slug: e for e in after.catalogue}[MS]
        assert latest[MS].body["condition"]["fr"] == "Sclérose en plaques"
        assert latest["cart-lupus"] is after.catalogue[0]
