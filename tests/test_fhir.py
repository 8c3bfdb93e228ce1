"""The FHIR R4 API under /fhir: resources, searches, paging, near, and errors.

Every resource and Bundle is checked against the fhir.resources R4B models (and R4 itself
in test_fhir_r4.py); `near` must agree with /api/v1/nearest; private contacts never show.
"""

from datetime import UTC, date, datetime
from urllib.parse import urlsplit

import pytest
from fhir.resources.R4B import get_fhir_model_class

from sitedir.domain.vocabulary import FHIR_LOCATION_STATUS, STATUSES
from sitedir.extensions import db
from sitedir.fhir.resources import study_status
from sitedir.models import Contact, Site, StatusChange
from tests.helpers import private_contact

BASE = "http://localhost/fhir"
EXTENSION = f"{BASE}/StructureDefinition/recruitment-status"
DISTANCE = "http://hl7.org/fhir/StructureDefinition/location-distance"
SITES = 9


def fhir(client, url, status=200, headers=None):
    """GET a FHIR URL, check its status and media type, and validate it with R4B."""
    response = client.get(url, headers=headers or {})
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/fhir+json"
    body = response.get_json()
    validate(body)
    return body


def validate(resource: dict):
    """The resource (a Bundle's entries included) parses with the fhir.resources R4B models."""
    get_fhir_model_class(resource["resourceType"]).model_validate(resource)


def outcome(client, url, status, headers=None):
    """An OperationOutcome error with this status."""
    body = fhir(client, url, status, headers)
    assert body["resourceType"] == "OperationOutcome"
    assert body["issue"][0]["severity"] == "error"
    assert body["issue"][0]["diagnostics"]
    return body


def matches(bundle, kind=None):
    return [
        e["resource"]
        for e in bundle.get("entry", [])
        if e["search"]["mode"] == "match"
        and (kind is None or e["resource"]["resourceType"] == kind)
    ]


def ids(bundle):
    return [r["id"] for r in matches(bundle)]


def site(slug) -> Site:
    return db.session.scalar(db.select(Site).where(Site.slug == slug))


@pytest.fixture
def data(app):
    """The seeded directory, plus what the seeds lack: a private contact, a paused site with
    its reason and dates, a FINESS number and a switchboard. Made before the first FHIR
    request (institutions are read once per version of the sites)."""
    with app.app_context():
        clermont = site("clermont-ferrand")
        clermont.contacts.append(private_contact())
        clermont.institution.finess = "999999999"
        bordeaux = site("bordeaux")
        bordeaux.status = "suspended"
        bordeaux.status_reason = "Pause des inclusions"
        bordeaux.status_since = date(2026, 5, 1)
        bordeaux.expected_reopening = date(2027, 3, 1)
        bordeaux.status_confirmed_at = datetime(2026, 6, 1, 8, 0, tzinfo=UTC)
        bordeaux.history.append(
            StatusChange(
                from_status="recruiting",
                to_status="suspended",
                reason="Pause des inclusions",
                changed_at=datetime(2026, 5, 1, 9, 30, tzinfo=UTC),
            )
        )
        bordeaux.institution.switchboard = "+33 5 00 00 00 00"
        db.session.commit()
    return app


# ---- metadata ---------------------------------------------------------------------------


def test_capability_statement_lists_what_is_implemented(client):
    body = fhir(client, "/fhir/metadata")
    assert body["resourceType"] == "CapabilityStatement"
    assert body["fhirVersion"] == "4.0.1"
    assert "application/fhir+json" in body["format"]
    resources = {r["type"]: r for r in body["rest"][0]["resource"]}
    assert set(resources) == {
        "Location",
        "Organization",
        "PractitionerRole",
        "ResearchStudy",
        "StructureDefinition",
        "CodeSystem",
    }
    location = resources["Location"]
    params = {p["name"] for p in location["searchParam"]}
    assert {"_id", "name", "address-city", "address-postalcode", "status"} <= params
    assert {"organization", "near", "near-place", "_lastUpdated", "study"} <= params
    assert "Location:organization" in location["searchInclude"]
    assert "PractitionerRole:location" in location["searchRevInclude"]
    assert EXTENSION in location["documentation"]
    assert {i["code"] for i in location["interaction"]} == {"read", "vread", "search-type"}
    assert (location["versioning"], location["readHistory"]) == ("versioned", False)
    assert location["conditionalRead"] == "full-support"


