"""An event given up pauses its endpoint until the network admin resumes it, in order; a 410
leaves nothing pending; nothing is tried past the three-day window (issue 25, webhooks);
the worker releases its leases on SIGTERM and counts attempts in SQL (issue 24, point 7).
"""

import os
import signal
import subprocess
import sys
from datetime import timedelta

import pytest
from sqlalchemy import update

from sitedir.domain.clock import utc_now
from sitedir.events.delivery import deliver_due
from sitedir.events.models import WebhookDelivery, WebhookEndpoint
from sitedir.extensions import db
from tests.helpers import make_tokens
from tests.smtp_fixtures import smtp_server, text_of  # noqa: F401 - the fixture
from tests.test_webhooks import Receiver, register, set_status, verified

THREE_DAYS = timedelta(days=3)


@pytest.fixture
def private_ok(app):
    app.config["WEBHOOKS_ALLOW_PRIVATE"] = True
    return app


@pytest.fixture
def receiver():
    made = []

    def make(**options):
        made.append(Receiver(**options))
        return made[-1]

    yield make
    for one in made:
        one.stop()


def _states(app):
    with app.app_context():
        return db.session.scalars(
            db.select(WebhookDelivery.state).order_by(WebhookDelivery.event_id)
        ).all()


def _endpoint(app):
    with app.app_context():
        endpoint = db.session.scalar(db.select(WebhookEndpoint))
        db.session.expunge(endpoint)
        return endpoint


def test_an_event_given_up_pauses_the_endpoint_tells_the_admin_and_resumes_in_order(
    private_ok, client, tokens, receiver, smtp
):
    app = private_ok
    inbox, settings = smtp
    app.config.update(settings)
    hook = receiver(answers=[500] * 100)
    secret = register(client, tokens, hook.url, ["site.status_changed"]).get_json()["secret"]
    set_status(client, tokens, "suspended", "first")
    start = utc_now()
    with app.app_context():
        moment = start
        while _states(app)[0] == "pending" and moment < start + timedelta(days=4):
            deliver_due(moment)
            moment += timedelta(hours=6)
    endpoint = _endpoint(app)
    assert not endpoint.active and endpoint.disabled_reason.startswith("paused:")
    # Later events wait for the endpoint, whatever happens meanwhile: none is sent.
    set_status(client, tokens, "recruiting", "second")
    set_status(client, tokens, "suspended", "third")
    sent = len(hook.received)
    with app.app_context():
        assert deliver_due(moment + timedelta(days=1)) == 0
    assert len(hook.received) == sent
    assert _states(app) == ["failed", "pending", "pending"]
    # The network admin is told, by mail and on the page.
    mails = inbox.to("reseau@example.org")
    assert mails and "pause" in text_of(mails[0])
    from tests.helpers import HttpsClient, csrf, login

    app.test_client_class = HttpsClient
    page_client = app.test_client()
    login(page_client, "reseau@example.org")
    page = page_client.get("/admin/webhooks")
    assert "En pause" in page.get_data(as_text=True)
    # Resumed: the given-up event first, then the two that waited, in order.
    hook.answers.clear()
    resumed = page_client.post(
        f"/admin/webhooks/{endpoint.id}/resume", data={"csrf_token": csrf(page)}
    )
    assert resumed.status_code == 302
    assert _endpoint(app).active
    del hook.received[:]
    with app.app_context():
        assert deliver_due() == 3
    reasons = [verified(secret, h, b)["data"]["reason"] for h, b in hook.received]
    assert reasons == ["first", "second", "third"]
    # Not paused any more: a second resume is refused by the API, and writes nothing.
    again = client.post(f"/api/v1/webhooks/{endpoint.id}/resume", headers=tokens["network"])
    assert again.status_code == 409


def test_a_410_leaves_nothing_pending(private_ok, client, tokens, receiver):
    app = private_ok
    hook = receiver(answers=[410])
    register(client, tokens, hook.url, ["site.status_changed"])
    set_status(client, tokens, "suspended", "one")
    set_status(client, tokens, "recruiting", "two")
    with app.app_context():
        assert deliver_due() == 1
    assert _states(app) == ["failed", "failed"]
    assert _endpoint(app).disabled_reason == "410 Gone"


def test_nothing_is_tried_past_the_three_day_window(private_ok, client, tokens, receiver):
    """A worker stopped for four days finds an old event: given up, never sent."""
    app = private_ok
    hook = receiver()
    register(client, tokens, hook.url, ["site.status_changed"])
    set_status(client, tokens, "suspended", "old")
    with app.app_context():
        assert deliver_due(utc_now() + THREE_DAYS + timedelta(minutes=1)) == 0
    assert hook.received == []
    assert _states(app) == ["failed"]
    assert _endpoint(app).disabled_reason.startswith("paused:")


def test_attempts_are_counted_in_sql(private_ok, client, tokens, receiver):
    """Another writer's increment between this worker's read and its write is kept."""
    app = private_ok
    hook = receiver(answers=[500])
    register(client, tokens, hook.url, ["site.status_changed"])
    set_status(client, tokens, "suspended", "x")
    import sitedir.events.delivery as delivery

    real_post = delivery.post

    def post_and_count_elsewhere(*args, **kwargs):
        db.session.execute(update(WebhookDelivery).values(attempts=WebhookDelivery.attempts + 5))
        db.session.commit()
        return real_post(*args, **kwargs)

    delivery.post = post_and_count_elsewhere
    try:
        with app.app_context():
            deliver_due()
            assert db.session.scalar(db.select(WebhookDelivery.attempts)) == 6
    finally:
        delivery.post = real_post


def test_sigterm_releases_the_lease_at_once(shared_app, receiver):
    """A worker stopped by SIGTERM mid-attempt leaves no lease: the next one starts at once."""
    app = shared_app
    app.config["WEBHOOKS_ALLOW_PRIVATE"] = True
    tokens = make_tokens(app)
    client = app.test_client()
    hook = receiver(hold_first=True)
    register(client, tokens, hook.url)
    set_status(client, tokens, "suspended", "Pause")
    env = {
        **os.environ,
        "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
        "SITEDIR_SEED_ON_START": "0",
        "SITEDIR_WEBHOOKS_ALLOW_PRIVATE": "1",
        "SITEDIR_WEBHOOKS_TIMEOUT": "2",
        "SITEDIR_WEBHOOKS_LEASE_SECONDS": "600",
        "SITEDIR_ACCESS_LOG": "0",
    }
    command = [sys.executable, "-m", "flask", "--app", "sitedir.app", "webhooks", "deliver"]
    worker = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        assert hook.first_seen.wait(30)
        with app.app_context():
            held = db.session.scalar(db.select(WebhookEndpoint.lease_until))
            db.session.remove()
        assert held is not None
        worker.send_signal(signal.SIGTERM)
        assert worker.wait(10) == 0, worker.stderr.read().decode()
    finally:
        if worker.poll() is None:
            worker.kill()
    with app.app_context():
        endpoint = db.session.scalar(db.select(WebhookEndpoint))
        assert endpoint.lease_owner is None and endpoint.lease_until is None
        delivery = db.session.scalar(db.select(WebhookDelivery))
        assert delivery.state == "pending" and delivery.attempts == 1
