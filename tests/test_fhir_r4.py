"""Every FHIR answer checked against R4 itself: HL7's R4 JSON Schema and the R4 invariants
(tests/fhir_r4.py), not the R4B models of fhir.resources 8; and the check catches a
planted defect."""

import copy

import pytest

from tests.fhir_r4 import r4_errors, r4_schema
from tests.test_fhir import data  # noqa: F401 - the fixture: a paused site, a FINESS...

URLS = [
    "/fhir/metadata",
    "/fhir/StructureDefinition/recruitment-status",
    "/fhir/CodeSystem/contact-role",
    "/fhir/Location?_count=100&_include=Location:organization"
    "&_revinclude=PractitionerRole:location&_revinclude=ResearchStudy:site",
    "/fhir/Organization?_count=100&_revinclude=Organization:partof",
    "/fhir/PractitionerRole?_count=100&_include=PractitionerRole:organization",
    "/fhir/ResearchStudy?_include=ResearchStudy:site",
    "/fhir/Location?near-place=Vichy&near-distance=300|km&colour=blue&organization.name=x",
    "/fhir/Location?_summary=true&_count=100",
    "/fhir/Location?_summary=data&_count=100",
    "/fhir/Location?_summary=text&_count=100",
    "/fhir/Location?_elements=name,status&_count=100",
    "/fhir/Location?_summary=count",
    "/fhir/Location?_total=none&_count=2&_offset=2",
    "/fhir/Location/bordeaux",
    "/fhir/ResearchStudy/cart-lupus?_summary=true",
    "/fhir/Location/nowhere",
    "/fhir/Location?near=1|2|3|parsecs",
    "/fhir/Location?_format=xml",
]


@pytest.fixture(scope="module")
def schema():
    return r4_schema()


@pytest.mark.parametrize("url", URLS)
def test_answers_are_valid_r4(data, client, schema, url):  # noqa: F811 - the fixture
    response = client.get(url)
    assert response.status_code < 500
    body = response.get_json()
    assert r4_errors(body) == [], url


def test_every_resource_read_is_valid_r4(data, client, schema):  # noqa: F811
    for kind in ("Location", "Organization", "PractitionerRole", "ResearchStudy"):
        bundle = client.get(f"/fhir/{kind}?_count=100").get_json()
        for entry in bundle["entry"]:
            resource = client.get(f"/fhir/{kind}/{entry['resource']['id']}").get_json()
            assert r4_errors(resource) == [], (kind, resource["id"])


def test_the_check_fails_on_planted_defects(data, client, schema):  # noqa: F811
    """The oracle is tested too: each defect, planted in a served resource, is found."""
    served = client.get("/fhir/Location/bordeaux").get_json()
    assert r4_errors(served) == []

    def planted(change):
        resource = copy.deepcopy(served)
        change(resource)
        return r4_errors(resource)

    recruiting = planted(lambda r: r.update(status="recruiting"))  # a sitedir status
    assert any("recruiting" in e for e in recruiting), recruiting
    assert planted(lambda r: r.update(mode="instance ")), "a code with a trailing space"
    assert planted(lambda r: r["meta"].update(versionId="v 1")), "an id with a space"
    assert planted(lambda r: r["meta"].update(lastUpdated="2026-12-02 10:00")), "no instant"
    assert planted(lambda r: r.update(colour="blue")), "an element R4 does not have"
    assert any("ele-1" in e for e in planted(lambda r: r.update(description="")))
    both = {"url": "x", "valueString": "a", "extension": [{"url": "y", "valueCode": "b"}]}
    assert any("ext-1" in e for e in planted(lambda r: r["extension"].append(both)))
    assert any("dom-6" in e for e in planted(lambda r: r.pop("text")))
    script = '<div xmlns="http://www.w3.org/1999/xhtml"><script>x()</script></div>'
    assert any("txt-1" in e for e in planted(lambda r: r["text"].update(div=script)))
    assert any(
        "ref-1" in e for e in planted(lambda r: r.update(managingOrganization={"type": "x"}))
    )
    bundle = client.get("/fhir/Location?_count=2").get_json()
    bundle["entry"].append(copy.deepcopy(bundle["entry"][0]))
    assert any("bdl-7" in e for e in r4_errors(bundle))
    bundle["type"] = "collection"
    assert any("bdl-1" in e for e in r4_errors(bundle))