def test_every_parameter_the_statement_lists_is_accepted_strictly(client):
    """Nothing listed is refused as unknown, and what is listed is all there is."""
    body = fhir(client, "/fhir/metadata")
    values = {"token": "x", "string": "x", "reference": "x", "date": "ge2000"}
    special = {"near": "45|3|10|km", "near-place": "Vichy", "near-distance": "10|km"}
    strict = {"Prefer": "handling=strict"}
    for resource in body["rest"][0]["resource"]:
        for param in resource.get("searchParam", []):
            name = param["name"]
            value = special.get(name) or values[param["type"]]
            if name == "near-distance":
                url = f"/fhir/{resource['type']}?near-place=Vichy&near-distance={value}"
            else:
                url = f"/fhir/{resource['type']}?{name}={value}"
            fhir(client, url, 200, strict)
        for value in resource.get("searchInclude", []):
            fhir(client, f"/fhir/{resource['type']}?_include={value}", 200, strict)
        for value in resource.get("searchRevInclude", []):
            fhir(client, f"/fhir/{resource['type']}?_revinclude={value}", 200, strict)
    outcome(client, "/fhir/Location?colour=blue", 400, strict)


def test_the_extension_definition_resolves_at_its_canonical_url(client):
    body = fhir(client, urlsplit(EXTENSION).path)
    assert body["url"] == EXTENSION
    assert body["type"] == "Extension"
    assert body["context"][0]["expression"] == "Location"


# ---- every resource parses --------------------------------------------------------------


@pytest.mark.parametrize("kind", ["Location", "Organization", "PractitionerRole", "ResearchStudy"])
def test_every_resource_and_bundle_parses_with_r4b(data, client, kind):
    bundle = fhir(client, f"/fhir/{kind}?_count=100")
    assert bundle["type"] == "searchset"
    assert bundle["total"] == len(matches(bundle)) > 0
    for entry in bundle["entry"]:
        assert entry["fullUrl"] == f"{BASE}/{kind}/{entry['resource']['id']}"
        read = fhir(client, urlsplit(entry["fullUrl"]).path)
        assert read == entry["resource"]


def test_bundles_with_includes_distances_and_notes_parse(data, client):
    bundle = fhir(
        client,
        "/fhir/Location?near=45.77|3.08|500|km&_include=Location:organization"
        "&_revinclude=PractitionerRole:location&colour=blue",
    )
    modes = {e["search"]["mode"] for e in bundle["entry"]}
    assert modes == {"match", "include", "outcome"}


# ---- Location ---------------------------------------------------------------------------


def test_a_location_is_a_site(data, client):
    body = fhir(client, "/fhir/Location/clermont-ferrand")
    assert body["name"] == "CHU de Clermont-Ferrand – Hôpital Gabriel-Montpied"
    assert body["status"] == "active"
    assert body["position"] == {"latitude": 45.7597, "longitude": 3.1003}
    assert body["address"]["city"] == "Clermont-Ferrand"
    assert body["address"]["postalCode"] == "63000"
    assert body["address"]["country"] == "FR"
    org = body["managingOrganization"]["reference"]
    assert org == "Organization/chu-clermont-gabriel-montpied"
    assert fhir(client, f"/fhir/{org}")["name"].startswith("CHU de Clermont-Ferrand")
    [extension] = body["extension"]
    assert extension["url"] == EXTENSION
    assert extension["extension"] == [
        {"url": "status", "valueCode": "RECRUITING"},
        {"url": "stale", "valueBoolean": True},  # never confirmed, as the JSON API says
    ]
    # Its first version, effective when the server first served it (the seeds' dates are
    # not when the resource changed).
    assert body["meta"]["versionId"] == "1"
    assert body["meta"]["lastUpdated"] >= "2026-01-01T00:00:00Z"


