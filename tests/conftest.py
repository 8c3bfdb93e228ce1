"""Fixtures: a real, seeded database per test.

SQLite in memory by default; set SITEDIR_TEST_DATABASE_URL (e.g.
postgresql://postgres@127.0.0.1:5432/test) to run the same suite on PostgreSQL.
A PostgreSQL that does not answer fails the run in CI (CI=true) and skips it elsewhere.
"""

import os

import pytest
from sqlalchemy import create_engine, text

from tests.helpers import ON_POSTGRES, TEST_DATABASE_URL, drop_everything, seeded_app, tear_down

# Accounts and tokens for the admin tests (the `tokens` fixture); three studies for the
# study tests (`three_studies`).
pytest_plugins = ["tests.admin_fixtures", "tests.study_fixtures"]


def pytest_report_header(config):
    return f"sitedir test database: {TEST_DATABASE_URL}"


@pytest.fixture(scope="session")
def database_url():
    """The test database URL, after checking that the server answers."""
    if ON_POSTGRES:
        engine = create_engine(TEST_DATABASE_URL)
        try:
            with engine.connect() as connection:
                connection.execute(text("SELECT 1"))
        except Exception as exc:  # any failure means "not reachable"
            message = f"PostgreSQL is not reachable at {TEST_DATABASE_URL}: {exc}"
            if os.environ.get("CI"):
                pytest.fail(message)
            pytest.skip(message)
        finally:
            engine.dispose()
        drop_everything(TEST_DATABASE_URL)
    return TEST_DATABASE_URL


@pytest.fixture
def app(database_url):
    """A seeded app on a fresh database."""
    app = seeded_app(database_url)
    yield app
    tear_down(app, database_url)


@pytest.fixture
def shared_app(database_url, tmp_path):
    """A seeded app on a database that other connections and threads reach too.

    The in-memory SQLite of the other tests is one connection shared by every thread (one
    writer's rollback would undo another's work); here it is a SQLite file, or PostgreSQL.
    """
    app = seeded_app(database_url if ON_POSTGRES else f"sqlite:///{tmp_path / 'shared.db'}")
    yield app
    tear_down(app, database_url)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()
