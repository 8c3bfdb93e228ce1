"""Admin writes through the API: If-Match, concurrent writers, effects, refusals, hostile input."""

from datetime import UTC, date, datetime, timedelta

import pytest

from sitedir.admin.models import ApiToken, AuditEvent
from sitedir.domain.clock import today_in_paris
from sitedir.extensions import db
from sitedir.models import Site, StatusChange
from tests.helpers import NEW_SITE, assert_problem, contact_etag, etag

SITE = "clermont-ferrand"
URL = f"/api/v1/sites/{SITE}"
FUTURE = (date.today() + timedelta(days=60)).isoformat()
PAUSE = {
    "status": "suspended",
    "status_reason": "Pause des inclusions",
    "expected_reopening": FUTURE,
}


def _patch(client, headers, body, if_match=None):
    headers = dict(headers)
    if if_match is not None:
        headers["If-Match"] = if_match
    return client.patch(URL, json=body, headers=headers)


def _history_count(app):
    with app.app_context():
        site = db.session.scalar(db.select(Site).where(Site.slug == SITE))
        return db.session.scalar(
            db.select(db.func.count())
            .select_from(StatusChange)
            .where(StatusChange.site_id == site.id)
        )


def test_a_change_without_if_match_is_428_and_changes_nothing(client, tokens):
    before = client.get(URL).get_json()
    body = assert_problem(_patch(client, tokens["own"], PAUSE), 428)
    assert "If-Match" in body["detail"]
    assert client.get(URL).get_json() == before


def test_a_stale_etag_is_412(client, tokens):
    first = etag(client)
    assert _patch(client, tokens["own"], {"status_reason": "Une"}, first).status_code == 200
    response = _patch(client, tokens["own"], {"status_reason": "Deux"}, first)
    assert_problem(response, 412)
    assert client.get(URL).get_json()["status_reason"] == "Une"


def test_success_answers_the_new_etag_which_a_next_write_can_use(client, tokens):
    response = _patch(client, tokens["own"], PAUSE, etag(client))
    assert response.status_code == 200
    new = response.headers["ETag"]
    assert new == etag(client) != '"clermont-ferrand-v1"'
    again = _patch(client, tokens["own"], {"status": "recruiting"}, new)
    assert again.status_code == 200
    assert again.get_json()["expected_reopening"] is None  # reopened: nothing left to expect


def test_a_status_change_reaches_history_audit_nearest_and_etags(app, client, tokens):
    nearest = client.get("/api/v1/nearest?q=Vichy&limit=1")
    assert nearest.get_json()["results"][0]["id"] == SITE
    sites_tag = client.get("/api/v1/sites").headers["ETag"]

    response = _patch(client, tokens["own"], PAUSE, etag(client))
    assert response.status_code == 200

    site = client.get(URL).get_json()
    assert site["status"] == "suspended" and site["expected_reopening"] == FUTURE
    assert site["status_since"] == today_in_paris().isoformat()
    (change,) = site["history"]
    assert (change["from_status"], change["to_status"]) == ("recruiting", "suspended")
    assert change["reason"] == "Pause des inclusions"

    after = client.get("/api/v1/nearest?q=Vichy&limit=1").get_json()
    assert after["results"][0]["id"] != SITE
    paused = [s for s in after["nearer_not_open"] if s["id"] == SITE]
    assert paused and paused[0]["status_reason"] == "Pause des inclusions"
    assert client.get("/api/v1/sites").headers["ETag"] != sites_tag

    audit = client.get("/api/v1/audit?site=" + SITE, headers=tokens["network"]).get_json()
    event = audit[0]
    assert event["action"] == "site.update" and event["account_email"] == "clermont@example.org"
    assert event["via"].startswith("token:")
    assert event["before"]["status"] == "recruiting" and event["after"]["status"] == "suspended"
    assert event["request_id"]