def test_a_paused_site_says_why_until_when_and_since_when(data, client):
    body = fhir(client, "/fhir/Location/bordeaux")
    assert body["status"] == "suspended"
    parts = {e["url"]: e for e in body["extension"][0]["extension"]}
    assert parts["status"]["valueCode"] == "SUSPENDED"
    assert parts["reason"]["valueString"] == "Pause des inclusions"
    assert parts["expectedReopening"]["valueDate"] == "2027-03-01"
    assert parts["statusSince"]["valueDate"] == "2026-05-01"
    assert parts["lastConfirmedAt"]["valueDateTime"] == "2026-06-01T08:00:00Z"
    assert fhir(client, "/fhir/Location/bordeaux")["telecom"][0] == {
        "system": "phone",
        "value": "+33 5 00 00 00 00",
        "use": "work",
    }


@pytest.mark.parametrize("status", STATUSES)
def test_location_status_follows_the_mapping(app, client, status):
    with app.app_context():
        site("nantes").status = status
        db.session.commit()
    body = fhir(client, "/fhir/Location/nantes")
    assert body["status"] == FHIR_LOCATION_STATUS[status]
    assert body["extension"][0]["extension"][0]["valueCode"] == status.upper()
    found = fhir(client, f"/fhir/Location?status={FHIR_LOCATION_STATUS[status]}")
    assert "nantes" in ids(found)


def test_a_change_shows_at_once(app, client):
    assert fhir(client, "/fhir/Location/nantes")["status"] == "active"
    with app.app_context():
        site("nantes").status = "completed"
        db.session.commit()
    assert fhir(client, "/fhir/Location/nantes")["status"] == "inactive"


# ---- Organization -----------------------------------------------------------------------


def test_hospitals_and_reference_centres(data, client):
    clermont = fhir(client, "/fhir/Organization/chu-clermont-gabriel-montpied")
    assert clermont["identifier"] == [
        {"system": "https://finess.esante.gouv.fr", "value": "999999999"}
    ]
    bordeaux = fhir(client, "/fhir/Organization/chu-bordeaux-pellegrin")
    assert "identifier" not in bordeaux  # none in the data: none invented
    centre = fhir(client, "/fhir/Organization/crmr-fai2r-auvergne")
    assert centre["partOf"]["reference"] == "Organization/chu-clermont-gabriel-montpied"
    parts = fhir(client, "/fhir/Organization?partof=chu-clermont-gabriel-montpied")
    assert ids(parts) == ["crmr-fai2r-auvergne"]
    finess = fhir(client, "/fhir/Organization?identifier=https://finess.esante.gouv.fr|999999999")
    assert ids(finess) == ["chu-clermont-gabriel-montpied"]
    assert ids(fhir(client, "/fhir/Organization?identifier=http://other|999999999")) == []


# ---- PractitionerRole -------------------------------------------------------------------


