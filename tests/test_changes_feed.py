"""The change feed: JSON with a resumable cursor, and Atom 1.0; public facts only."""

import xml.etree.ElementTree as ET

from tests.helpers import assert_problem, etag

ATOM = "{http://www.w3.org/2005/Atom}"


def _pause(client, tokens, reason="Pause des inclusions"):
    response = client.patch(
        "/api/v1/sites/clermont-ferrand",
        json={"status": "suspended", "status_reason": reason},
        headers={**tokens["own"], "If-Match": etag(client)},
    )
    assert response.status_code == 200, response.get_data(as_text=True)


def test_a_status_change_shows_in_the_json_feed_and_the_cursor_resumes(client, tokens):
    start = client.get("/api/v1/changes").get_json()
    assert start["events"] == []
    _pause(client, tokens)
    body = client.get(f"/api/v1/changes?since={start['next']}").get_json()
    [event] = body["events"]
    assert event["type"] == "site.status_changed"
    assert event["site"] == "clermont-ferrand"
    assert event["data"]["from"] not in (None, "suspended")
    assert event["data"]["to"] == "suspended"
    assert event["data"]["reason"] == "Pause des inclusions"
    assert event["id"].startswith("evt_")
    # Resuming from `next` gives nothing new, and the same cursor back.
    again = client.get(f"/api/v1/changes?since={body['next']}").get_json()
    assert again == {"events": [], "next": body["next"]}
    client.post("/api/v1/sites/clermont-ferrand/confirm", headers=tokens["own"])
    [confirmed] = client.get(f"/api/v1/changes?since={body['next']}").get_json()["events"]
    assert confirmed["type"] == "site.confirmed"
    # limit pages through, oldest first.
    first = client.get("/api/v1/changes?limit=1").get_json()
    assert [e["type"] for e in first["events"]] == ["site.status_changed"]