def test_confirm_sets_the_date_and_is_audited(client, tokens):
    assert client.get(URL).get_json()["status_confirmed_at"] is None
    response = client.post(f"{URL}/confirm", headers=tokens["own"])
    assert response.status_code == 200
    assert response.get_json()["status_confirmed_at"].startswith(
        datetime.now(UTC).date().isoformat()
    )
    audit = client.get("/api/v1/audit", headers=tokens["network"]).get_json()
    assert audit[0]["action"] == "site.confirm"


def test_the_token_records_when_it_was_last_used(app, client, tokens):
    with app.app_context():
        assert all(t.last_used_at is None for t in db.session.scalars(db.select(ApiToken)))
    client.post(f"{URL}/confirm", headers=tokens["own"])
    with app.app_context():
        used = [t for t in db.session.scalars(db.select(ApiToken)) if t.last_used_at]
        assert len(used) == 1


def test_admin_only_contacts_are_never_public(client, tokens):
    body = {"role": "referral_desk", "phone": "+33 4 73 00 00 00", "public": False}
    created = client.post(f"{URL}/contacts", json=body, headers=tokens["own"])
    assert created.status_code == 201
    assert created.get_json()["public"] is False
    for text in (
        client.get(URL).get_data(as_text=True),
        client.get("/api/v1/sites").get_data(as_text=True),
        client.get("/api/v1/nearest?q=Vichy").get_data(as_text=True),
        client.get("/").get_data(as_text=True),
    ):
        assert "73 00 00 00" not in text


def test_a_public_contact_shows_at_once_and_a_deleted_one_goes(client, tokens):
    body = {"role": "referral_desk", "email": "recherche@example.org", "public": True}
    contact = client.post(f"{URL}/contacts", json=body, headers=tokens["own"]).get_json()
    emails = [c["email"] for c in client.get(URL).get_json()["contacts"]]
    assert "recherche@example.org" in emails
    path = f"{URL}/contacts/{contact['id']}"
    headers = {**tokens["own"], "If-Match": contact_etag(client, tokens["own"], contact["id"])}
    assert client.delete(path, headers=headers).status_code == 204
    emails = [c["email"] for c in client.get(URL).get_json()["contacts"]]
    assert "recherche@example.org" not in emails
    assert client.delete(path, headers=headers).status_code == 404


def test_a_contact_of_another_site_is_not_reachable_through_this_one(client, tokens):
    other = client.get("/api/v1/sites/nantes").get_json()["contacts"][0]["id"]
    response = client.patch(
        f"{URL}/contacts/{other}", json={"unit": "x"}, headers=tokens["network"]
    )
    assert_problem(response, 404)


INVALID = [
    ({"status": "paused"}, "status"),
    ({"expected_reopening": "2001-01-01"}, "expected_reopening"),
    ({"expected_reopening": "31/12/2099"}, "expected_reopening"),
    ({"status_reason": 42}, "status_reason"),
    ({"status_reason": ["a"]}, "status_reason"),
    ({"status_reason": "x" * 501}, "status_reason"),
    ({"status_reason": "bip\x07"}, "status_reason"),
    ({"status_reason": "nul\x00"}, "status_reason"),
    ({"lead_department": {"$gt": ""}}, "lead_department"),
    ({"version": 99}, "version"),
    ({}, "_schema"),
]


@pytest.mark.parametrize(("body", "field"), INVALID, ids=[f for _, f in INVALID])
def test_invalid_site_values_are_422_and_nothing_changes(client, tokens, body, field):
    before = client.get(URL).get_json()
    problem = assert_problem(_patch(client, tokens["own"], body, etag(client)), 422)
    assert any(field in p["name"] for p in problem["invalid_params"]), problem
    assert client.get(URL).get_json() == before


