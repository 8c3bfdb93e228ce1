"""Fixtures: a real, seeded database per test.

SQLite in memory by default; set SITEDIR_TEST_DATABASE_URL (e.g.
postgresql://postgres@127.0.0.1:5432/test) to run the same suite on PostgreSQL, on a
database per worker made next to it (`test_gw0`...). A PostgreSQL that does not answer
fails the run in CI (CI=true) and skips it elsewhere.

Each test's database is a copy of a seeded template built once per session by the app's
own start-up (every migration, then the seeds): see tests/seeded_db.py.
"""

import os

import pytest
from sqlalchemy import create_engine, text

from tests.helpers import ON_POSTGRES, TEST_DATABASE_URL, TEST_SEEDS
from tests.seeded_db import PostgresTemplate, SqliteTemplate, close_app

# For every app the tests make, in this process or in the servers and workers they start:
# the tests' own frozen copy of the seeds (a correction to seeds/ breaks no test; the tests
# of the shipped seeds themselves read seeds/), and argon2's cheapest cost (a hash in
# microseconds, not 0.1 s).
os.environ.update(
    SITEDIR_ENV="test",  # SECRET_KEY may be left unset (a random key per app)
    SITEDIR_SEEDS_DIR=str(TEST_SEEDS),
    SITEDIR_ARGON2_TIME_COST="1",
    SITEDIR_ARGON2_MEMORY_KIB="8",
    SITEDIR_ARGON2_PARALLELISM="1",
)

# Accounts and tokens for the admin tests (the `tokens` fixture); three studies for the
# study tests (`three_studies`).
pytest_plugins = ["tests.admin_fixtures", "tests.study_fixtures"]


def pytest_report_header(config):
    return f"sitedir test database: {TEST_DATABASE_URL}"


# The fixtures through which a test reaches the suite's database, SQLite or PostgreSQL
# (`app`, `client`, `runner`, `tokens`, `shared_app`... all depend on the first).
DATABASE_FIXTURES = {"seeded_template", "database_url"}
# Tests that make their own apps on SQLite, whatever the suite's database.
ON_SQLITE_ANYWAY = ("tests/browser/", "tests/test_fuzz.py")


@pytest.hookimpl(tryfirst=True)  # before `-m` selects
def pytest_collection_modifyitems(config, items):
    """Mark `sqlite_only` what PostgreSQL cannot change: CI's PostgreSQL pass skips it.

    That is every test that reaches no database through the fixtures above, unless marked
    `database` (a test that reaches it another way), and the fuzz and browser tests.
    """
    for item in items:
        path = item.path.relative_to(config.rootpath).as_posix()
        reaches = DATABASE_FIXTURES & set(getattr(item, "fixturenames", ()))
        if path.startswith(ON_SQLITE_ANYWAY) or not (
            reaches or item.get_closest_marker("database")
        ):
            item.add_marker(pytest.mark.sqlite_only)


def _check_reachable(url):
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception as exc:  # any failure means "not reachable"
        message = f"PostgreSQL is not reachable at {url}: {exc}"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    finally:
        engine.dispose()


class SlowFirst:
    """The slow tests first (a stable sort: each file keeps its order), after pytest's own
    reordering by fixture: on several workers they start at once, instead of one of them
    ending the run alone."""

    @pytest.hookimpl(trylast=True)
    def pytest_collection_modifyitems(self, items):
        items.sort(key=lambda item: item.get_closest_marker("slow") is None)


def pytest_configure(config):
    config.pluginmanager.register(SlowFirst(), "sitedir-slow-first")


@pytest.fixture(scope="session")
def seeded_template():
    """The seeded database every test copies: built on first use, once per worker."""
    if ON_POSTGRES:
        _check_reachable(TEST_DATABASE_URL)
        template = PostgresTemplate(TEST_DATABASE_URL)
    else:
        template = SqliteTemplate()
    yield template
    template.close()


@pytest.fixture(scope="session")
def database_url(seeded_template):
    """The test database URL: in-memory SQLite, or this worker's PostgreSQL database."""
    return seeded_template.url if ON_POSTGRES else TEST_DATABASE_URL


@pytest.fixture(autouse=True)
def _empty_postgres_for_own_apps(request):
    """On PostgreSQL, a test that builds its own app on `database_url` finds it empty.

    An `app` leaves its copy behind (the next `app` replaces it): emptied only for the
    tests that need it, as every test found it before the template.
    """
    names = request.fixturenames
    if ON_POSTGRES and "database_url" in names and not {"app", "shared_app"} & set(names):
        request.getfixturevalue("seeded_template").ensure_empty()


@pytest.fixture
def app(seeded_template, request):
    """A seeded app on a fresh database."""
    app = seeded_template.app(request.node.nodeid) if ON_POSTGRES else seeded_template.app()
    yield app
    close_app(app)


@pytest.fixture
def shared_app(seeded_template, tmp_path, request):
    """A seeded app on a database that other connections and threads reach too.

    The in-memory SQLite of the other tests is one connection shared by every thread (one
    writer's rollback would undo another's work); here it is a SQLite file, or PostgreSQL.
    """
    if ON_POSTGRES:
        app = seeded_template.app(request.node.nodeid)
    else:
        app = seeded_template.app(f"sqlite:///{tmp_path / 'shared.db'}")
    yield app
    close_app(app)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()
