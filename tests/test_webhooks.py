"""Signed webhooks: registration refuses private targets; deliveries are signed (checked
with the `standardwebhooks` library), retried with the same id, in order, and survive a
worker killed mid-delivery.

Receivers listen on 127.0.0.1 only, with SITEDIR_WEBHOOKS_ALLOW_PRIVATE on for them.
"""

import json
import os
import signal
import subprocess
import sys
import threading
import time
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from standardwebhooks import Webhook

from sitedir.domain.clock import utc_now
from sitedir.events import addresses
from sitedir.events.delivery import deliver_due
from sitedir.events.models import WebhookAttempt, WebhookEndpoint
from sitedir.extensions import db
from tests.helpers import assert_problem, etag, make_tokens, serve_in_thread

EVENTS = ["site.status_changed", "site.confirmed"]


class Receiver:
    """An HTTP receiver on 127.0.0.1 answering from a script of statuses (then 200)."""

    def __init__(self, answers=(), hold_first=False):
        self.answers = list(answers)
        self.received = []  # (headers, body) of every request, answered or not
        self.hold_first = hold_first
        self.release = threading.Event()
        self.first_seen = threading.Event()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.received.append((dict(self.headers), body.decode()))
                if receiver.hold_first and len(receiver.received) == 1:
                    receiver.first_seen.set()
                    receiver.release.wait(30)  # never answered: the worker dies meanwhile
                    return
                status = receiver.answers.pop(0) if receiver.answers else 200
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        self._stop_serving = serve_in_thread(self.server)

    def stop(self):
        self.release.set()
        self._stop_serving()


@pytest.fixture
def receiver():
    made = []

    def make(**options):
        made.append(Receiver(**options))
        return made[-1]

    yield make
    for one in made:
        one.stop()


def register(client, tokens, url, events=EVENTS):
    return client.post(
        "/api/v1/webhooks", json={"url": url, "events": events}, headers=tokens["network"]
    )


def set_status(client, tokens, status, reason=None):
    response = client.patch(
        "/api/v1/sites/clermont-ferrand",
        json={"status": status, "status_reason": reason},
        headers={**tokens["own"], "If-Match": etag(client)},
    )
    assert response.status_code == 200, response.get_data(as_text=True)


def verified(secret, headers, body):
    """The payload, after the standardwebhooks library checked its signature."""
    return Webhook(secret).verify(body, {k.lower(): v for k, v in headers.items()})


# --- registration ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/",
        "http://[::1]/",
        "http://169.254.169.254/latest/meta-data/",
        "file:///etc/passwd",
        "http://localhost/",
        "http://10.0.0.8/",
        "http://user:pass@example.org/",
        "http://example.org:25/",
        "gopher://example.org/",
        # Other spellings of loopback, and IPv6 forms that carry a private IPv4 address.
        "http://0.0.0.0/",
        "http://2130706433/",
        "http://0x7f.1/",
        "http://[::ffff:127.0.0.1]/",
        "http://[::127.0.0.1]/",
        "http://[::ffff:0:7f00:1]/",
        "http://[64:ff9b::a9fe:a9fe]/",
        "http://[2002:a00:1::]/",
        "http://[fec0::1]/",
        "http://example.org:0/",
    ],
)
def test_private_or_odd_targets_are_refused(client, tokens, url):
    body = assert_problem(register(client, tokens, url), 422)
    assert "url" in json.dumps(body)


def test_a_port_out_of_range_or_a_name_that_does_not_resolve_is_refused(
    client, tokens, monkeypatch
):
    body = assert_problem(register(client, tokens, "https://hooks.example.org:99999/x"), 422)
    assert "Adresse invalide" in json.dumps(body, ensure_ascii=False)

    def unknown(host, port):
        raise OSError("Name or service not known")

    monkeypatch.setattr(addresses, "resolve", unknown)
    body = assert_problem(register(client, tokens, "https://hooks.example.org/x"), 422)
    assert "Nom introuvable : hooks.example.org" in json.dumps(body, ensure_ascii=False)


def test_a_name_that_resolves_to_a_private_address_is_refused(client, tokens, monkeypatch):
    monkeypatch.setattr(addresses, "resolve", lambda host, port: ["93.184.215.14", "192.168.1.9"])
    assert_problem(register(client, tokens, "https://hooks.example.org/x"), 422)


def test_only_the_network_admin_manages_webhooks(client, tokens):
    assert (
        register(client, tokens | {"network": tokens["own"]}, "https://x.example/").status_code
        == 403
    )
    assert client.get("/api/v1/webhooks", headers=tokens["own"]).status_code == 403
    assert client.get("/api/v1/webhooks").status_code == 401


