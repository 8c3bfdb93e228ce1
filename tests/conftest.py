"""Fixtures: a real, seeded database per test (SQLite in memory by default)."""

import os

import pytest

from sitedir import create_app
from sitedir.extensions import db

TEST_DATABASE_URL = os.environ.get("SITEDIR_TEST_DATABASE_URL", "sqlite://")


@pytest.fixture
def app(tmp_path):
    """A seeded app on a fresh database."""
    app = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": TEST_DATABASE_URL,
            "SECRET_KEY": "test",
        }
    )
    yield app
    with app.app_context():
        db.session.remove()
        if TEST_DATABASE_URL != "sqlite://":
            db.drop_all()


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
