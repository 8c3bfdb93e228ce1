"""`flask webhooks deliver`: the worker that sends pending events to their endpoints."""

import time
from datetime import datetime

import click
from flask.cli import AppGroup

from sitedir.clock import as_utc
from sitedir.events.delivery import deliver_due
from sitedir.extensions import db

webhooks_cli = AppGroup("webhooks", help="Signed webhooks: the delivery worker.")


@webhooks_cli.command("deliver")
@click.option("--once", is_flag=True, help="Deliver what is due, then exit.")
@click.option("--interval", default=1.0, show_default=True, help="Seconds between two looks.")
@click.option("--now", "now", default=None, hidden=True, help="ISO moment (tests).")
def deliver(once, interval, now):
    """Deliver due events until stopped (several workers may run at once)."""
    moment = as_utc(datetime.fromisoformat(now)) if now else None  # naive: UTC
    while True:
        try:
            made = deliver_due(moment)
        finally:
            db.session.remove()
        if once:
            click.echo(f"{made} attempt(s)")
            return
        if not made:
            time.sleep(interval)
