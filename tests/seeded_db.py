"""The seeded database, built once per session (per xdist worker) and copied for each test.

The template is made the way production makes a database: the app's start-up runs every
Alembic migration (new ones included) and loads the test seeds. Each test then gets a copy:
- SQLite: the template's pages copied into the test's own database with the online backup
  API (`sqlite3.Connection.backup`), in memory or in a file;
- PostgreSQL: the worker's database dropped and created again from a template database
  (`CREATE DATABASE ... TEMPLATE`).
tests/test_migrations.py still runs the migrations themselves, on databases of its own.
"""

import os
import sqlite3

import psycopg
from sqlalchemy import create_engine, make_url, text

from sitedir.app import create_app
from sitedir.extensions import db

# "gw0", "gw1"... under pytest-xdist; one name for a run without it.
WORKER = os.environ.get("PYTEST_XDIST_WORKER", "main")


def drop_everything(url: str) -> None:
    """Empty a PostgreSQL test database: a fresh schema for the next test."""
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()


def app_config(url: str, **extra) -> dict:
    """The settings of every test app: this database, a test key, rate limits off."""
    return {
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": url,
        "SECRET_KEY": "test",
        "RATELIMIT_ENABLED": False,  # tests/test_ratelimit.py turns them on
        **extra,
    }


def close_app(app) -> None:
    """Close every connection the app holds (its engine and its fingerprint reader)."""
    reader = app.extensions.get("sitedir_fingerprint")
    if reader:
        reader.close()
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def app_without_seeding(url: str):
    """An app on this database that neither migrates nor seeds it at start-up.

    SEED_ON_START goes back to the default afterwards: it is only read by create_app, and
    the app's settings then read as those of an app that seeded its database itself.
    """
    app = create_app(app_config(url, SEED_ON_START=False))
    app.config["SEED_ON_START"] = True
    return app


class SqliteTemplate:
    """A seeded SQLite database kept in memory, copied page by page into a test's."""

    def __init__(self):
        app = create_app(app_config("sqlite://"))  # migrations and seeds, as at a first start
        self.source = sqlite3.connect(":memory:", check_same_thread=False)
        with app.app_context():
            connection = db.engine.raw_connection()
            try:
                connection.driver_connection.backup(self.source)
            finally:
                connection.close()
        close_app(app)

    def copy_to_file(self, path) -> None:
        """Write the seeded database to a SQLite file."""
        target = sqlite3.connect(path)
        try:
            self.source.backup(target)
        finally:
            target.close()

    def app(self, url: str = "sqlite://"):
        """A seeded app on a fresh in-memory database, or on a new SQLite file URL."""
        if url == "sqlite://":
            app = app_without_seeding(url)
            with app.app_context():
                # One connection for every thread (StaticPool): the app's whole database.
                connection = db.engine.raw_connection()
                try:
                    self.source.backup(connection.driver_connection)
                finally:
                    connection.close()
            return app
        self.copy_to_file(make_url(url).database)
        return app_without_seeding(url)

    def close(self) -> None:
        self.source.close()


class PostgresTemplate:
    """One database per worker (test_gw0...) made afresh from a seeded template database.

    Both live on the server of the configured test database, named after it (`test` in CI:
    `test_gw0` and `test_gw0_template`), and are dropped at the end of the session.
    """

    def __init__(self, base_url: str):
        base = make_url(base_url)
        self.admin_url = base.set(drivername="postgresql").render_as_string(hide_password=False)
        self.name = f"{base.database}_{WORKER}"
        self.template = f"{self.name}_template"
        self.url = base.set(database=self.name).render_as_string(hide_password=False)
        template_url = base.set(database=self.template).render_as_string(hide_password=False)
        self._execute(f'DROP DATABASE IF EXISTS "{self.template}" WITH (FORCE)')
        self._execute(f'CREATE DATABASE "{self.template}"')
        app = create_app(app_config(template_url))  # migrations and seeds, as at a first start
        close_app(app)
        self.empty = False
        self.copied_for = None
        self.ensure_empty()

    def _execute(self, statement: str) -> None:
        with psycopg.connect(self.admin_url, autocommit=True, connect_timeout=5) as connection:
            connection.execute(statement)

    def app(self, test_id: str):
        """A seeded app on a fresh copy of the template (whatever the last test left).

        A test's second app (`app` and `shared_app` together) shares its first one's copy.
        """
        if test_id != self.copied_for:
            # FORCE: a connection a test left open (a thread, a subprocess) cannot block it.
            self._execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')
            self._execute(f'CREATE DATABASE "{self.name}" TEMPLATE "{self.template}"')
            self.copied_for = test_id
            self.empty = False
        return app_without_seeding(self.url)

    def ensure_empty(self) -> None:
        """An empty schema for a test that builds its own app on the database, as before.

        Only `public` is emptied: PostGIS stays in its own schema, as on a server where it
        was installed before the first `flask db upgrade`.
        """
        if not self.empty:
            if not self.exists():
                self._execute(f'CREATE DATABASE "{self.name}" TEMPLATE "{self.template}"')
            drop_everything(self.url)
            self.empty = True
            self.copied_for = None

    def exists(self) -> bool:
        with psycopg.connect(self.admin_url, connect_timeout=5) as connection:
            query = "SELECT 1 FROM pg_database WHERE datname = %s"
            return connection.execute(query, (self.name,)).fetchone() is not None

    def close(self) -> None:
        self._execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')
        self._execute(f'DROP DATABASE IF EXISTS "{self.template}" WITH (FORCE)')
