"""FHIR R4 as real clients speak it: content negotiation, POST search, versions and
conditional reads, canonical URLs, _summary and _elements, and the refusals that say why."""

from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest

from sitedir.extensions import db
from sitedir.fhir.models import FhirVersion
from sitedir.models import Site
from tests.test_fhir import fhir, ids, matches, outcome, validate

SITES = 9
STRICT = {"Prefer": "handling=strict"}


def site(slug) -> Site:
    return db.session.scalar(db.select(Site).where(Site.slug == slug))


def notes(bundle) -> str:
    return " ".join(
        issue["diagnostics"]
        for e in bundle.get("entry", [])
        if e["search"]["mode"] == "outcome"
        for issue in e["resource"]["issue"]
    )


# ---- 1. content negotiation ---------------------------------------------------------------

ACCEPTED = [
    "application/fhir+json",
    "application/fhir+json; fhirVersion=4.0",  # the Firely .NET SDK's default
    "application/fhir+json;fhirVersion=4.0.1",
    "application/fhir+json; charset=utf-8",
    "application/fhir+json;q=1.0, application/json+fhir;q=0.9",  # HAPI's client
    "application/json",
    "application/json; charset=UTF-8",
    "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",  # a browser
    "application/fhir+xml;q=1, application/fhir+json;q=0.5",
    "*/*",
]


@pytest.mark.parametrize("accept", ACCEPTED)
def test_any_json_accept_is_served_whatever_its_parameters(client, accept):
    body = fhir(client, "/fhir/Location/nantes", headers={"Accept": accept})
    assert body["id"] == "nantes"


def test_a_named_fhir_version_is_echoed(client):
    response = client.get(
        "/fhir/metadata", headers={"Accept": "application/fhir+json; fhirVersion=4.0"}
    )
    assert response.status_code == 200
    assert response.mimetype_params.get("fhirversion") == "4.0"
    assert "fhirversion" not in client.get("/fhir/metadata").mimetype_params


@pytest.mark.parametrize(
    "accept",
    ["application/fhir+json; fhirVersion=3.0", "application/fhir+json; fhirVersion=5.0"],
)
def test_another_fhir_version_is_a_406_that_names_the_version_served(client, accept):
    body = outcome(client, "/fhir/Location/nantes", 406, {"Accept": accept})
    assert "fhirVersion=4.0" in body["issue"][0]["diagnostics"]


@pytest.mark.parametrize(
    ("url", "accept"),
    [
        ("/fhir/Location/nantes", "application/fhir+xml"),
        ("/fhir/Location/nantes", "application/xml"),
        ("/fhir/Location?_format=xml", None),
        ("/fhir/Location?_format=application/fhir%2Bxml", None),
        ("/fhir/metadata?_format=text/turtle", None),
        ("/fhir/metadata", "text/html"),
    ],
)
def test_xml_and_other_formats_are_406_outcomes(client, url, accept):
    body = outcome(client, url, 406, {"Accept": accept} if accept else None)
    assert body["issue"][0]["code"] == "not-supported"


def test_format_overrides_accept(client):
    fhir(client, "/fhir/metadata?_format=json", headers={"Accept": "application/fhir+xml"})
    fhir(client, "/fhir/metadata?_format=application/json")
    outcome(client, "/fhir/metadata?_format=application/fhir%2Bjson;fhirVersion=3.0", 406)


# ---- 2. POST search -----------------------------------------------------------------------


