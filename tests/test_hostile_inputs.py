"""Hostile input on this round's new public surfaces: a 4xx (or an answer), never a 5xx."""

import pytest

LONE_SURROGATE = "%ED%A0%80"  # "\ud800" as UTF-8 bytes would spell it: no valid text

GETS = [
    "/etudes?condition=%00",
    "/etudes?town=%ff%fe",
    "/etudes?q=" + "a" * 5000,
    "/etudes/%00",
    "/etudes/" + "x" * 3000,
    "/etudes?insee=99999",
    "/etudes?open=maybe",
    "/api/v1/studies?condition=" + LONE_SURROGATE,
    "/api/v1/studies?cursor=AAAA",
    "/api/v1/studies?limit=0",
    "/api/v1/nearest?condition=lupus&q=Vichy&limit=999999",
    "/api/v1/nearest?condition=%00&q=Vichy",
    "/metrics",
    "/accessibilite?lang=xx",
    "/widget/frame?region=99&study=%00&font=inherit&host_font=%3Cscript%3E",
    "/widget/frame?theme=%3Cx%3E&accent=zz&limit=-1",
    "/contact/clermont-ferrand?view=frame&kind=zz",
    "/contact/nope",
    "/api/v1/sites/nope/contact-form",
    "/fhir/Location?_summary=zz",
    "/fhir/Location?_elements=" + ",".join(["x"] * 500),
    "/fhir/Location/_history/abc",
    "/?sheet=%00&ref=DC-2026-000001",
    "/?q=Saint-Denis&ref=%3Cx%3E",
]

BODIES = [
    b"not json",
    b"[]",
    b'{"name": 1}',
    b'{"name": "\\ud800"}',
    b"{" + b'"a":' * 10 + b"1",
    b'"x"',
    b'{"token": "' + b"A" * 100_000 + b'"}',
]


@pytest.mark.parametrize("path", GETS)
def test_hostile_reads_get_no_server_error(client, path):
    assert client.get(path).status_code < 500


@pytest.mark.parametrize("body", BODIES)
def test_hostile_contact_requests_are_refused_as_problems(client, body):
    response = client.post(
        "/api/v1/sites/clermont-ferrand/contact-requests",
        data=body,
        content_type="application/json",
    )
    assert 400 <= response.status_code < 500
    assert response.mimetype == "application/problem+json"


def test_a_hostile_contact_form_is_refused_not_crashed(client):
    body = "name=%00&email=" + "a" * 3000 + "&message=" + LONE_SURROGATE
    response = client.post(
        "/contact/clermont-ferrand",
        data=body,
        content_type="application/x-www-form-urlencoded",
    )
    assert 400 <= response.status_code < 500


def test_an_oversized_fhir_post_search_is_refused(client):
    response = client.post("/fhir/Location/_search", data={"name": "x" * 100_000})
    assert response.status_code == 413
