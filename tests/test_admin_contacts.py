"""Contacts have versions: a write names the version it read (If-Match), so an admin with an
old copy can no longer silently revert a colleague's change, through the API or the page.
"""

import re

import pytest

from sitedir.models import Contact
from tests.helpers import assert_problem, contact_etag, csrf, etag, login

SITE = "clermont-ferrand"
URL = f"/api/v1/sites/{SITE}"


def _contact_id(client):
    return client.get(URL).get_json()["contacts"][0]["id"]


def _patch(client, headers, cid, body, if_match=None):
    headers = dict(headers)
    if if_match is not None:
        headers["If-Match"] = if_match
    return client.patch(f"{URL}/contacts/{cid}", json=body, headers=headers)


def test_an_admin_reads_a_contact_with_its_etag(client, tokens):
    cid = _contact_id(client)
    response = client.get(f"{URL}/contacts/{cid}", headers=tokens["own"])
    assert response.status_code == 200
    assert response.headers["ETag"] == f'"contact-{cid}-v1"'
    assert response.headers["Cache-Control"] == "no-store"
    body = response.get_json()
    assert body["id"] == cid and body["version"] == 1 and body["etag"] == f'"contact-{cid}-v1"'
    assert_problem(client.get(f"{URL}/contacts/{cid}", headers=tokens["other"]), 403)
    assert_problem(client.get(f"{URL}/contacts/{cid}"), 401)
    assert_problem(client.get(f"{URL}/contacts/999999", headers=tokens["own"]), 404)
    # Beyond PostgreSQL's integer ids (and 0): no such contact, not a database error.
    for beyond in (0, 2**31, 10**30):
        assert_problem(client.get(f"{URL}/contacts/{beyond}", headers=tokens["own"]), 404)


def test_the_contact_list_holds_admin_only_contacts_for_the_sites_admins(client, tokens):
    body = {"role": "referral_desk", "phone": "+33 4 73 00 00 00", "public": False}
    created = client.post(f"{URL}/contacts", json=body, headers=tokens["own"])
    assert created.status_code == 201
    assert created.headers["ETag"] == f'"contact-{created.get_json()["id"]}-v1"'
    listed = client.get(f"{URL}/contacts", headers=tokens["own"])
    assert listed.status_code == 200 and listed.headers["Cache-Control"] == "no-store"
    phones = {c["phone"]: c for c in listed.get_json()}
    assert phones["+33 4 73 00 00 00"]["public"] is False
    assert all(c["etag"] == f'"contact-{c["id"]}-v{c["version"]}"' for c in listed.get_json())
    assert_problem(client.get(f"{URL}/contacts", headers=tokens["other"]), 403)


def test_a_contact_change_needs_if_match(client, tokens):
    cid = _contact_id(client)
    before = client.get(URL).get_json()
    body = assert_problem(_patch(client, tokens["own"], cid, {"unit": "Sans version"}), 428)
    assert "If-Match" in body["detail"]
    assert_problem(client.delete(f"{URL}/contacts/{cid}", headers=tokens["own"]), 428)
    assert client.get(URL).get_json() == before


@pytest.mark.parametrize("star", ["*", " * "])
def test_if_match_star_is_refused_on_every_write(client, tokens, star):
    cid = _contact_id(client)
    before = client.get(URL).get_json()
    for response in (
        _patch(client, tokens["own"], cid, {"unit": "Écrasé"}, star),
        client.delete(f"{URL}/contacts/{cid}", headers={**tokens["own"], "If-Match": star}),
        client.patch(
            URL, json={"status_reason": "Écrasé"}, headers={**tokens["own"], "If-Match": star}
        ),
    ):
        body = assert_problem(response, 428)
        assert "ETag" in body["detail"]
    assert client.get(URL).get_json() == before


def test_a_stale_contact_write_is_412_and_keeps_the_colleagues_change(client, tokens):
    cid = _contact_id(client)
    old = contact_etag(client, tokens["own"], cid)  # an admin reads the contact...
    # ...a colleague changes it meanwhile...
    colleague = _patch(client, tokens["network"], cid, {"unit": "Unité du collègue"}, old)
    assert colleague.status_code == 200
    new = colleague.headers["ETag"]
    assert new == f'"contact-{cid}-v2"' == colleague.get_json()["etag"]
    # ...and the first admin's write, based on what they read, is refused.
    assert_problem(_patch(client, tokens["own"], cid, {"unit": "Mon unité"}, old), 412)
    headers = {**tokens["own"], "If-Match": old}
    assert_problem(client.delete(f"{URL}/contacts/{cid}", headers=headers), 412)
    [kept] = [c for c in client.get(URL).get_json()["contacts"] if c["id"] == cid]
    assert kept["unit"] == "Unité du collègue"
    # Read again, the write goes through.
    again = _patch(client, tokens["own"], cid, {"unit": "Mon unité"}, new)
    assert again.status_code == 200 and again.headers["ETag"] == f'"contact-{cid}-v3"'