def test_public_contacts_are_roles_and_names_only_text(data, client):
    bundle = fhir(client, "/fhir/PractitionerRole?location=clermont-ferrand")
    roles = matches(bundle)
    names = sorted(r["practitioner"]["display"] for r in roles)
    assert names == ["Dr Aurore Douge", "Dr Ludovic Trefond", "Pr Jacques-Olivier Bay"]
    for role in roles:
        assert "reference" not in role["practitioner"]  # no made-up Practitioner
        assert role["organization"]["reference"] == "Organization/chu-clermont-gabriel-montpied"
        assert role["location"] == [
            {
                "reference": "Location/clermont-ferrand",
                "display": "CHU de Clermont-Ferrand – Hôpital Gabriel-Montpied",
            }
        ]
        assert "telecom" not in role  # the press release publishes no channel
    pi = next(r for r in roles if r["practitioner"]["display"] == "Dr Ludovic Trefond")
    assert pi["code"][0]["text"] == "Investigateur principal"
    # A role with no name (Bordeaux) has no practitioner at all.
    [bordeaux] = matches(fhir(client, "/fhir/PractitionerRole?location=Location/bordeaux"))
    assert "practitioner" not in bordeaux
    head = matches(fhir(client, "/fhir/PractitionerRole?organization=crmr-fai2r-auvergne"))
    assert [r["practitioner"]["display"] for r in head] == ["Pr André"]


def test_private_contacts_never_appear(data, client):
    with data.app_context():
        secret = db.session.scalar(db.select(Contact).where(Contact.public.is_(False)))
        secret_id = str(secret.id)
    urls = [
        "/fhir/PractitionerRole?_count=100",
        f"/fhir/PractitionerRole?_id={secret_id}",
        "/fhir/PractitionerRole?role=referral_desk",
        "/fhir/Location?_revinclude=PractitionerRole:location&_count=100",
        "/fhir/Location/clermont-ferrand",
        "/fhir/Organization?_revinclude=PractitionerRole:organization&_count=100",
        "/fhir/Location?near-place=Vichy&_revinclude=PractitionerRole:location",
        "/fhir/ResearchStudy?_include=ResearchStudy:site",
    ]
    for url in urls:
        text = client.get(url).get_data(as_text=True)
        assert "Secret Person" not in text and "prive@example.org" not in text, url
        assert "+33 4 00 00 00 01" not in text, url
    outcome(client, f"/fhir/PractitionerRole/{secret_id}", 404)


# ---- ResearchStudy ----------------------------------------------------------------------


def test_the_study(data, client):
    body = fhir(client, "/fhir/ResearchStudy/cart-lupus")
    assert body["title"].startswith("Essai clinique international de phase 1/2")
    assert body["phase"]["coding"][0]["code"] == "phase-1-phase-2"
    assert body["condition"][0]["coding"] == [{"system": "http://www.orpha.net", "code": "536"}]
    assert len(body["site"]) == SITES
    assert body["status"] == "active"
    assert "identifier" not in body  # no registry number in the seed
    assert ids(fhir(client, "/fhir/ResearchStudy?study=cart-lupus")) == ["cart-lupus"]
    assert ids(fhir(client, "/fhir/ResearchStudy?site=Location/nantes")) == ["cart-lupus"]
    assert ids(fhir(client, "/fhir/ResearchStudy?status=completed")) == []


def test_study_status_rule():
    assert study_status(["suspended", "recruiting"]) == "active"
    assert study_status(["suspended", "completed"]) == "temporarily-closed-to-accrual"
    assert study_status([]) == "temporarily-closed-to-accrual"
    assert study_status(["completed", "withdrawn"]) == "completed"
    assert study_status(["terminated", "withdrawn"]) == "administratively-completed"
    assert study_status(["withdrawn"]) == "withdrawn"


# ---- searches ---------------------------------------------------------------------------


