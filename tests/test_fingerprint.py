"""The fingerprint read on every public request, on connections of its own."""

import pytest
from sqlalchemy import create_engine, text

from sitedir.extensions import db
from sitedir.readmodel.fingerprint import FingerprintReader
from tests.helpers import ON_POSTGRES


@pytest.fixture
def file_app(shared_app):
    """An app on a database other connections reach too, and its URL."""
    return shared_app, shared_app.config["SQLALCHEMY_DATABASE_URI"]


def test_a_commit_elsewhere_shows_on_the_next_read(file_app):
    app, url = file_app
    with app.app_context():
        reader = FingerprintReader(db.engine)
        before = reader.read()
        assert before[0] == 9  # nine sites
        other = create_engine(url)  # another process, as far as the reader can tell
        with other.begin() as connection:
            connection.execute(text("UPDATE site SET version = version + 1 WHERE slug = 'nantes'"))
        other.dispose()
        after = reader.read()
        assert after[1] == before[1] + 1
        reader.close()


def test_a_broken_connection_is_dropped_and_the_next_read_opens_another(file_app):
    app, _ = file_app
    with app.app_context():
        reader = FingerprintReader(db.engine)
        reader.read()
        (connection,) = reader._idle
        connection.dbapi_connection.close()  # as if the server had gone away
        with pytest.raises(Exception):  # noqa: B017 - whatever the driver raises
            reader.read()
        assert reader._idle == []
        assert reader.read()[0] == 9
        reader.close()


def test_public_reads_use_it_and_in_memory_sqlite_keeps_the_session(file_app, app):
    file_app, _ = file_app
    file_app.test_client().get("/api/v1/sites")
    assert isinstance(file_app.extensions["sitedir_fingerprint"], FingerprintReader)
    if not ON_POSTGRES:  # the suite's own app is on in-memory SQLite
        app.test_client().get("/api/v1/sites")
        assert app.extensions["sitedir_fingerprint"] is False


def test_when_its_connection_fails_the_session_answers(file_app, monkeypatch):
    app, _ = file_app
    client = app.test_client()
    assert client.get("/api/v1/sites").status_code == 200

    def broken(self):
        raise OSError("connection reset")

    monkeypatch.setattr(FingerprintReader, "read", broken)
    response = client.get("/api/v1/sites")
    assert response.status_code == 200 and len(response.get_json()) == 9
