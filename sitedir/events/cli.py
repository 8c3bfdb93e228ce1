"""`flask webhooks deliver`: the worker that sends pending events to their endpoints.

It never dies of an error (the database stopped for a few seconds, a bug): it logs it,
backs off (doubling up to MAX_BACKOFF seconds) and goes on. SIGTERM ends it between
attempts, and its leases are released on the way out, so another worker resumes at once.
"""

import logging
import signal
import threading
from datetime import datetime

import click
from flask.cli import AppGroup
from sqlalchemy import update

from sitedir import jobs
from sitedir.audit import audit
from sitedir.domain.clock import as_utc, utc_now
from sitedir.events import epochs
from sitedir.events.delivery import deliver_due, new_owner
from sitedir.events.models import WebhookDelivery, WebhookEndpoint
from sitedir.extensions import db
from sitedir.models import Event

log = logging.getLogger(__name__)
webhooks_cli = AppGroup("webhooks", help="Signed webhooks: the delivery worker.")
feed_cli = AppGroup("feed", help="The change feed's cursors.")
MAX_BACKOFF = 60.0


def release_all(owner: str) -> None:
    """Release every lease this worker holds (never raises: they expire anyway)."""
    try:
        db.session.execute(
            update(WebhookEndpoint)
            .where(WebhookEndpoint.lease_owner == owner)
            .values(lease_owner=None, lease_until=None)
            .execution_options(synchronize_session=False)
        )
        db.session.commit()
    except Exception:
        log.exception("webhooks: leases not released (they expire by themselves)")
        db.session.rollback()


def run(once: bool, interval: float, moment, stop: threading.Event) -> int:
    """The worker's loop: deliver, sleep when idle, back off after an error."""
    owner, backoff, made = new_owner(), 0.0, 0
    runs = jobs.Throttled(jobs.WEBHOOKS, every=0 if once else 30)  # for /metrics
    try:
        while not stop.is_set():
            try:
                made = deliver_due(moment, owner=owner, stop=stop)
                backoff = 0.0
                runs(True)
            except Exception:
                backoff = min(MAX_BACKOFF, max(interval, backoff * 2 or 1.0))
                log.exception("webhooks: a round failed; next one in %.0f s", backoff)
                made = 0
                runs(False)
            finally:
                db.session.remove()
            if once:
                return made
            if backoff or not made:
                stop.wait(backoff or interval)
    finally:
        release_all(owner)
        db.session.remove()
    return made


@webhooks_cli.command("deliver")
@click.option("--once", is_flag=True, help="Deliver what is due, then exit.")
@click.option("--interval", default=1.0, show_default=True, help="Seconds between two looks.")
@click.option("--now", "now", default=None, hidden=True, help="ISO moment (tests).")
def deliver(once, interval, now):
    """Deliver due events until stopped (several workers may run at once)."""
    moment = as_utc(datetime.fromisoformat(now)) if now else None  # naive: UTC
    stop = threading.Event()

    def on_term(signum, frame):
        stop.set()  # the attempt under way ends within its deadline, then the leases go

    previous = signal.signal(signal.SIGTERM, on_term)
    try:
        made = run(once, interval, moment, stop)
    finally:
        signal.signal(signal.SIGTERM, previous)
    if once:
        click.echo(f"{made} attempt(s)")


@feed_cli.command("restored")
def feed_restored():
    """Run once after restoring a backup: cursors handed out before resume from the
    restored data's last event, so no event written from now on is skipped."""
    epoch, last = epochs.open_epoch()
    click.echo(f"feed epoch {epoch} opened after event {last}: earlier cursors resume from there")


@webhooks_cli.command("enable")
@click.argument("endpoint_id", type=int)
@click.option(
    "--since",
    "since_uid",
    default=None,
    help="Replay from after this event id (evt_…); default: from its first event not delivered.",
)
def enable(endpoint_id, since_uid):
    """Re-enable an endpoint (gone with a 410, an address refused, paused) and queue every
    event of its types it has not received, in order."""
    endpoint = db.session.get(WebhookEndpoint, endpoint_id)
    if endpoint is None or endpoint.disabled_reason == "deleted":
        raise click.ClickException(f"no webhook endpoint {endpoint_id} (or it was deleted)")
    after = _replay_from(endpoint, since_uid)
    before = {"active": endpoint.active, "disabled_reason": endpoint.disabled_reason}
    endpoint.active, endpoint.disabled_reason = True, None
    endpoint.lease_owner = endpoint.lease_until = None
    now = utc_now()
    owed = {
        d.event_id: d
        for d in db.session.scalars(
            db.select(WebhookDelivery).where(
                WebhookDelivery.endpoint_id == endpoint.id, WebhookDelivery.event_id > after
            )
        )
    }
    queued = 0
    for event in db.session.scalars(db.select(Event).where(Event.id > after).order_by(Event.id)):
        if event.type not in endpoint.events:
            continue
        delivery = owed.get(event.id)
        if delivery is None:  # written while the endpoint was off: never queued
            delivery = WebhookDelivery(endpoint_id=endpoint.id, event_id=event.id, attempts=0)
            db.session.add(delivery)
        elif delivery.state == "delivered":
            continue
        delivery.state, delivery.next_attempt_at, delivery.created_at = "pending", now, now
        queued += 1
    audit(None, "webhook.enable", f"webhook:{endpoint.id}", before, {"replay_after": after})
    db.session.commit()
    click.echo(f"endpoint {endpoint.id} enabled: {queued} event(s) queued, oldest first")


def _replay_from(endpoint, since_uid) -> int:
    """The event id to replay after: the one named, or the last delivered before the
    first that was not."""
    if since_uid:
        found = db.session.scalar(db.select(Event.id).where(Event.uid == since_uid))
        if found is None:
            raise click.ClickException(f"no event {since_uid}")
        return found
    first_missed = db.session.scalar(
        db.select(db.func.min(WebhookDelivery.event_id)).where(
            WebhookDelivery.endpoint_id == endpoint.id, WebhookDelivery.state != "delivered"
        )
    )
    delivered = WebhookDelivery.state == "delivered"
    query = db.select(db.func.max(WebhookDelivery.event_id)).where(
        WebhookDelivery.endpoint_id == endpoint.id, delivered
    )
    if first_missed is not None:
        query = query.where(WebhookDelivery.event_id < first_missed)
    last_delivered = db.session.scalar(query)
    if last_delivered is not None:
        return last_delivered
    # Nothing delivered yet: from the endpoint's registration.
    return (
        db.session.scalar(db.select(db.func.max(Event.id)).where(Event.at < endpoint.created_at))
        or 0
    )