def test_register_list_and_delete(app, client, tokens, monkeypatch):
    monkeypatch.setattr(addresses, "resolve", lambda host, port: ["93.184.215.14"])
    created = register(client, tokens, "https://hooks.example.org/sitedir")
    assert created.status_code == 201, created.get_data(as_text=True)
    body = created.get_json()
    assert body["secret"].startswith("whsec_")
    assert len(__import__("base64").b64decode(body["secret"][6:])) >= 24
    listed = client.get("/api/v1/webhooks", headers=tokens["network"]).get_json()
    assert [e["id"] for e in listed] == [body["id"]]
    assert "secret" not in listed[0]
    assert (
        "Access-Control-Allow-Origin"
        not in client.get(
            "/api/v1/webhooks", headers={**tokens["network"], "Origin": "https://x.example"}
        ).headers
    )
    assert (
        client.delete(f"/api/v1/webhooks/{body['id']}", headers=tokens["network"]).status_code
        == 204
    )
    assert client.get("/api/v1/webhooks", headers=tokens["network"]).get_json() == []
    assert_problem(client.delete(f"/api/v1/webhooks/{body['id']}", headers=tokens["network"]), 404)
    assert _audited(app, "webhook.delete") == 1


def _audited(app, action: str) -> int:
    from sitedir.admin.models import AuditEvent

    with app.app_context():
        return len(
            db.session.scalars(db.select(AuditEvent).where(AuditEvent.action == action)).all()
        )


def test_two_deletes_at_once_write_one_audit_entry(app, client, tokens, monkeypatch):
    """Both requests found the endpoint; only the one whose UPDATE changed it is audited."""
    from sitedir.events import endpoints

    monkeypatch.setattr(addresses, "resolve", lambda host, port: ["93.184.215.14"])
    created = register(client, tokens, "https://hooks.example.org/sitedir").get_json()
    with app.app_context():
        slower = db.session.get(WebhookEndpoint, created["id"])
        assert not endpoints.is_deleted(slower)  # it read the endpoint, then the other wrote
        with app.app_context():  # the other request: its own session
            assert endpoints.remove(db.session.get(WebhookEndpoint, created["id"]), None)
        assert endpoints.remove(slower, None) is False
    assert _audited(app, "webhook.delete") == 1


# --- delivery ----------------------------------------------------------------------------


@pytest.fixture
def private_ok(app):
    app.config["WEBHOOKS_ALLOW_PRIVATE"] = True
    return app


def test_retried_until_accepted_with_the_same_id_and_signed(private_ok, client, tokens, receiver):
    app = private_ok
    hook = receiver(answers=[500, 500])
    secret = register(client, tokens, hook.url).get_json()["secret"]
    set_status(client, tokens, "suspended", "Pause")
    start = utc_now()
    with app.app_context():
        assert deliver_due(start) == 1  # 500
        assert deliver_due(start + timedelta(seconds=2)) == 0  # not due yet (5 s)
        assert deliver_due(start + timedelta(seconds=6)) == 1  # 500 again
        assert deliver_due(start + timedelta(seconds=60)) == 0  # next one after 5 minutes
        assert deliver_due(start + timedelta(seconds=400)) == 1  # 200
        assert deliver_due(start + timedelta(days=1)) == 0  # nothing left
        attempts = db.session.scalars(db.select(WebhookAttempt).order_by(WebhookAttempt.id)).all()
        assert [a.status_code for a in attempts] == [500, 500, 200]
        assert all(a.duration_ms >= 0 for a in attempts)
    ids = {headers["webhook-id"] for headers, _ in hook.received}
    assert len(ids) == 1 and len(hook.received) == 3  # the same event, three times
    for headers, body in hook.received:
        payload = verified(secret, headers, body)
        assert payload["type"] == "site.status_changed"
        assert payload["data"]["to"] == "suspended"
        assert payload["data"]["id"] == headers["webhook-id"]


def test_retry_after_is_honoured_and_410_disables(private_ok, client, tokens, receiver):
    app = private_ok
    hook = receiver(answers=[410])
    register(client, tokens, hook.url)
    set_status(client, tokens, "suspended", "Pause")
    with app.app_context():
        deliver_due()
        endpoint = db.session.scalar(db.select(WebhookEndpoint))
        assert not endpoint.active and endpoint.disabled_reason == "410 Gone"
    from sitedir.events.delivery import retry_after_seconds

    now = utc_now()
    assert retry_after_seconds("120", now) == 120
    assert retry_after_seconds("999999", now) == 86400
    assert retry_after_seconds("nonsense", now) is None


