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


def test_readyz_is_503_while_draining_and_ready_again_after(app, client, tmp_path):
    app.config["DRAIN_FILE"] = str(tmp_path / "run" / "draining")
    runner = app.test_cli_runner()
    assert client.get("/readyz").status_code == 200
    result = runner.invoke(args=["drain", "on"])
    assert result.exit_code == 0 and "draining" in result.output
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.get_json()["status"] == "draining"
    # Still serving what comes: only new traffic is sent elsewhere.
    assert client.get("/healthz").status_code == 200
    assert client.get("/api/v1/sites").status_code == 200
    assert "draining" in runner.invoke(args=["drain", "status"]).output
    result = runner.invoke(args=["drain", "off"])
    assert result.exit_code == 0 and "serving" in result.output
    assert client.get("/readyz").status_code == 200
    assert runner.invoke(args=["drain", "off"]).exit_code == 0  # twice: no error