SEARCHES = [
    ("name=chu de clermont", ["clermont-ferrand"]),
    ("name=CHU DE CLERMONT-FERRAND – HOPITAL", ["clermont-ferrand"]),
    ("name=ap-hp", ["paris-1", "paris-2"]),
    ("name=Hôpital", []),  # starts-with: the names start with the hospital group
    ("name:contains=hopital pellegrin", ["bordeaux"]),
    ("name:exact=AP-HP – Hôpital Saint-Louis", ["paris-2"]),
    ("name:exact=ap-hp – hôpital saint-louis", []),
    ("address-city=vandoeuvre", ["nancy"]),
    ("address-city=Clermont-Ferrand", ["clermont-ferrand"]),
    ("address-postalcode=750", ["paris-1", "paris-2"]),
    ("address-postalcode=75013,63000", ["clermont-ferrand", "paris-1"]),
    ("organization=aphp-saint-louis", ["paris-2"]),
    ("organization=Organization/aphp-saint-louis", ["paris-2"]),
    (f"organization={BASE}/Organization/aphp-saint-louis", ["paris-2"]),
    ("_id=nantes,nancy", ["nancy", "nantes"]),
    ("status=suspended", ["bordeaux"]),
    ("status=http://hl7.org/fhir/location-status|suspended", ["bordeaux"]),
    ("status=http://elsewhere|suspended", []),
    ("status=active&name=ap-hp&address-postalcode=75010", ["paris-2"]),
    ("study=no-such-study", []),
    ("_lastUpdated=ge2026-06-01", None),  # every resource was first served after that
    ("_lastUpdated=lt2026-06", []),
    ("_lastUpdated=2026-06-01T10:00+02:00", []),
    ("name=", None),  # an empty value is no parameter: everything
]


def test_location_searches(data, client):
    for query, expected in SEARCHES:
        found = ids(fhir(client, f"/fhir/Location?{query}&_count=100"))
        if expected is None:
            assert len(found) == SITES, query
        else:
            assert sorted(found) == expected, query


def test_include_and_revinclude(data, client):
    bundle = fhir(
        client,
        "/fhir/Location?_id=clermont-ferrand&_include=Location:organization"
        "&_revinclude=PractitionerRole:location",
    )
    assert bundle["total"] == 1
    included = [e for e in bundle["entry"] if e["search"]["mode"] == "include"]
    kinds = sorted(e["resource"]["resourceType"] for e in included)
    assert kinds == ["Organization"] + ["PractitionerRole"] * 3
    study = fhir(client, "/fhir/ResearchStudy?_include=ResearchStudy:site")
    assert len([e for e in study["entry"] if e["search"]["mode"] == "include"]) == SITES


def test_paging_with_next_links(data, client):
    url, seen, pages = "/fhir/Location?_count=2", [], 0
    while url:
        bundle = fhir(client, url)
        assert bundle["total"] == SITES
        seen += ids(bundle)
        links = {link["relation"]: link["url"] for link in bundle["link"]}
        assert links["self"].startswith(f"{BASE}/Location?")
        url = links.get("next")
        pages += 1
        if pages > 1:
            assert "previous" in links
    assert pages == 5
    assert seen == sorted(seen) and len(set(seen)) == SITES
    count_only = fhir(client, "/fhir/Location?_count=0")
    assert count_only["total"] == SITES and "entry" not in count_only
    assert ids(fhir(client, "/fhir/Location?_offset=1000")) == []


def test_unknown_parameters_are_ignored_and_said(data, client):
    bundle = fhir(client, "/fhir/Location?colour=blue&status=active")
    assert len(ids(bundle)) == SITES - 1
    [note] = [e for e in bundle["entry"] if e["search"]["mode"] == "outcome"]
    assert "colour" in note["resource"]["issue"][0]["diagnostics"]
    self_link = bundle["link"][0]["url"]
    assert "colour" not in self_link and "status=active" in self_link


# ---- near -------------------------------------------------------------------------------

TOWNS = ["Vichy", "Brest", "Lille", "Metz", "Ajaccio", "Perpignan", "Pointe-à-Pitre"]