BAD_CONTACTS = [
    {"role": "referral_desk", "email": "not an email"},
    {"role": "referral_desk", "email": "a@b@c.fr"},
    {"role": "referral_desk", "phone": "call me"},
    {"role": "referral_desk", "phone": "+33 4 73 75 00 00; DROP TABLE contacts"},
    {"role": "pope"},
    {"role": "referral_desk", "public": "maybe"},
    {"role": "referral_desk", "name": "\x1b[31mrouge"},
    {"role": "referral_desk", "name": "x" * 201},
    {"email": "sans-role@example.org"},
]


@pytest.mark.parametrize("body", BAD_CONTACTS)
def test_invalid_contacts_are_422_and_nothing_changes(client, tokens, body):
    before = client.get(URL).get_json()
    assert_problem(client.post(f"{URL}/contacts", json=body, headers=tokens["own"]), 422)
    assert client.get(URL).get_json() == before


@pytest.mark.parametrize(
    ("data", "content_type"),
    [
        ("{not json", "application/json"),
        ("status=suspended", "application/x-www-form-urlencoded"),
        ('["suspended"]', "application/json"),
        ("null", "application/json"),
    ],
)
def test_bodies_that_are_not_a_json_object_are_4xx(client, tokens, data, content_type):
    before = client.get(URL).get_json()
    headers = {**tokens["own"], "If-Match": etag(client), "Content-Type": content_type}
    response = client.patch(URL, data=data, headers=headers)
    assert 400 <= response.status_code < 500
    assert response.mimetype == "application/problem+json"
    assert client.get(URL).get_json() == before


def test_hostile_text_is_stored_as_given_and_served_as_data(client, tokens):
    script = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    response = _patch(client, tokens["own"], {"status_reason": script}, etag(client))
    assert response.status_code == 200
    assert client.get(URL).get_json()["status_reason"] == script  # nothing lost
    body = {"role": "referral_desk", "name": script[:200], "unit": "Unité « spéciale » & co"}
    assert client.post(f"{URL}/contacts", json=body, headers=tokens["own"]).status_code == 201
    # JSON is never sniffed as HTML, and the pages that show it escape it.
    assert client.get(URL).headers["X-Content-Type-Options"] == "nosniff"
    page = client.get("/").get_data(as_text=True)
    assert "<script>alert" not in page and "<img src=x" not in page


def test_a_new_site_joins_and_is_found_by_nearest(client, tokens):
    body = {**NEW_SITE, "status": "recruiting"}
    created = client.post("/api/v1/sites", json=body, headers=tokens["network"])
    assert created.status_code == 201 and created.headers["ETag"] == '"lyon-v1"'
    nearest = client.get("/api/v1/nearest?q=Villeurbanne&limit=1").get_json()
    assert nearest["results"][0]["id"] == "lyon"
    again = client.post("/api/v1/sites", json=body, headers=tokens["network"])
    assert_problem(again, 409)
    unknown = client.post(
        "/api/v1/sites", json={**body, "id": "lyon-2", "study": "nope"}, headers=tokens["network"]
    )
    assert_problem(unknown, 422)


def test_the_audit_log_keeps_who_what_before_and_after(app, client, tokens):
    contact = _first_contact(client)
    headers = {**tokens["own"], "If-Match": contact_etag(client, tokens["own"], contact)}
    response = client.patch(f"{URL}/contacts/{contact}", json={"unit": "Nouvelle"}, headers=headers)
    assert response.status_code == 200
    with app.app_context():
        event = db.session.scalar(db.select(AuditEvent).order_by(AuditEvent.id.desc()))
        assert event.action == "contact.update"
        assert event.before["unit"] != "Nouvelle" and event.after["unit"] == "Nouvelle"
        assert event.account_email == "clermont@example.org" and event.via.startswith("token:")


def _first_contact(client):
    return client.get(URL).get_json()["contacts"][0]["id"]


def test_the_audit_never_holds_a_token(client, tokens):
    client.post(f"{URL}/confirm", headers=tokens["own"])
    text = client.get("/api/v1/audit", headers=tokens["network"]).get_data(as_text=True)
    secret = tokens["own"]["Authorization"].split()[1]
    assert secret not in text and secret[:12] not in text
