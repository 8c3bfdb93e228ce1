"""The schema, made and kept by the migrations alone, and the first seed of an empty database.

Every path that creates tables (start-up, `flask init-db`, `flask seed load`) goes through
Alembic: a schema made by `create_all()` carries no revision, and the next start would try
to create its tables again ("table account already exists").
"""

import os

from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import Flask, current_app
from flask_migrate import stamp, upgrade
from sqlalchemy import inspect
from sqlalchemy.exc import IntegrityError

from sitedir.extensions import db
from sitedir.seeding import seed_if_empty

MIGRATIONS_DIR = os.path.join(os.path.dirname(os.path.dirname(__file__)), "migrations")
FIRST_REVISION = "1209f3de6252"  # the directory tables, as db.create_all() used to make them


def upgrade_schema() -> None:
    """Bring the current app's database to the latest revision (in an app context).

    A database made before migrations existed (directory tables, no revision) is adopted
    as the first revision, then upgraded like any other.
    """
    with db.engine.connect() as connection:
        tables = set(inspect(connection).get_table_names())
        revision = MigrationContext.configure(connection).get_current_revision()
    if "site" in tables and revision is None:
        stamp(directory=MIGRATIONS_DIR, revision=FIRST_REVISION)
    upgrade(directory=MIGRATIONS_DIR)


def seed_empty_database() -> dict | None:
    """Seed the current app's database if it is empty; return the counts, or None."""
    try:
        return seed_if_empty(current_app.config["SEEDS_DIR"])
    except IntegrityError:
        # Another process seeded the same database a moment before us.
        db.session.rollback()
        return None


def prepare_database(app: Flask) -> None:
    """Bring the schema up to date and seed an empty database; never overwrite data."""
    with app.app_context():
        upgrade_schema()
        counts = seed_empty_database()
        if counts:
            app.logger.info("seeded an empty database: %s", counts)


UPGRADE_COMMAND = "flask --app sitedir.app db upgrade"


def schema_problem(app: Flask) -> str | None:
    """Why a server cannot start on this app's database yet, in one line; None when it can.

    A database with no schema, or one older than the code's migrations, is what a deploy
    that runs `db upgrade` before the instances start (SITEDIR_SEED_ON_START=false) sees
    when that step was skipped: say which command to run, not a traceback from the snapshot.
    """
    with app.app_context(), db.engine.connect() as connection:
        current = set(MigrationContext.configure(connection).get_current_heads())
    heads = set(ScriptDirectory(MIGRATIONS_DIR).get_heads())
    if current == heads:
        return None
    if not current:
        state = "has no schema"
    else:
        found, needed = ", ".join(sorted(current)), ", ".join(sorted(heads))
        state = f"is at revision {found}, the code needs {needed}"
    return f"sitedir: the database {state}: run `{UPGRADE_COMMAND}` before starting the server"