@pytest.mark.parametrize("town", TOWNS)
def test_near_agrees_with_the_json_api(data, client, town):
    answer = client.get(f"/api/v1/nearest?q={town}&limit=20").get_json()
    origin = answer["origin"]
    point = f"{origin['latitude']}|{origin['longitude']}"
    bundle = fhir(client, f"/fhir/Location?near={point}|20000|km&status=active&_count=100")
    expected = [(s["id"], s["distance_km"]) for s in answer["results"]]
    got = [(e["resource"]["id"], _distance(e)) for e in bundle["entry"]]
    assert [i for i, _ in got] == [i for i, _ in expected]
    for (_, km), (_, api_km) in zip(got, expected, strict=True):
        assert abs(km - api_km) <= 0.05 + 1e-9  # the API shows 0.1 km
    # A suspended site nearer than the first open one: the same distance both ways.
    everything = fhir(client, f"/fhir/Location?near={point}&_count=100")
    distances = {e["resource"]["id"]: _distance(e) for e in everything["entry"]}
    for closed in answer["nearer_not_open"]:
        assert abs(distances[closed["id"]] - closed["distance_km"]) <= 0.05 + 1e-9
    # The same town as a doctor types it.
    by_place = fhir(client, f"/fhir/Location?near-place={town}&status=active&_count=100")
    assert [
        (e["resource"]["id"], _distance(e))
        for e in by_place["entry"]
        if e["search"]["mode"] == "match"
    ] == got


def _distance(entry) -> float:
    [extension] = entry["search"]["extension"]
    assert extension["url"] == DISTANCE
    value = extension["valueDistance"]
    assert (value["system"], value["code"], value["unit"]) == (
        "http://unitsofmeasure.org",
        "km",
        "km",
    )
    return value["value"]


def test_near_keeps_only_sites_within_the_distance_nearest_first(data, client):
    vichy = "46.1273|3.4258"
    within = fhir(client, f"/fhir/Location?near={vichy}|100|km")
    assert ids(within) == ["clermont-ferrand"]
    assert ids(fhir(client, f"/fhir/Location?near={vichy}|100000|m")) == ["clermont-ferrand"]
    assert ids(fhir(client, f"/fhir/Location?near={vichy}|62.2|mi")) == ["clermont-ferrand"]
    assert ids(fhir(client, f"/fhir/Location?near={vichy}|100")) == ["clermont-ferrand"]
    assert ids(fhir(client, f"/fhir/Location?near={vichy}|10|km")) == []
    everything = fhir(client, f"/fhir/Location?near={vichy}&_count=100")
    distances = [_distance(e) for e in everything["entry"]]
    assert len(distances) == SITES and distances == sorted(distances)
    # Paged: the next page goes on where the first one stopped.
    first = fhir(client, f"/fhir/Location?near={vichy}&_count=4")
    following = {link["relation"]: link["url"] for link in first["link"]}["next"]
    second = fhir(client, following.removeprefix("http://localhost"))
    assert ids(first) + ids(second) == ids(everything)[:8]


def test_near_place_resolves_as_the_json_api_and_says_so(data, client):
    bundle = fhir(client, "/fhir/Location?near-place=clermont fd&near-distance=50|km")
    assert ids(bundle) == ["clermont-ferrand"]
    [note] = [e for e in bundle["entry"] if e["search"]["mode"] == "outcome"]
    assert "Clermont-Ferrand (63)" in note["resource"]["issue"][0]["diagnostics"]
    unknown = outcome(client, "/fhir/Location?near-place=Xqzwvbn", 404)
    assert unknown["issue"][0]["code"] == "not-found"
    typo = outcome(client, "/fhir/Location?near-place=Clermont-Ferrrandxx", 404)
    assert any("Clermont" in i["diagnostics"] for i in typo["issue"][1:])


# ---- errors -----------------------------------------------------------------------------

