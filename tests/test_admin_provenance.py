"""Public provenance says which kind of admin confirmed a record, and when; never who.
Who it was stays in the audit log, which also keeps the server's request id and the
client's apart.
"""

import re

from sitedir.admin.models import AuditEvent
from sitedir.extensions import db
from tests.helpers import NEW_SITE, contact_etag

SITE = "clermont-ferrand"
URL = f"/api/v1/sites/{SITE}"
ADMIN_EMAILS = ("clermont@example.org", "reseau@example.org")


def _public_text(client, *paths):
    return " ".join(client.get(path).get_data(as_text=True) for path in paths)


def test_a_contact_an_admin_wrote_names_the_kind_of_admin_not_the_email(client, tokens):
    body = {"role": "referral_desk", "email": "accueil@example.org", "public": True}
    created = client.post(f"{URL}/contacts", json=body, headers=tokens["own"]).get_json()
    [public] = [c for c in client.get(URL).get_json()["contacts"] if c["id"] == created["id"]]
    assert public["provenance"]["source"] == "site_admin"
    assert public["provenance"]["verified"] is True
    assert public["provenance"]["last_verified_at"]

    tag = contact_etag(client, tokens["network"], created["id"])
    headers = {**tokens["network"], "If-Match": tag}
    client.patch(f"{URL}/contacts/{created['id']}", json={"unit": "Accueil"}, headers=headers)
    [public] = [c for c in client.get(URL).get_json()["contacts"] if c["id"] == created["id"]]
    assert public["provenance"]["source"] == "network_admin"

    text = _public_text(
        client, URL, "/api/v1/sites", "/api/v1/nearest?q=Vichy", "/api/v1/reference-centres", "/"
    )
    for email in ADMIN_EMAILS:
        assert email not in text
    # Who it was is in the audit log, for the network admin.
    audit = client.get(f"/api/v1/audit?site={SITE}", headers=tokens["network"]).get_json()
    assert [e["account_email"] for e in audit[:2]] == list(reversed(ADMIN_EMAILS))


def test_a_new_site_and_its_institution_name_the_kind_of_admin(client, tokens):
    created = client.post("/api/v1/sites", json=NEW_SITE, headers=tokens["network"])
    assert created.status_code == 201
    site = client.get("/api/v1/sites/lyon").get_json()
    assert site["provenance"]["source"] == "network_admin"
    assert site["institution"]["provenance"]["source"] == "network_admin"
    text = _public_text(client, "/api/v1/sites/lyon", "/api/v1/sites", "/api/v1/nearest?q=Lyon")
    assert "reseau@example.org" not in text


def test_site_create_records_the_institution_in_the_audit(client, tokens):
    client.post("/api/v1/sites", json=NEW_SITE, headers=tokens["network"])
    [event] = client.get("/api/v1/audit?site=lyon", headers=tokens["network"]).get_json()
    assert event["action"] == "site.create" and event["account_email"] == "reseau@example.org"
    institution = event["after"]["institution"]
    assert institution["key"] == "lyon"
    for field, value in NEW_SITE["institution"].items():
        assert institution[field] == value, field
    assert event["after"]["study"] == "cart-lupus" and event["after"]["city"] == "Lyon"


def test_the_audit_keeps_the_servers_request_id_and_the_clients_apart(app, client, tokens):
    headers = {**tokens["own"], "X-Request-ID": "appel-42"}
    response = client.post(f"{URL}/confirm", headers=headers)
    made = response.headers["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{32}", made)
    again = client.post(f"{URL}/confirm", headers=headers)
    audit = client.get("/api/v1/audit", headers=tokens["network"])
    first, second = reversed(audit.get_json()[:2])
    assert first["request_id"] == made and second["request_id"] == again.headers["X-Request-ID"]
    assert first["request_id"] != second["request_id"]  # one id per request, whatever is sent
    assert first["client_request_id"] == second["client_request_id"] == "appel-42"
    client.post(f"{URL}/confirm", headers={**tokens["own"], "X-Request-ID": "<b>nope</b>"})
    with app.app_context():
        event = db.session.scalar(db.select(AuditEvent).order_by(AuditEvent.id.desc()))
        assert event.client_request_id is None and re.fullmatch(r"[0-9a-f]{32}", event.request_id)


def test_the_audit_log_is_never_stored_by_a_cache(client, tokens):
    response = client.get("/api/v1/audit", headers=tokens["network"])
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    assert "Access-Control-Allow-Origin" not in response.headers