def test_a_change_to_another_contact_does_not_make_this_one_stale(client, tokens):
    first, second = (c["id"] for c in client.get(URL).get_json()["contacts"][:2])
    tag = contact_etag(client, tokens["own"], first)
    other = contact_etag(client, tokens["own"], second)
    assert _patch(client, tokens["own"], second, {"unit": "Autre"}, other).status_code == 200
    assert _patch(client, tokens["own"], first, {"unit": "Celui-ci"}, tag).status_code == 200


def test_the_openapi_document_asks_for_if_match_on_contact_writes(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    item = spec["paths"]["/api/v1/sites/{site_id}/contacts/{contact_id}"]
    for method in ("patch", "delete"):
        [if_match] = [p for p in item[method]["parameters"] if p["name"] == "If-Match"]
        assert if_match["in"] == "header" and if_match["required"] is True
        assert {"412", "428"} <= set(item[method]["responses"])
    assert "get" in item and "get" in spec["paths"]["/api/v1/sites/{site_id}/contacts"]


# --- the admin page ------------------------------------------------------------------------


def _contact_form(browser, cid, **changes):
    page = browser.get(f"/admin/sites/{SITE}")
    version = re.search(rf'id="c{cid}-version"[^>]*value="(\d+)"', page.text)
    if version is None:
        version = re.search(rf'value="(\d+)"[^>]*id="c{cid}-version"', page.text)
    return {
        "csrf_token": csrf(page),
        "version": version[1],
        "role": "coordinator",
        "name": "Pr Exemple",
        "email": "",
        "phone": "",
        "public": "y",
        **changes,
    }


def test_a_stale_contact_form_is_409_shows_both_and_keeps_the_other_change(
    app, browser, client, tokens
):
    cid = _contact_id(client)
    login(browser)
    stale = _contact_form(browser, cid, unit="Ma saisie")
    tag = contact_etag(client, tokens["network"], cid)
    assert (
        _patch(client, tokens["network"], cid, {"unit": "Unité du collègue"}, tag).status_code
        == 200
    )
    response = browser.post(f"/admin/sites/{SITE}/contacts/{cid}", data=stale)
    assert response.status_code == 409
    assert "Ce contact a été modifié entre-temps" in response.text
    assert "Ma saisie" in response.text  # what was typed, in the message
    field = re.search(rf'<input[^>]*id="c{cid}-unit"[^>]*>', response.text)[0]
    assert 'value="Unité du collègue"' in field  # the form holds the current values
    [kept] = [c for c in client.get(URL).get_json()["contacts"] if c["id"] == cid]
    assert kept["unit"] == "Unité du collègue"
    # The page as it is now saves.
    fresh = _contact_form(browser, cid, unit="Ma saisie")
    assert fresh["version"] == "2"
    assert browser.post(f"/admin/sites/{SITE}/contacts/{cid}", data=fresh).status_code == 302
    with app.app_context():
        from sitedir.extensions import db

        assert db.session.get(Contact, cid).unit == "Ma saisie"


def test_a_stale_delete_from_the_page_is_409_and_deletes_nothing(browser, client, tokens):
    cid = _contact_id(client)
    login(browser)
    form = _contact_form(browser, cid)
    tag = contact_etag(client, tokens["network"], cid)
    assert _patch(client, tokens["network"], cid, {"unit": "Changé"}, tag).status_code == 200
    delete = f"/admin/sites/{SITE}/contacts/{cid}/delete"
    data = {"csrf_token": form["csrf_token"], "version": form["version"]}
    response = browser.post(delete, data=data)
    assert response.status_code == 409 and "Rien n&#39;a été supprimé" in response.text
    assert cid in [c["id"] for c in client.get(URL).get_json()["contacts"]]
    assert browser.post(delete, data={**data, "version": "2"}).status_code == 302
    assert cid not in [c["id"] for c in client.get(URL).get_json()["contacts"]]


def test_site_etag_still_guards_site_writes(client, tokens):
    response = client.patch(
        URL,
        json={"status_reason": "Avec ETag"},
        headers={**tokens["own"], "If-Match": etag(client)},
    )
    assert response.status_code == 200
