"""`flask contact-requests purge`: delete requests older than the retention period."""

from datetime import datetime

import click
from flask.cli import AppGroup

from sitedir import jobs
from sitedir.contact import service

contact_cli = AppGroup("contact-requests", help="Contact requests from referring doctors.")


@contact_cli.command("purge")
@click.option(
    "--days", type=click.IntRange(min=1), help="Another age than SITEDIR_CONTACT_RETENTION_DAYS."
)
@click.option("--now", type=click.DateTime(formats=["%Y-%m-%dT%H:%M:%S%z"]), hidden=True)
@jobs.tracked(jobs.CONTACT_PURGE)
def purge(days: int | None, now: datetime | None) -> None:
    """Delete the requests made more than 90 days ago (SITEDIR_CONTACT_RETENTION_DAYS)."""
    deleted = service.purge(days, now)
    jobs.count(deleted=deleted)
    click.echo(f"{deleted} contact request(s) deleted")
