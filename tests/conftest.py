"""Fixtures: a real, seeded database per test.

SQLite in memory by default; set SITEDIR_TEST_DATABASE_URL (e.g.
postgresql://postgres@127.0.0.1:5432/test) to run the same suite on PostgreSQL.
A PostgreSQL that does not answer fails the run in CI (CI=true) and skips it elsewhere.
"""

import os

import pytest
from sqlalchemy import create_engine, text

from sitedir.app import create_app
from sitedir.config import normalise_database_url
from sitedir.extensions import db

# Accounts and tokens for the admin tests (the `tokens` fixture).
pytest_plugins = ["tests.admin_fixtures"]

TEST_DATABASE_URL = normalise_database_url(os.environ.get("SITEDIR_TEST_DATABASE_URL", "sqlite://"))
ON_POSTGRES = TEST_DATABASE_URL.startswith("postgresql")


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
        _drop_everything(TEST_DATABASE_URL)
    return TEST_DATABASE_URL


def _drop_everything(url):
    """Empty a PostgreSQL test database: a fresh schema for the next test."""
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()


def _seeded_app(url: str):
    return create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": url,
            "SECRET_KEY": "test",
            "RATELIMIT_ENABLED": False,  # tests/test_ratelimit.py turns them on
        }
    )


def _tear_down(app, database_url):
    """Close every connection the app holds, then empty PostgreSQL for the next test."""
    reader = app.extensions.get("sitedir_fingerprint")
    if reader:
        reader.close()
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    if ON_POSTGRES:
        _drop_everything(database_url)


@pytest.fixture
def app(database_url):
    """A seeded app on a fresh database."""
    app = _seeded_app(database_url)
    yield app
    _tear_down(app, database_url)


@pytest.fixture
def shared_app(database_url, tmp_path):
    """A seeded app on a database that other connections and threads reach too.

    The in-memory SQLite of the other tests is one connection shared by every thread (one
    writer's rollback would undo another's work); here it is a SQLite file, or PostgreSQL.
    """
    app = _seeded_app(database_url if ON_POSTGRES else f"sqlite:///{tmp_path / 'shared.db'}")
    yield app
    _tear_down(app, database_url)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


def assert_problem(response, status):
    """Assert the response is an RFC 9457 problem with this status, and return its body."""
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/problem+json"
    body = response.get_json()
    assert body["status"] == status
    assert body["title"]
    assert "detail" in body
    return body
