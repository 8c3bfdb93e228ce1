"""One registry of event types (sitedir/events/types.py) for the outbox, both feeds, the
webhooks and the document: an unknown type is refused at write time, and an event stored
under a type since removed is a plain change, never another type's words (issue 26 §3)."""

import feedparser
import pytest

from sitedir.events import outbox
from sitedir.events.types import EVENT_TYPES, TYPES, UnknownEventType, event_type
from sitedir.extensions import db
from sitedir.models import Event, Site
from tests.atom_grammar import atom_errors
from tests.test_atom_grammar import WRITES, _status


def _site(slug="clermont-ferrand"):
    return db.session.scalar(db.select(Site).where(Site.slug == slug))


def test_every_reader_takes_its_types_from_the_registry(client):
    from sitedir.admin.webhooks_api import EVENT_TYPES as subscribable
    from sitedir.events.outbox import EVENT_TYPES as written

    assert written == subscribable == EVENT_TYPES == tuple(TYPES)
    spec = client.get("/api/v1/openapi.json").get_json()
    event = spec["components"]["schemas"]["ChangeEvent"]["properties"]
    assert event["type"]["enum"] == list(EVENT_TYPES)
    for name, row in TYPES.items():
        assert f"{name}: {row.data_doc}" in event["data"]["description"]


def test_an_unknown_type_is_refused_before_anything_is_written(app):
    with app.app_context():
        with pytest.raises(UnknownEventType, match=r"site\.renamed"):
            outbox.record("site.renamed", _site())
        db.session.commit()
        assert db.session.scalar(db.select(db.func.count(Event.id))) == 0


def test_a_stored_event_of_a_removed_type_is_a_plain_change(app, client, tokens):
    """An event written by a version that knew a type this one does not: named as what it
    is in both languages, valid Atom, its webhook body the generic one."""
    _status(client, tokens, "Pause")
    with app.app_context():
        stored = db.session.scalar(db.select(Event))
        stored.type = "site.renamed"
        stored.data = {"site": "clermont-ferrand", "city": "Clermont-Ferrand", "name": "X"}
        db.session.commit()
        assert event_type(stored.type).payload(stored) == {
            "type": "site.renamed",
            "timestamp": stored.data.get("at") or outbox.iso(stored.at),
            "data": {"id": stored.uid, **stored.data},
        }
    for lang, title, said in (
        ("fr", "Clermont-Ferrand : changement", "Changement non décrit ici (site.renamed)"),
        ("en", "Clermont-Ferrand: change", "A change not described here (site.renamed)"),
    ):
        body = client.get(f"/api/v1/changes.atom?lang={lang}").data
        assert atom_errors(body) == []
        [entry] = feedparser.parse(body).entries
        assert entry.title == title
        assert said in entry.summary and "contact" not in entry.summary
    [listed] = client.get("/api/v1/changes").get_json()["events"]
    assert listed["type"] == "site.renamed"


def test_a_hospital_change_says_what_the_hospital_now_shows(app, client, tokens):
    WRITES["site.hospital_changed"](app, client, tokens)
    [entry] = feedparser.parse(client.get("/api/v1/changes.atom").data).entries
    assert entry.title == "Nantes : établissement mis à jour"
    assert "Standard : +33 2 40 08 33 33." in entry.summary
    [english] = feedparser.parse(client.get("/api/v1/changes.atom?lang=en").data).entries
    assert english.title == "Nantes: hospital updated"
    assert "Switchboard: +33 2 40 08 33 33." in english.summary
    assert "Address: " in english.summary and "Adresse" not in english.summary


def test_the_english_feed_is_english_throughout(client, tokens):
    _status(client, tokens, "Pause des inclusions")
    feed = feedparser.parse(client.get("/api/v1/changes.atom?lang=en").data)
    assert feed.feed.language == "en" and feed.feed.title == "Site directory: changes"
    assert feed.feed.subtitle.startswith("Statuses, confirmations, new sites")
    [entry] = feed.entries
    assert entry.title == "Clermont-Ferrand: suspended"
    assert entry.summary.startswith("Study: ")
    assert "Recruiting → Suspended. Reason: Pause des inclusions." in entry.summary
    links = {link.rel: link.href for link in entry.links}
    assert links["alternate"].endswith("&lang=en")
    self_link = [link for link in feed.feed.links if link.rel == "self"]
    assert self_link[0].href.endswith("/api/v1/changes.atom?lang=en")
    refused = client.get("/api/v1/changes.atom?lang=de")
    assert refused.status_code == 422


def test_every_type_reaches_a_receiver_signed_as_its_row_builds_it(app, client, tokens):
    """One endpoint subscribed to every registered type: each write delivered, verified by
    the standardwebhooks library, its body the row's payload with the fields it documents."""
    from sitedir.events.delivery import deliver_due
    from tests.test_webhooks import Receiver, register, verified

    app.config["WEBHOOKS_ALLOW_PRIVATE"] = True
    hook = Receiver()
    try:
        secret = register(client, tokens, hook.url, list(EVENT_TYPES)).get_json()["secret"]
        for write in WRITES.values():
            write(app, client, tokens)
        with app.app_context():
            assert deliver_due() == len(EVENT_TYPES)
            events = {e.uid: e for e in db.session.scalars(db.select(Event))}
            rows = {uid: TYPES[e.type].payload(e) for uid, e in events.items()}
        bodies = [verified(secret, headers, body) for headers, body in hook.received]
    finally:
        hook.stop()
    assert [b["type"] for b in bodies] == list(EVENT_TYPES)  # in the order of the writes
    for body in bodies:
        assert body == rows[body["data"]["id"]]
        for field in ("site", "study", "city", *TYPES[body["type"]].fields):
            assert field in body["data"], (body["type"], field)


def test_the_admin_webhook_form_offers_every_registered_type(app):
    from sitedir.admin.forms import WebhookForm

    with app.test_request_context():
        form = WebhookForm(meta={"csrf": False})
        choices = list(form.events.choices)
    assert [choice.value for choice in choices] == list(EVENT_TYPES)
    assert [choice.label for choice in choices] == [row.label[0] for row in TYPES.values()]
