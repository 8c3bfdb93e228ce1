"""Liveness and readiness probes."""

from sqlalchemy.exc import OperationalError

from sitedir.web import health


def test_healthz(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}


def test_readyz_when_everything_answers(client):
    body = client.get("/readyz").get_json()
    assert body["status"] == "ready"
    assert body["checks"]["database"] == "ok"
    assert body["checks"]["gazetteer"].startswith("ok (")


def test_readyz_is_503_when_the_database_is_gone(app, client, monkeypatch):
    def broken(*args, **kwargs):
        raise OperationalError("SELECT 1", {}, Exception("connection refused"))

    # The check's own read (tests/test_faults.py takes a real database away).
    monkeypatch.setattr(health, "_read_a_table", broken)
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.get_json()["checks"]["database"] == "error: OperationalError"