def test_the_feed_is_cacheable_with_an_etag(client, tokens):
    _pause(client, tokens)
    first = client.get("/api/v1/changes")
    assert first.headers["ETag"]
    again = client.get("/api/v1/changes", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304
    atom = client.get("/api/v1/changes.atom")
    assert atom.headers["ETag"]
    cached = client.get("/api/v1/changes.atom", headers={"If-None-Match": atom.headers["ETag"]})
    assert cached.status_code == 304


def test_a_malformed_cursor_is_refused_and_one_past_the_end_finds_nothing(client):
    for cursor in ("nope!", "ZXZpbA", "x" * 13, ""):
        assert_problem(client.get(f"/api/v1/changes?since={cursor}"), 422)
    assert client.get("/api/v1/changes?since=zzzzzzzzzzzz").get_json() == {
        "events": [],
        "next": "zzzzzzzzzzzz",
    }


def test_the_atom_feed_shows_the_change_in_french(client, tokens):
    _pause(client, tokens)
    response = client.get("/api/v1/changes.atom")
    assert response.status_code == 200
    assert response.mimetype == "application/atom+xml"
    root = ET.fromstring(response.data)
    assert root.tag == f"{ATOM}feed"
    for required in ("id", "title", "updated"):
        assert root.find(f"{ATOM}{required}") is not None
    [entry] = root.findall(f"{ATOM}entry")
    for required in ("id", "title", "updated"):
        assert entry.find(f"{ATOM}{required}").text
    assert entry.find(f"{ATOM}title").text == "Clermont-Ferrand : inclusions suspendues"
    links = {link.get("rel"): link.get("href") for link in entry.findall(f"{ATOM}link")}
    assert links["related"].endswith("/api/v1/sites/clermont-ferrand")


def test_a_private_contact_never_appears(client, tokens):
    secret = {"role": "referral_desk", "email": "prive@chu-exemple.fr", "public": False}
    added = client.post(
        "/api/v1/sites/clermont-ferrand/contacts", json=secret, headers=tokens["own"]
    )
    assert added.status_code == 201, added.get_data(as_text=True)
    public = {"role": "research_nurse", "email": "public@chu-exemple.fr", "public": True}
    added = client.post(
        "/api/v1/sites/clermont-ferrand/contacts", json=public, headers=tokens["own"]
    )
    assert added.status_code == 201
    feed = client.get("/api/v1/changes")
    events = feed.get_json()["events"]
    # The private contact made no event; the public one did, listing public contacts only.
    assert [e["type"] for e in events] == ["site.contacts_changed"]
    emails = [c["email"] for c in events[0]["data"]["contacts"]]
    assert "public@chu-exemple.fr" in emails
    for text in (feed.get_data(as_text=True), client.get("/api/v1/changes.atom").get_data(True)):
        assert "prive@chu-exemple.fr" not in text


def test_a_new_site_is_an_event(client, tokens):
    from tests.helpers import NEW_SITE

    response = client.post("/api/v1/sites", json=NEW_SITE, headers=tokens["network"])
    assert response.status_code == 201, response.get_data(as_text=True)
    [event] = client.get("/api/v1/changes").get_json()["events"]
    assert event["type"] == "site.created"
    assert event["site"] == "lyon"


CONTACTS = "/api/v1/sites/clermont-ferrand/contacts"


def _feed_texts(client):
    return (
        client.get("/api/v1/changes").get_data(as_text=True),
        client.get("/api/v1/changes.atom").get_data(as_text=True),
    )


def _stored_events(app):
    from sitedir.extensions import db
    from sitedir.models import Event

    with app.app_context():
        return str([e.data for e in db.session.scalars(db.select(Event))])


def _contact_write(client, tokens, method, cid, body=None):
    from tests.helpers import contact_etag

    headers = {**tokens["own"], "If-Match": contact_etag(client, tokens["own"], cid)}
    response = client.open(f"{CONTACTS}/{cid}", method=method, json=body, headers=headers)
    assert response.status_code in (200, 204), response.get_data(as_text=True)


def _published(client, tokens):
    body = {"role": "research_nurse", "name": "Camille Exemple", "email": "direct@chu-exemple.fr"}
    created = client.post(
        CONTACTS, json={**body, "phone": "+33 4 73 11 11 11"}, headers=tokens["own"]
    )
    assert created.status_code == 201, created.get_data(as_text=True)
    assert "direct@chu-exemple.fr" in _feed_texts(client)[0]
    return created.get_json()["id"]


def test_a_contact_made_private_leaves_the_past_events(app, client, tokens):
    """Public answers hold public data only, history included: the feed does not keep
    what an admin has since withdrawn."""
    cid = _published(client, tokens)
    _contact_write(client, tokens, "PATCH", cid, {"public": False})
    for text in (*_feed_texts(client), _stored_events(app)):
        assert "direct@chu-exemple.fr" not in text and "Camille Exemple" not in text
        assert "+33 4 73 11 11 11" not in text
    events = client.get("/api/v1/changes").get_json()["events"]
    assert [e["type"] for e in events] == ["site.contacts_changed"] * 2
    assert all(c["id"] != cid for e in events for c in e["data"]["contacts"])
    # The other public contacts, still public, are still there.
    assert events[0]["data"]["contacts"] == events[1]["data"]["contacts"]


def test_a_deleted_contact_leaves_the_past_events(app, client, tokens):
    cid = _published(client, tokens)
    _contact_write(client, tokens, "DELETE", cid)
    for text in (*_feed_texts(client), _stored_events(app)):
        assert "direct@chu-exemple.fr" not in text and "Camille Exemple" not in text


def test_a_replaced_phone_is_blanked_in_past_events(app, client, tokens):
    cid = _published(client, tokens)
    _contact_write(client, tokens, "PATCH", cid, {"phone": "+33 4 73 22 22 22"})
    first, second = client.get("/api/v1/changes").get_json()["events"]
    [then] = [c for c in first["data"]["contacts"] if c["id"] == cid]
    [now] = [c for c in second["data"]["contacts"] if c["id"] == cid]
    assert then["phone"] is None and now["phone"] == "+33 4 73 22 22 22"
    assert then["email"] == now["email"] == "direct@chu-exemple.fr"  # unchanged: kept
    assert "+33 4 73 11 11 11" not in _stored_events(app)


def test_redacting_the_feed_leaves_the_audit_log_whole(app, client, tokens):
    """The public history forgets a withdrawn contact; the audit log keeps who changed
    what, with the contact's details before and after, for the network admin."""
    cid = _published(client, tokens)
    _contact_write(client, tokens, "PATCH", cid, {"phone": "+33 4 73 22 22 22"})
    _contact_write(client, tokens, "DELETE", cid)
    entries = client.get("/api/v1/audit", headers=tokens["network"]).get_json()
    mine = [e for e in entries if e["action"].startswith("contact.")]
    assert sorted(e["action"] for e in mine) == [
        "contact.create",
        "contact.delete",
        "contact.update",
    ]
    text = str(mine)
    for kept in ("Camille Exemple", "direct@chu-exemple.fr", "+33 4 73 11 11 11", "clermont@"):
        assert kept in text, kept
    assert "+33 4 73 11 11 11" not in _stored_events(app)


def test_feed_readers_read_the_atom_feed(client, tokens, app):
    """feedparser, as feed readers parse Atom: no error, a fixed feed id whatever the Host,
    tag: URIs, each entry's page (text/html) and JSON (related), and its study named."""
    import feedparser

    _pause(client, tokens)
    feeds = [
        feedparser.parse(client.get("/api/v1/changes.atom", headers={"Host": host}).data)
        for host in ("localhost", "127.0.0.1:8000")
    ]
    for feed in feeds:
        assert not feed.bozo, feed.get("bozo_exception")
        assert feed.version == "atom10"
    assert feeds[0].feed.id == feeds[1].feed.id
    authority = app.config["TRUSTED_HOSTS"][0]  # a configured name, not the request's
    assert feeds[0].feed.id == f"tag:{authority},2026-12-02:sitedir/changes"
    [entry] = feeds[0].entries
    assert entry.id.startswith(f"tag:{authority},2026-12-02:sitedir/event/evt_")
    assert entry.id == feeds[1].entries[0].id
    json_id = client.get("/api/v1/changes").get_json()["events"][0]["id"]
    assert entry.id.endswith(json_id)
    links = {link.rel: link for link in entry.links}
    assert links["alternate"].type == "text/html"
    assert links["alternate"].href == "http://localhost/?insee=63113&study=cart-lupus"
    assert links["related"].type == "application/json"
    assert links["related"].href == "http://localhost/api/v1/sites/clermont-ferrand"
    page = client.get("/?insee=63113&study=cart-lupus").get_data(as_text=True)
    assert "CHU de Clermont-Ferrand" in page  # the page lists the site
    assert "Étude : Essai clinique international de phase 1/2" in entry.summary
    studies = [t for t in entry.tags if t.term == "cart-lupus"]
    assert studies and studies[0].label.startswith("Essai clinique")
    app.config["PUBLIC_URL"] = "https://annuaire.example.fr"
    public = feedparser.parse(client.get("/api/v1/changes.atom").data)
    assert public.feed.id == "tag:annuaire.example.fr,2026-12-02:sitedir/changes"