def test_post_search_is_the_same_search_with_the_same_paging_and_links(client):
    get = fhir(client, "/fhir/Location?status=active&_count=2&near=45.77|3.08")
    response = client.post(
        "/fhir/Location/_search",
        data={"status": "active", "_count": "2", "near": "45.77|3.08"},
        headers={"Accept": "application/fhir+json"},
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype == "application/fhir+json"
    posted = response.get_json()
    validate(posted)
    assert posted == get
    links = {link["relation"]: link["url"] for link in posted["link"]}
    assert "near=45.77" in links["next"] and "_offset=2" in links["next"]
    # Parameters in the URL and in the body both apply.
    both = client.post("/fhir/Location/_search?status=active", data={"name": "ap-hp"})
    assert sorted(ids(both.get_json())) == ["paris-1", "paris-2"]
    # GET [type]/_search too.
    assert fhir(client, "/fhir/Location/_search?_id=nantes")["total"] == 1


def test_post_search_refuses_other_bodies_and_writes_stay_refused(client):
    response = client.post("/fhir/Location/_search", json={"status": "active"})
    assert response.status_code == 415 and response.mimetype == "application/fhir+json"
    assert client.post("/fhir/Location", data={"status": "active"}).status_code == 405
    assert client.put("/fhir/Location/_search", data={}).status_code == 405
    bad = client.post("/fhir/Location/_search", data={"_count": "abc"})
    assert bad.status_code == 400 and bad.get_json()["resourceType"] == "OperationOutcome"


# ---- 3. versions and conditional reads ----------------------------------------------------


def test_a_version_changes_exactly_when_the_resource_does(app, client):
    first = fhir(client, "/fhir/Location/nantes")
    assert first["meta"]["versionId"] == "1"
    again = fhir(client, "/fhir/Location/nantes")
    assert again["meta"] == first["meta"]
    # A write elsewhere (another site) rebuilds the catalogue: nantes stays as it was.
    with app.app_context():
        site("nancy").status_reason = "Pause"
        db.session.commit()
    assert fhir(client, "/fhir/Location/nantes")["meta"] == first["meta"]
    assert fhir(client, "/fhir/Location/nancy")["meta"]["versionId"] == "2"
    before = datetime.now(UTC).replace(microsecond=0)
    with app.app_context():
        site("nantes").status = "suspended"
        db.session.commit()
    changed = fhir(client, "/fhir/Location/nantes")
    assert changed["meta"]["versionId"] == "2"
    assert changed["meta"]["lastUpdated"] >= before.strftime("%Y-%m-%dT%H:%M:%SZ")
    # The study's status did not change (other sites recruit), its site list neither...
    study = fhir(client, "/fhir/ResearchStudy/cart-lupus")
    assert study["meta"]["versionId"] == "1"
    # ... and a poll for what changed since finds nantes and nancy, nothing else.
    since = (before - timedelta(seconds=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    recent = fhir(client, f"/fhir/Location?_lastUpdated=gt{since}")
    assert "nantes" in ids(recent)


def test_stale_turns_true_once_then_stays_the_same_version(app, client, monkeypatch):
    """A confirmation ages past SITEDIR_STALE_DAYS: one new version on that day, and none
    on the days after (the JSON does not change)."""
    from sitedir.domain import clock

    with app.app_context():
        site("nantes").status_confirmed_at = datetime.now(UTC)
        db.session.commit()
    fresh = fhir(client, "/fhir/Location/nantes")
    stale = {e["url"]: e for e in fresh["extension"][0]["extension"]}["stale"]
    assert stale["valueBoolean"] is False
    days = app.config["STALE_DAYS"]
    versions = []
    for ahead in (days + 2, days + 3, days + 4):
        later = clock.today_in_paris() + timedelta(days=ahead)
        monkeypatch.setattr(clock, "today_in_paris", lambda later=later: later)
        body = fhir(client, "/fhir/Location/nantes")
        assert {e["url"]: e for e in body["extension"][0]["extension"]}["stale"]["valueBoolean"]
        versions.append(body["meta"]["versionId"])
    v = int(fresh["meta"]["versionId"])
    assert versions == [str(v + 1)] * 3


def test_the_version_does_not_depend_on_the_host(client):
    one = fhir(client, "/fhir/Location/nantes", headers={"Host": "localhost"})
    two = fhir(client, "/fhir/Location/nantes", headers={"Host": "127.0.0.1:8000"})
    assert one["meta"] == two["meta"]


def test_conditional_reads_and_vread(app, client):
    response = client.get("/fhir/Location/nantes")
    body = response.get_json()
    version = body["meta"]["versionId"]
    assert response.headers["ETag"] == f'W/"{version}"'
    modified = response.headers["Last-Modified"]
    moment = datetime.strptime(body["meta"]["lastUpdated"], "%Y-%m-%dT%H:%M:%SZ")
    assert modified == format_datetime(moment.replace(tzinfo=UTC), usegmt=True)
    assert (
        client.get("/fhir/Location/nantes", headers={"If-None-Match": f'W/"{version}"'}).status_code
        == 304
    )
    assert (
        client.get("/fhir/Location/nantes", headers={"If-None-Match": f'"{version}"'}).status_code
        == 304
    )
    assert (
        client.get("/fhir/Location/nantes", headers={"If-None-Match": 'W/"999"'}).status_code == 200
    )
    assert (
        client.get("/fhir/Location/nantes", headers={"If-Modified-Since": modified}).status_code
        == 304
    )
    early = "Mon, 01 Jan 2024 00:00:00 GMT"
    assert (
        client.get("/fhir/Location/nantes", headers={"If-Modified-Since": early}).status_code == 200
    )
    # vread: the current version, with the same headers; an older one is not kept.
    current = client.get(f"/fhir/Location/nantes/_history/{version}")
    assert current.status_code == 200 and current.get_json() == body
    assert current.headers["ETag"] == f'W/"{version}"'
    with app.app_context():
        site("nantes").status = "completed"
        db.session.commit()
    changed = client.get("/fhir/Location/nantes", headers={"If-None-Match": f'W/"{version}"'})
    assert changed.status_code == 200
    new = changed.get_json()["meta"]["versionId"]
    assert new == str(int(version) + 1)
    old = outcome(client, f"/fhir/Location/nantes/_history/{version}", 404)
    assert (
        "not kept"
        in outcome(
            client, f"/fhir/Location/nantes/_history/{version}", 404, {"Accept-Language": "en"}
        )["issue"][0]["diagnostics"]
    )
    assert old["issue"][0]["code"] == "not-found"
    outcome(client, "/fhir/Location/nantes/_history/abc", 404)


def test_two_builds_of_one_change_make_one_version(app, client):
    """Another process that saw the same change first: this one reads its row, and does
    not bump the version again (compare-and-set on the digest)."""
    fhir(client, "/fhir/Location/nantes")
    with app.app_context():
        site("nantes").status = "suspended"
        db.session.commit()
        from sitedir.fhir.catalogue import build

        build("http://localhost/fhir")  # "another process"
        row = db.session.get(FhirVersion, ("Location", "nantes"))
        assert row.version == 2
    assert fhir(client, "/fhir/Location/nantes")["meta"]["versionId"] == "2"


# ---- 4. canonical URLs --------------------------------------------------------------------


def test_canonical_urls_are_fixed_and_the_code_system_resolves(app, client):
    app.config["FHIR_CANONICAL_URL"] = "https://fhir.example.org/sitedir"
    canonical = "https://fhir.example.org/sitedir"
    for host in ("localhost", "127.0.0.1:8000"):
        location = fhir(client, "/fhir/Location/clermont-ferrand", headers={"Host": host})
        assert (
            location["extension"][0]["url"] == f"{canonical}/StructureDefinition/recruitment-status"
        )
        [role, *_] = matches(fhir(client, "/fhir/PractitionerRole", headers={"Host": host}))
        assert role["code"][0]["coding"][0]["system"] == f"{canonical}/CodeSystem/contact-role"
        # Links and fullUrls stay the server's own.
        bundle = fhir(client, "/fhir/Location?_count=1", headers={"Host": host})
        assert bundle["entry"][0]["fullUrl"].startswith(f"http://{host}/fhir/Location/")
    system = fhir(client, "/fhir/CodeSystem/contact-role")
    assert system["url"] == f"{canonical}/CodeSystem/contact-role"
    codes = {c["code"] for c in system["concept"]}
    assert {"principal_investigator", "referral_desk", "head"} <= codes
    assert role["code"][0]["coding"][0]["code"] in codes
    definition = fhir(client, "/fhir/StructureDefinition/recruitment-status")
    assert definition["url"] == f"{canonical}/StructureDefinition/recruitment-status"


def test_canonical_base_defaults_to_the_public_url(app, client):
    app.config["PUBLIC_URL"] = "https://annuaire.example.fr"
    location = fhir(client, "/fhir/Location/nantes", headers={"Host": "127.0.0.1:8000"})
    assert location["extension"][0]["url"].startswith("https://annuaire.example.fr/fhir/")


# ---- 5. _summary, _elements, _total, _sort, near ------------------------------------------

SUBSETTED = "SUBSETTED"


def _tags(resource) -> list[str]:
    return [tag["code"] for tag in resource["meta"].get("tag", [])]


def test_summary_true_keeps_the_summary_elements_and_says_subsetted(client):
    full = fhir(client, "/fhir/Location/bordeaux")
    summary = fhir(client, "/fhir/Location/bordeaux?_summary=true")
    assert SUBSETTED in _tags(summary)
    assert {"name", "status", "mode", "managingOrganization"} <= set(summary)
    assert not {"text", "position", "address", "telecom", "extension"} & set(summary)
    assert summary["meta"]["versionId"] == full["meta"]["versionId"]
    data = fhir(client, "/fhir/Location/bordeaux?_summary=data")
    assert "text" not in data and "address" in data and SUBSETTED in _tags(data)
    text = fhir(client, "/fhir/Location/bordeaux?_summary=text")
    assert set(text) == {"resourceType", "id", "meta", "text"}
    assert fhir(client, "/fhir/Location/bordeaux?_summary=false") == full
    study = fhir(client, "/fhir/ResearchStudy/cart-lupus?_elements=title")
    assert set(study) == {"resourceType", "id", "meta", "title", "_title", "status"}
    assert SUBSETTED in _tags(study)


def test_summary_in_searches(client):
    count = fhir(client, "/fhir/Location?_summary=count&_count=2")
    assert count["total"] == SITES and "entry" not in count
    assert [link["relation"] for link in count["link"]] == ["self"]
    bundle = fhir(client, "/fhir/Location?_elements=name,status&_count=100")
    for resource in matches(bundle):
        assert set(resource) == {"resourceType", "id", "meta", "name", "status"}
        assert SUBSETTED in _tags(resource)
    links = {
        link["relation"]: link["url"]
        for link in fhir(client, "/fhir/Location?_summary=true&_count=2")["link"]
    }
    assert "_summary=true" in links["next"]
    outcome(client, "/fhir/Location?_summary=maybe", 400)
    outcome(client, "/fhir/Location/nantes?_summary=count", 400)
    outcome(client, "/fhir/Location?_summary=true&_elements=name", 400)


def test_a_summarised_read_has_its_own_etag(client):
    full = client.get("/fhir/Location/nantes")
    summary = client.get("/fhir/Location/nantes?_summary=true")
    assert summary.headers["ETag"] != full.headers["ETag"]


def test_total_and_sort_are_accepted_strictly(client):
    for url in [
        "/fhir/Location?_total=accurate",
        "/fhir/Location?_total=estimate",
        "/fhir/Location?near=45.77|3.08&_sort=near",
        "/fhir/Location?near-place=Vichy&_sort=near",
        "/fhir/Location?_sort=_id",
    ]:
        assert fhir(client, url, headers=STRICT)["total"] == SITES, url
    assert "total" not in fhir(client, "/fhir/Location?_total=none", headers=STRICT)
    outcome(client, "/fhir/Location?_total=some", 400)
    outcome(client, "/fhir/Location?_sort=name", 400, STRICT)
    outcome(client, "/fhir/Location?_sort=near", 400, STRICT)  # near without an origin
    ignored = fhir(client, "/fhir/Location?_sort=-name")
    assert "_sort=-name" in notes(ignored)


def test_several_near_points_are_refused_naming_the_limit(client):
    body = outcome(
        client, "/fhir/Location?near=45|3|10|km,46|4|10|km", 400, {"Accept-Language": "en"}
    )
    assert "one point per search (limit: 1)" in body["issue"][0]["diagnostics"]


def test_stu3_near_distance_is_refused_with_the_r4_form(client):
    body = outcome(
        client, "/fhir/Location?near=45.77|3.08&near-distance=50|km", 400, {"Accept-Language": "en"}
    )
    assert "near=45.77|3.08|50|km" in body["issue"][0]["diagnostics"]
    assert "STU3" in body["issue"][0]["diagnostics"]


# ---- 6. CORS, chained parameters, identifiers, narratives ---------------------------------


def test_cors_preflight_lists_methods_and_headers(client):
    response = client.options(
        "/fhir/Location/_search",
        headers={
            "Origin": "https://app.example.org",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "prefer, if-none-match",
        },
    )
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    methods = {m.strip() for m in response.headers["Access-Control-Allow-Methods"].split(",")}
    assert {"GET", "POST"} <= methods
    allowed = response.headers["Access-Control-Allow-Headers"].lower()
    for header in ("prefer", "if-none-match", "accept", "content-type"):
        assert header in allowed
    # A POST search read from another origin keeps its CORS header.
    posted = client.post(
        "/fhir/Location/_search",
        data={"_id": "nantes"},
        headers={"Origin": "https://app.example.org"},
    )
    assert posted.headers["Access-Control-Allow-Origin"] == "*"
    assert "ETag" in client.get("/fhir/Location/nantes").headers["Access-Control-Expose-Headers"]


def test_chained_parameters_are_named_as_ignored_or_refused(client):
    bundle = fhir(client, "/fhir/Location?organization.name=CHU&_count=100")
    assert len(ids(bundle)) == SITES
    assert "organization.name" in notes(bundle)
    assert "organization:Organization.name" in notes(
        fhir(client, "/fhir/Location?organization:Organization.name=CHU")
    )
    assert "_has:PractitionerRole:location:role" in notes(
        fhir(client, "/fhir/Location?_has:PractitionerRole:location:role=head")
    )
    outcome(client, "/fhir/Location?organization.name=CHU", 400, STRICT)


def test_a_clinicaltrials_gov_identifier_uses_its_system(app, client):
    from sitedir.models import Study

    with app.app_context():
        study = db.session.scalar(db.select(Study))
        study.registry_ids = {"nct": "NCT00000000"}
        db.session.commit()
    body = fhir(client, "/fhir/ResearchStudy/cart-lupus")
    assert body["identifier"] == [{"system": "https://clinicaltrials.gov", "value": "NCT00000000"}]


@pytest.mark.parametrize("kind", ["Location", "Organization", "PractitionerRole", "ResearchStudy"])
def test_every_resource_has_a_generated_narrative(client, kind):
    for resource in matches(fhir(client, f"/fhir/{kind}?_count=100")):
        assert resource["text"]["status"] == "generated"
        div = resource["text"]["div"]
        assert div.startswith('<div xmlns="http://www.w3.org/1999/xhtml"><p>')
        assert div.endswith("</p></div>")
