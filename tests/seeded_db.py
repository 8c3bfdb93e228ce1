"""The seeded database, built once per session (per xdist worker) and copied for each test.

The template is made the way production makes a database: the app's start-up runs every
Alembic migration (new ones included) and loads the test seeds. Each test then gets a copy:
- SQLite: the template's pages copied into the test's own database with the online backup
  API (`sqlite3.Connection.backup`), in memory or in a file;
- PostgreSQL: the worker's database made once from a template database
  (`CREATE DATABASE ... TEMPLATE`), then put back for each test by deleting every row and
  copying the template's rows and sequence values in again (about 0.1 s instead of 0.5-1.5 s
  for a new database, which checkpoints), unless the test changed the schema.
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


# The catalogue entries a test could change in the app's schema (tables, columns, defaults,
# constraints, indexes, triggers, functions, types, schemas, extensions), with their OIDs: a
# copy made with `CREATE DATABASE ... TEMPLATE` has the template's OIDs, and an object
# dropped and made again gets a new one.
SCHEMA_FINGERPRINT = """
SELECT md5(string_agg(item, ',' ORDER BY item)) FROM (
  SELECT concat_ws(':', 'n', n.oid, n.nspname) AS item FROM pg_namespace n
  UNION ALL SELECT concat_ws(':', 'c', c.oid, c.relname, c.relkind) FROM pg_class c
    JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public'
  UNION ALL SELECT concat_ws(':', 'a', a.attrelid, a.attnum, a.attname, a.atttypid,
      a.atttypmod, a.attnotnull, a.attisdropped, a.atthasdef)
    FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
    JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public'
  UNION ALL SELECT concat_ws(':', 'd', oid) FROM pg_attrdef
  UNION ALL SELECT concat_ws(':', 'k', oid, conname) FROM pg_constraint
  UNION ALL SELECT concat_ws(':', 't', oid, tgname, tgenabled) FROM pg_trigger
  UNION ALL SELECT concat_ws(':', 'p', p.oid) FROM pg_proc p
    JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = 'public'
  UNION ALL SELECT concat_ws(':', 'e', oid, extname, extversion) FROM pg_extension
  UNION ALL SELECT concat_ws(':', 'y', t.oid) FROM pg_type t
    JOIN pg_namespace n ON n.oid = t.typnamespace WHERE n.nspname = 'public'
) AS catalogue
"""


class SeededRows:
    """The template's rows (COPY's binary form) and sequence values, to put back in a copy."""

    def __init__(self, url: str):
        with psycopg.connect(url, connect_timeout=5) as connection:
            self.fingerprint = connection.execute(SCHEMA_FINGERPRINT).fetchone()[0]
            query = "SELECT quote_ident(tablename) FROM pg_tables WHERE schemaname = 'public'"
            self.tables = sorted(row[0] for row in connection.execute(query))
            self.rows = {}
            for table in self.tables:
                statement = f"COPY public.{table} TO STDOUT (FORMAT binary)"
                with connection.cursor().copy(statement) as copy:
                    self.rows[table] = b"".join(bytes(block) for block in copy)
            # A sequence never used has no last_value: setval(start, false) as it was.
            self.sequences = connection.execute(
                "SELECT 'public.' || quote_ident(sequencename),"
                " coalesce(last_value, start_value), last_value IS NOT NULL"
                " FROM pg_sequences WHERE schemaname = 'public'"
            ).fetchall()

    def put_back(self, url: str) -> bool:
        """Make the database at `url` hold the template's rows again, if its schema is still
        the template's; False (nothing changed) if it is not, or if the database cannot be
        reached (a test turned its connections off)."""
        try:
            with psycopg.connect(url, connect_timeout=5) as connection:
                # What a test left connected (a thread, a server it started) holds no lock
                # after this, as DROP DATABASE ... WITH (FORCE) made sure before.
                connection.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                    " WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )
                if connection.execute(SCHEMA_FINGERPRINT).fetchone()[0] != self.fingerprint:
                    return False
                connection.execute("SET LOCAL lock_timeout = '10s'")
                # A test database: nothing to lose in a server crash.
                connection.execute("SET LOCAL synchronous_commit = off")
                # Rows as they were, not as triggers and foreign keys would make them (the
                # copy holds what they made in the template), in any table order. DELETE,
                # not TRUNCATE: on these few rows TRUNCATE's new files cost ten times more.
                connection.execute("SET LOCAL session_replication_role = replica")
                # Every DELETE in one round trip (a statement list, no parameters), and
                # every setval in one SELECT: a round trip each was half of this method.
                connection.execute("; ".join(f"DELETE FROM public.{t}" for t in self.tables))
                for table in self.tables:
                    if self.rows[table]:
                        with connection.cursor().copy(
                            f"COPY public.{table} FROM STDIN (FORMAT binary)"
                        ) as copy:
                            copy.write(self.rows[table])
                if self.sequences:
                    calls = ", ".join("setval(%s, %s, %s)" for _ in self.sequences)
                    values = [value for sequence in self.sequences for value in sequence]
                    connection.execute(f"SELECT {calls}", values)
        except psycopg.Error:
            return False
        return True


class PostgresTemplate:
    """One database per worker (test_gw0...) copied from a seeded template database, then
    put back to the template's rows for each test (a new copy if the test changed the schema).

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
        libpq = base.set(drivername="postgresql")  # psycopg's own URLs, not SQLAlchemy's
        template_libpq = libpq.set(database=self.template).render_as_string(hide_password=False)
        self.seeded = SeededRows(template_libpq)
        self.libpq_url = libpq.set(database=self.name).render_as_string(hide_password=False)
        self.empty = False
        self.copied_for = None
        self.ensure_empty()

    def _execute(self, statement: str) -> None:
        with psycopg.connect(self.admin_url, autocommit=True, connect_timeout=5) as connection:
            connection.execute(statement)

    def app(self, test_id: str):
        """A seeded app on the template's data (whatever the last test left).

        A test's second app (`app` and `shared_app` together) shares its first one's copy.
        """
        if test_id != self.copied_for:
            if self.empty or not self.seeded.put_back(self.libpq_url):
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
