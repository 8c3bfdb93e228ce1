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

from sitedir.clock import as_utc
from sitedir.events.delivery import deliver_due, new_owner
from sitedir.events.models import WebhookEndpoint
from sitedir.extensions import db

log = logging.getLogger(__name__)
webhooks_cli = AppGroup("webhooks", help="Signed webhooks: the delivery worker.")
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
    try:
        while not stop.is_set():
            try:
                made = deliver_due(moment, owner=owner, stop=stop)
                backoff = 0.0
            except Exception:
                backoff = min(MAX_BACKOFF, max(interval, backoff * 2 or 1.0))
                log.exception("webhooks: a round failed; next one in %.0f s", backoff)
                made = 0
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
