"""Bad input gets a clear 4xx in problem+json, never a 500."""

import pytest

from tests.helpers import assert_problem

HOSTILE = [
    # (url, expected status)
    ("/api/v1/nearest", 422),  # no origin at all
    ("/api/v1/nearest?q=", 422),  # empty
    ("/api/v1/nearest?q=" + "a" * 5000, 422),  # too long
    ("/api/v1/nearest?q=Vichy&postcode=63000", 422),  # two origins
    ("/api/v1/nearest?q=Vichy&lat=45&lon=3", 422),  # two origins
    ("/api/v1/nearest?lat=999&lon=3", 422),
    ("/api/v1/nearest?lat=45", 422),  # lat without lon
    ("/api/v1/nearest?lat=abc&lon=3", 422),  # wrong type
    ("/api/v1/nearest?lat=NaN&lon=3", 422),
    ("/api/v1/nearest?lat=inf&lon=3", 422),
    ("/api/v1/nearest?q=Vichy&limit=0", 422),
    ("/api/v1/nearest?q=Vichy&limit=-3", 422),
    ("/api/v1/nearest?q=Vichy&limit=ten", 422),
    ("/api/v1/nearest?q=Vichy&radius_km=-1", 422),
    ("/api/v1/nearest?q=Vichy&study=does-not-exist", 404),
    ("/api/v1/nearest?q=Vichy&study=../../etc/passwd", 422),
    ("/api/v1/nearest?q=Vichy&region=84%27%20OR%201=1--", 422),
    ("/api/v1/nearest?postcode=6300", 422),
    ("/api/v1/nearest?postcode=99999", 404),
    ("/api/v1/nearest?insee=00000", 404),
    ("/api/v1/nearest?insee=%27;DROP%20TABLE%20site;--", 422),
    ("/api/v1/nearest?q=%27%20OR%201=1--", 404),
    ("/api/v1/nearest?q=%3Cscript%3Ealert(1)%3C/script%3E", 404),
    ("/api/v1/nearest?q=%20%20%20", 422),
    ("/api/v1/nearest?q=---", 422),
    ("/api/v1/places", 422),  # q missing
    ("/api/v1/places?q=Vichy&limit=1000", 422),
    ("/api/v1/places?q=Vichy&limit=x", 422),
    ("/api/v1/sites?status=open", 422),
    ("/api/v1/sites?open=maybe", 422),
    ("/api/v1/sites?region=%3Cimg%3E", 422),
    ("/api/v1/sites?department=999", 422),
    ("/api/v1/sites/%3Cscript%3E", 404),
    ("/api/v1/sites?study=nope", 404),
    ("/api/v1/nothing-here", 404),
    ("/nothing-here", 404),
]


@pytest.mark.parametrize(("url", "status"), HOSTILE)
def test_hostile_queries_get_a_clear_4xx(client, url, status):
    body = assert_problem(client.get(url), status)
    assert "<script>" not in body["detail"] or body["detail"].count("<script>") <= 1


def test_invalid_fields_are_named(client):
    body = assert_problem(client.get("/api/v1/nearest?lat=999&lon=3"), 422)
    assert [p["name"] for p in body["invalid_params"]] == ["lat"]
    assert body["invalid_params"][0]["in"] == "query"
    body = assert_problem(client.get("/api/v1/nearest?q=Vichy&postcode=63000"), 422)
    assert body["invalid_params"][0]["name"] == "origin"


def test_wrong_method_is_a_405_problem_with_allow(client):
    for url in ("/api/v1/sites/clermont-ferrand", "/api/v1/nearest?q=Vichy"):
        response = client.post(url)
        body = assert_problem(response, 405)
        assert "GET" in response.headers["Allow"]
        assert body["detail"]
    # OPTIONS is Flask's own answer: nothing of nearest's, from its answer cache or not.
    response = client.options("/api/v1/nearest?q=Vichy")
    assert response.status_code == 200 and "GET" in response.headers["Allow"]
    assert response.get_data() == b""


def test_english_on_request(client):
    body = assert_problem(
        client.get("/api/v1/nearest", headers={"Accept-Language": "en-GB,en;q=0.9"}), 422
    )
    assert body["detail"].startswith("Some parameters are invalid")
    body = assert_problem(client.get("/api/v1/nearest"), 422)
    assert body["detail"].startswith("Certains paramètres sont invalides")


@pytest.mark.parametrize(
    ("url", "status", "phrase"),
    [
        ("/api/v1/nearest", 422, "Unprocessable Content"),
        ("/api/v1/sites/nowhere", 404, "Not Found"),
        ("/api/v1/nearest?q=" + "%20".join(["ab"] * 16), 400, "Bad Request"),
    ],
)
def test_an_about_blank_title_is_the_status_phrase_and_the_sentence_is_the_detail(
    client, url, status, phrase
):
    """RFC 9457 §4.2.1: with type about:blank, title is the HTTP status phrase, whatever
    the language; what a person reads is in detail."""
    for language in ("fr", "en"):
        body = assert_problem(client.get(url, headers={"Accept-Language": language}), status)
        assert body["type"] == "about:blank"
        assert body["title"] == phrase
        assert body["detail"] and body["detail"] != phrase


def test_an_unexpected_error_is_a_500_problem_without_internals(app, client, monkeypatch):
    from sitedir.readmodel.snapshot import Snapshot

    def explode(*args, **kwargs):
        raise RuntimeError("secret internals")

    monkeypatch.setattr(Snapshot, "nearest", explode)
    app.config["PROPAGATE_EXCEPTIONS"] = False  # as in production: no debugger
    response = client.get("/api/v1/nearest?q=Vichy")
    body = assert_problem(response, 500)
    assert "secret" not in response.get_data(as_text=True)
    assert body["detail"]
