"""The `flask` command-line interface: database, backup, seeds, stale statuses."""

import json
import os
import sqlite3

import click
import yaml
from flask import Flask, current_app
from flask.cli import AppGroup, with_appcontext

from sitedir import engine
from sitedir.ctgov.cli import studies_cli
from sitedir.database import upgrade_schema
from sitedir.domain import clock
from sitedir.domain.staleness import is_stale
from sitedir.extensions import db
from sitedir.models import Site
from sitedir.reminders.sending import reminders_cli, staleness_options
from sitedir.seeding import SeedError, export_seeds, read_seeds, seed_if_empty
from sitedir.web.drain import drain_command

seed_cli = AppGroup("seed", help="Load, check and export the directory's seeds.")


@click.command("init-db")
@with_appcontext
def init_db_command():
    """Create or upgrade the tables (migrations) and seed an empty database."""
    upgrade_schema()
    counts = seed_if_empty(current_app.config["SEEDS_DIR"])
    click.echo(f"seeded: {counts}" if counts else "database already holds data: left as it is")


@seed_cli.command("check")
@click.option("--dir", "seeds_dir", default=None, help="Seeds folder (default: seeds/).")
def seed_check(seeds_dir):
    """Validate the seed files without touching the database."""
    seeds_dir = seeds_dir or current_app.config["SEEDS_DIR"]
    try:
        data = read_seeds(seeds_dir)
    except SeedError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(", ".join(f"{name}: {len(records)} records" for name, records in data.items()))


@seed_cli.command("load")
def seed_load():
    """Load the seeds into an empty database (refuses to overwrite data)."""
    upgrade_schema()
    try:
        counts = seed_if_empty(current_app.config["SEEDS_DIR"])
    except SeedError as exc:
        raise click.ClickException(str(exc)) from exc
    if counts is None:
        raise click.ClickException("the database already holds data: nothing loaded")
    click.echo(f"loaded: {counts}")


@seed_cli.command("export")
@click.argument("out_dir", type=click.Path(file_okay=False))
def seed_export(out_dir):
    """Write the database's directory as seed files into OUT_DIR."""
    os.makedirs(out_dir, exist_ok=True)
    for filename, records in export_seeds().items():
        path = os.path.join(out_dir, filename)
        with open(path, "w", encoding="utf-8") as handle:
            yaml.safe_dump(
                json.loads(json.dumps(records, default=str)),
                handle,
                allow_unicode=True,
                sort_keys=False,
            )
        click.echo(f"{path}: {len(records)} records")


@click.command("stale")
@with_appcontext
@staleness_options  # the same --days and --now as `flask reminders send`
def stale_command(days, moment):
    """List the sites whose status is stale, as doctors see it (whole days in Paris)."""
    days = days or current_app.config["STALE_DAYS"]
    now = moment or clock.utc_now()
    today = clock.in_paris(now).date()
    stale = 0
    for site in db.session.scalars(db.select(Site).order_by(Site.slug)):
        if is_stale(site.status_confirmed_at, today, days):
            stale += 1
            confirmed = site.status_confirmed_at
            when = clock.in_paris(confirmed).date().isoformat() if confirmed else "never"
            click.echo(f"{site.slug}\t{site.status}\tlast confirmed: {when}")
    click.echo(f"{stale} site(s) not confirmed for more than {days} days")


@click.command("backup")
@click.argument("destination", type=click.Path(dir_okay=False, writable=True))
@with_appcontext
def backup_command(destination):
    """Copy the SQLite database, whole and consistent, while the app keeps serving.

    SQLite's online backup API: a copy of one moment, taken page by page, that writers do
    not have to stop for (copying the file could catch a write half-made, or miss the WAL).
    On PostgreSQL, use pg_dump (docs/OPERATIONS.md).
    """
    source = engine.sqlite_file(current_app.config["SQLALCHEMY_DATABASE_URI"])
    if source is None:
        raise click.ClickException(
            "flask backup copies a SQLite file; on PostgreSQL use pg_dump (docs/OPERATIONS.md)"
        )
    if os.path.exists(destination):
        raise click.ClickException(f"{destination} exists: choose a new file")
    with (
        sqlite3.connect(f"file:{source}?mode=ro", uri=True) as src,
        sqlite3.connect(destination) as dest,
    ):
        src.backup(dest, pages=1024)  # in steps: writers get the lock between them
        check = dest.execute("PRAGMA integrity_check").fetchone()[0]
    src.close()
    dest.close()
    if check != "ok":
        raise click.ClickException(f"the copy failed its integrity check: {check}")
    click.echo(f"backed up {source} to {destination} (integrity check: ok)")


def register_cli(app: Flask) -> None:
    """Attach the sitedir commands to `flask`."""
    app.cli.add_command(init_db_command)
    app.cli.add_command(backup_command)
    app.cli.add_command(drain_command)
    app.cli.add_command(seed_cli)
    app.cli.add_command(stale_command)
    app.cli.add_command(studies_cli)
    app.cli.add_command(reminders_cli)