@pytest.mark.slow
def test_a_hundred_changes_arrive_in_order(private_ok, client, tokens, receiver):
    app = private_ok
    hook = receiver()
    secret = register(client, tokens, hook.url, ["site.status_changed"]).get_json()["secret"]
    statuses = ["suspended", "recruiting"] * 50
    for number, status in enumerate(statuses):
        set_status(client, tokens, status, f"change {number}")
    with app.app_context():
        deliver_due()
    reasons = [verified(secret, h, b)["data"]["reason"] for h, b in hook.received]
    assert reasons == [f"change {n}" for n in range(100)]


@pytest.mark.slow
def test_a_worker_killed_mid_delivery_loses_nothing(shared_app, tokens_shared, receiver, tmp_path):
    """`flask webhooks deliver` in a subprocess, SIGKILLed while the receiver holds the
    request; a new worker sends the same event again (same id) once the lease expires."""
    app = shared_app
    app.config["WEBHOOKS_ALLOW_PRIVATE"] = True
    client = app.test_client()
    hook = receiver(hold_first=True)
    secret = register(client, tokens_shared, hook.url).get_json()["secret"]
    set_status(client, tokens_shared, "suspended", "Pause")
    env = {
        **os.environ,
        "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
        "SITEDIR_SEED_ON_START": "0",
        "SITEDIR_WEBHOOKS_ALLOW_PRIVATE": "1",
        # The lease is at least twice an attempt's deadline: with the default (10 s) the
        # second worker waited 20 s for the killed one's lease to run out.
        "SITEDIR_WEBHOOKS_TIMEOUT": "1.5",
        "SITEDIR_WEBHOOKS_LEASE_SECONDS": "2",
        "SITEDIR_ACCESS_LOG": "0",
    }
    command = [
        sys.executable,
        "-m",
        "flask",
        "--app",
        "sitedir.app",
        "webhooks",
        "deliver",
        "--interval",
        "0.2",
    ]
    first = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        assert hook.first_seen.wait(30), (
            first.stderr.read1().decode() if first.poll() else "no request"
        )
        first.send_signal(signal.SIGKILL)
        first.wait(10)
    finally:
        if first.poll() is None:
            first.kill()
    second = subprocess.Popen(
        command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        deadline = time.monotonic() + 30
        while len(hook.received) < 2 and time.monotonic() < deadline:
            time.sleep(0.1)
        deadline = time.monotonic() + 10
        delivered = False
        while not delivered and time.monotonic() < deadline:
            with app.app_context():
                from sitedir.events.models import WebhookDelivery

                delivered = db.session.scalar(db.select(WebhookDelivery.state)) == "delivered"
                db.session.remove()
            time.sleep(0.1)
    finally:
        second.send_signal(signal.SIGTERM)
        second.wait(10)
    assert delivered
    assert len(hook.received) == 2
    (h1, _), (h2, b2) = hook.received
    assert h1["webhook-id"] == h2["webhook-id"]
    assert verified(secret, h2, b2)["data"]["to"] == "suspended"


def test_the_admin_page_refuses_what_no_request_line_can_carry(private_ok, tokens):
    from tests.helpers import HttpsClient, csrf, login

    app = private_ok
    app.test_client_class = HttpsClient
    page_client = app.test_client()
    login(page_client, "reseau@example.org")
    for url in ("http://127.0.0.1/é", "http://127.0.0.1/a b", "http://127.0.0.1/a\x00b"):
        page = page_client.get("/admin/webhooks")
        refused = page_client.post(
            "/admin/webhooks",
            data={"url": url, "events": ["site.confirmed"], "csrf_token": csrf(page)},
        )
        assert refused.status_code == 422, url
    with app.app_context():
        assert db.session.scalar(db.select(WebhookEndpoint)) is None


def test_an_endpoint_that_cannot_be_sent_to_never_stops_the_worker(
    private_ok, client, tokens, receiver
):
    """One stored URL the request line cannot carry: its attempt fails, the others go on."""
    app = private_ok
    hook = receiver()
    register(client, tokens, hook.url)
    with app.app_context():
        endpoint = WebhookEndpoint(
            url=hook.url + "/é",
            events=EVENTS,
            secret=db.session.scalar(db.select(WebhookEndpoint.secret)),
            created_at=utc_now(),
            active=True,
        )
        db.session.add(endpoint)
        db.session.commit()
    set_status(client, tokens, "suspended", "Pause")
    with app.app_context():
        assert deliver_due() == 2
        errors = db.session.scalars(db.select(WebhookAttempt.error)).all()
    assert len(hook.received) == 1
    assert sorted(errors, key=str)[-1].startswith("refused")


@pytest.fixture
def tokens_shared(shared_app):
    """The admin tokens, on the shared (file or PostgreSQL) database."""
    return make_tokens(shared_app)


def test_the_admin_page_registers_lists_attempts_and_deletes(private_ok, tokens, receiver):
    from tests.helpers import HttpsClient, csrf, login

    app = private_ok
    hook = receiver(answers=[503])
    app.test_client_class = HttpsClient
    page_client = app.test_client()
    login(page_client, "reseau@example.org")
    page = page_client.get("/admin/webhooks")
    assert page.status_code == 200
    app.config["WEBHOOKS_ALLOW_PRIVATE"] = False
    refused = page_client.post(
        "/admin/webhooks",
        data={
            "url": "http://169.254.169.254/",
            "events": ["site.confirmed"],
            "csrf_token": csrf(page),
        },
    )
    assert refused.status_code == 422 and "refusée" in refused.get_data(as_text=True)
    app.config["WEBHOOKS_ALLOW_PRIVATE"] = True
    made = page_client.post(
        "/admin/webhooks",
        data={"url": hook.url, "events": ["site.confirmed"], "csrf_token": csrf(page)},
    )
    assert made.status_code == 200 and "whsec_" in made.get_data(as_text=True)
    app.test_client().post("/api/v1/sites/clermont-ferrand/confirm", headers=tokens["own"])
    with app.app_context():
        deliver_due()
    text = page_client.get("/admin/webhooks").get_data(as_text=True)
    assert "503" in text and hook.url in text
    with app.app_context():
        endpoint_id = db.session.scalar(db.select(WebhookEndpoint.id))
    page = page_client.get("/admin/webhooks")
    delete = f"/admin/webhooks/{endpoint_id}/delete"
    assert page_client.post(delete, data={"csrf_token": csrf(page)}).status_code == 302
    assert hook.url not in page_client.get("/admin/webhooks").get_data(as_text=True)
    # Deleted once: a second click (or the form replayed) is a 404 and writes nothing.
    assert page_client.post(delete, data={"csrf_token": csrf(page)}).status_code == 404
    assert _audited(app, "webhook.delete") == 1
    # A site admin may not see the page.
    other = app.test_client()
    login(other)
    assert other.get("/admin/webhooks").status_code == 403


def test_two_workers_never_deliver_to_one_endpoint_at_once(private_ok, client, tokens, receiver):
    """A worker's lease on an endpoint keeps the others off it until it ends or expires."""
    from sitedir.events.delivery import _claim

    app = private_ok
    hook = receiver()
    register(client, tokens, hook.url)
    set_status(client, tokens, "suspended", "Pause")
    start = utc_now()
    with app.app_context():
        endpoint_id = db.session.scalar(db.select(WebhookEndpoint.id))
        assert _claim(endpoint_id, "worker-a", start, 60)
        assert not _claim(endpoint_id, "worker-b", start, 60)
        assert deliver_due(start, owner="worker-b") == 0  # held by worker-a
        assert hook.received == []
        # worker-a died: its lease runs out, and worker-b takes over.
        assert deliver_due(start + timedelta(seconds=61), owner="worker-b") == 1
    assert len(hook.received) == 1


def test_every_table_of_the_admin_pages_scrolls_on_a_narrow_screen(app, tokens):
    """The admin tables share one macro (admin/tables.html), the webhooks' attempts too:
    a long error or URL scrolls its table sideways instead of widening the page."""
    from tests.helpers import HttpsClient, login

    with app.app_context():
        db.session.add(
            WebhookEndpoint(
                url="https://hooks.example.org/sitedir",
                events=["site.confirmed"],
                secret="whsec_" + "A" * 43,
                created_at=utc_now(),
                active=True,
            )
        )
        db.session.commit()
    app.test_client_class = HttpsClient
    page_client = app.test_client()
    login(page_client, "reseau@example.org")
    for path in ("/admin/", "/admin/accounts", "/admin/to-confirm", "/admin/webhooks"):
        html = page_client.get(path).get_data(as_text=True)
        assert "<table" in html, path
        assert html.count("<table") == html.count('<div class="table-scroll">\n<table'), path