HOSTILE = [
    "/fhir/Location?_count=-1",
    "/fhir/Location?_count=abc",
    "/fhir/Location?_count=²",
    "/fhir/Location?_count=٣",
    "/fhir/Location?_count=5%0A",
    "/fhir/Location?_count=1&_count=2",
    "/fhir/Location?_offset=-5",
    "/fhir/Location?near=1|2|3|parsecs",
    "/fhir/Location?near=NaN|2",
    "/fhir/Location?near=1|2|inf",
    "/fhir/Location?near=1|2|-3",
    "/fhir/Location?near=91|0",
    "/fhir/Location?near=45|181",
    "/fhir/Location?near=45",
    "/fhir/Location?near=45|3|1|km|extra",
    "/fhir/Location?near=٤٥|3",
    "/fhir/Location?near=45|3%0A",
    "/fhir/Location?near=1e3|3",
    "/fhir/Location?near=45|3&near=46|3",
    "/fhir/Location?near=45|3&near-place=Vichy",
    "/fhir/Location?near-distance=10",
    "/fhir/Location?near-place=Vichy&near-distance=10|furlongs",
    "/fhir/Location?near-place=Vichy%0A",
    "/fhir/Location?near-place=" + "a" * 201,
    "/fhir/Location?near-place=%2C%2C%2C",
    "/fhir/Location?_lastUpdated=2026-13-01",
    "/fhir/Location?_lastUpdated=ap2026",
    "/fhir/Location?_lastUpdated=2026-02-30",
    "/fhir/Location?_lastUpdated=yesterday",
    "/fhir/Location?_lastUpdated=2026-01-01%0A",
    "/fhir/Location?_lastUpdated=2026-01-01T10:00%2B99:99",
    "/fhir/Location?_lastUpdated=2026-01-01T10:00-24:00",
    "/fhir/Location?name:fuzzy=chu",
    "/fhir/Location?status:not=active",
]


def test_hostile_parameters_are_400_operation_outcomes(data, client):
    for url in HOSTILE:
        outcome(client, url, 400)


def test_other_errors_are_operation_outcomes_with_their_status(data, client):
    assert outcome(client, "/fhir/Location/nowhere", 404)["issue"][0]["code"] == "not-found"
    outcome(client, "/fhir/Location/%00", 404)
    outcome(client, "/fhir/Patient", 404)
    outcome(client, "/fhir/Patient/1", 404)
    outcome(client, "/fhir/Location/clermont-ferrand/_history/2", 404)
    outcome(client, "/fhir/Location/clermont-ferrand/_history", 404)
    outcome(client, "/fhir", 404)
    outcome(client, "/fhir/Location?_format=xml", 406)
    outcome(client, "/fhir/metadata", 406, {"Accept": "application/fhir+xml"})
    response = client.post("/fhir/Location", json={"resourceType": "Location"})
    assert response.status_code == 405 and response.mimetype == "application/fhir+json"
    assert response.headers["Allow"] == "GET, HEAD"
    assert client.delete("/fhir/Location/nantes").status_code == 405
    english = outcome(client, "/fhir/Location/nowhere", 404, {"Accept-Language": "en"})
    assert english["issue"][0]["diagnostics"].startswith("No Location")


def test_huge_count_is_the_largest_page(data, client):
    assert len(ids(fhir(client, "/fhir/Location?_count=" + "9" * 40))) == SITES
    assert len(ids(fhir(client, "/fhir/Location?_offset=" + "9" * 40))) == 0


def test_json_formats_accepted(client):
    for url in ["/fhir/metadata?_format=json", "/fhir/metadata?_format=application/fhir%2Bjson"]:
        fhir(client, url)
    fhir(client, "/fhir/metadata?_format=application/fhir+json")  # '+' read as a space
    fhir(client, "/fhir/metadata", headers={"Accept": "application/fhir+json"})
    fhir(client, "/fhir/metadata", headers={"Accept": "application/json"})


def test_reads_are_cacheable_and_cross_origin(data, client):
    response = client.get("/fhir/Location/clermont-ferrand")
    assert response.headers["Cache-Control"] == "public, no-cache"
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    etag = response.headers["ETag"]
    again = client.get("/fhir/Location/clermont-ferrand", headers={"If-None-Match": etag})
    assert again.status_code == 304
    bundle = client.get("/fhir/Location?near-place=Vichy")
    assert bundle.headers["ETag"] and bundle.headers["Cache-Control"] == "public, no-cache"


def test_public_url_names_the_canonical_urls_whatever_the_host(data, app, client):
    """With SITEDIR_PUBLIC_URL set, a Host header cannot change the server's own URLs."""
    app.config["PUBLIC_URL"] = "https://annuaire.example.fr"
    base = "https://annuaire.example.fr/fhir"
    for host in ("127.0.0.1:8000", "localhost"):  # both trusted; any other is a 400
        location = fhir(client, "/fhir/Location/clermont-ferrand", headers={"Host": host})
        assert location["extension"][0]["url"] == f"{base}/StructureDefinition/recruitment-status"
        bundle = fhir(client, "/fhir/Location?_count=1", headers={"Host": host})
        assert all(link["url"].startswith(f"{base}/") for link in bundle["link"])
        assert bundle["entry"][0]["fullUrl"].startswith(f"{base}/Location/")
        assert fhir(client, "/fhir/metadata", headers={"Host": host})["url"] == f"{base}/metadata"


@pytest.mark.slow
def test_no_parameter_value_makes_a_500(data, client):
    """A quick fuzz: whatever a parameter holds, the answer is 200 or a 4xx outcome."""
    hypothesis = pytest.importorskip("hypothesis")
    from hypothesis import strategies as st

    names = st.sampled_from(
        [
            "near",
            "near-place",
            "near-distance",
            "_count",
            "_offset",
            "_lastUpdated",
            "name",
            "name:exact",
            "status",
            "organization",
            "_id",
            "study",
            "_include",
            "_revinclude",
            "address-city",
            "address-postalcode",
        ]
    )

    @hypothesis.settings(max_examples=300, deadline=None, derandomize=True)
    @hypothesis.given(names, st.text(max_size=30))
    def check(name, value):
        response = client.get("/fhir/Location", query_string={name: value})
        assert response.status_code in (200, 400, 404), (name, value)
        validate(response.get_json())

    check()


def test_rate_limited_reads_are_throttled_outcomes():
    from sitedir.app import create_app

    app = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": "sqlite://",
            "SECRET_KEY": "test",
            "RATELIMIT_PUBLIC": "2 per minute",
            "ACCESS_LOG": False,
        }
    )
    client = app.test_client()
    fhir(client, "/fhir/Location/nantes")
    fhir(client, "/fhir/Location/nantes")
    body = outcome(client, "/fhir/Location/nantes", 429)
    assert body["issue"][0]["code"] == "throttled"
    assert client.get("/fhir/Location/nantes").headers["Retry-After"]
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def test_a_second_base_url_costs_no_rebuild(app, client):
    """The catalogue is keyed on the data alone (issue 21.11): a server reached under many
    names (ports, subdomains) builds it once, and each answer carries its own base."""
    from sitedir.fhir.catalogue import fhir_model

    hosts = [f"localhost:{port}" for port in range(5001, 5007)]
    client.get("/fhir/Location?_count=1", headers={"Host": hosts[0]})
    with app.app_context():
        model = fhir_model()
    built = dict(model.rebuilt)
    assert built["site"] > 0  # the first request made every entry
    for host in hosts:
        response = client.get("/fhir/PractitionerRole?_count=1", headers={"Host": host})
        assert response.status_code == 200
        body = response.get_json()
        assert body["entry"][0]["fullUrl"].startswith(f"http://{host}/fhir/")
        system = body["entry"][0]["resource"]["code"][0]["coding"][0]["system"]
        assert system == f"http://{host}/fhir/CodeSystem/contact-role"
        # A token search under this host's canonical base finds the roles.
        found = client.get(
            f"/fhir/PractitionerRole?role=http://{host}/fhir/CodeSystem/contact-role|head",
            headers={"Host": host},
        ).get_json()
        assert found["total"] > 0
        assert found["total"] == client.get("/fhir/PractitionerRole?role=head").get_json()["total"]
    assert dict(model.rebuilt) == built  # no entry made again for any of them
