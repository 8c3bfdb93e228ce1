"""Logs (issue 24.12): one JSON line per record on every logger, with the request id, the
traceback folded and bounded, tokens masked; infrastructure errors once per outage."""

import importlib.util
import io
import json
import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy.exc import OperationalError

from sitedir import logs

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def lines():
    """What the root logger writes through sitedir's formatter, as it would on stderr."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logs.JsonFormatter())
    root = logging.getLogger()
    root.addHandler(handler)
    before = root.level
    root.setLevel(logging.INFO)
    yield lambda: [line for line in stream.getvalue().split("\n") if line]
    root.removeHandler(handler)
    root.setLevel(before)


def test_an_unhandled_error_is_one_json_line_with_the_request_id(app, lines):
    @app.get("/admin/password/<token>/test-bug")
    def _bug(token):
        def deeper(n):
            if n:
                return deeper(n - 1)
            raise KeyError("bug at /admin/password/" + token)

        return deeper(200)  # a traceback of some 600 lines

    app.config["PROPAGATE_EXCEPTIONS"] = False
    response = app.test_client().get("/admin/password/sEcReTtOkEn123/test-bug")
    assert response.status_code == 500
    errors = [json.loads(line) for line in lines() if '"ERROR"' in line]
    assert len(errors) == 1, errors  # not Flask's line and the app's line both
    entry = errors[0]
    assert entry["request_id"] == response.headers["X-Request-ID"]
    assert entry["exception"]["type"] == "KeyError"
    assert len(entry["exception"]["traceback"]) <= logs.TRACEBACK_CHARS + 1
    assert "raise KeyError" in entry["exception"]["traceback"]  # the end is what is kept
    whole = "\n".join(lines())
    assert "sEcReTtOkEn123" not in whole and "/admin/password/<token>" in whole


def test_a_database_outage_is_logged_when_it_starts_and_when_it_ends(app, lines):
    failing = {"on": True}

    @app.get("/test-db-blip")
    def _blip():
        if failing["on"]:
            raise OperationalError("SELECT 1", {}, Exception("server closed the connection"))
        return "ok"

    client = app.test_client()
    for _ in range(20):
        assert client.get("/test-db-blip").status_code == 503
    failing["on"] = False
    assert client.get("/api/v1/sites").status_code == 200  # a checkout: it answers
    for _ in range(5):
        client.get("/api/v1/sites")
    outage = [json.loads(x) for x in lines() if '"sitedir.dependencies"' in x]
    assert [(e["state"], e["dependency"]) for e in outage] == [
        ("down", "database"),
        ("up", "database"),
    ]
    assert outage[1]["failures"] == 20


def test_redis_errors_swallowed_by_the_limiter_are_one_line_per_outage(lines):
    import redis.exceptions

    limiter_log = logging.getLogger("flask-limiter")
    limiter_log.addFilter(guard := logs.OncePerOutage())
    try:
        for _ in range(10):
            try:
                raise redis.exceptions.ConnectionError("Connection refused")
            except redis.exceptions.ConnectionError:
                limiter_log.exception("Failed to rate limit. Swallowing error")
        logs.dependencies.up("redis")
    finally:
        limiter_log.removeFilter(guard)
    written = lines()
    assert not any("Swallowing" in line for line in written)
    states = [json.loads(x)["state"] for x in written if '"sitedir.dependencies"' in x]
    assert states == ["down", "up"]


def test_gunicorn_logs_through_the_same_formatter():
    spec = importlib.util.spec_from_file_location("gunicorn_conf", ROOT / "gunicorn.conf.py")
    conf = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(conf)
    formatter = conf.logconfig_dict["formatters"]["json"]["()"]
    assert formatter == "sitedir.logs.JsonFormatter"
    assert conf.logconfig_dict["loggers"]["gunicorn.error"]["propagate"] is True


def test_the_webhook_worker_logs_a_database_error_as_one_json_line(tmp_path):
    # The worker against a database that refuses connections: its error log, on stderr.
    env = {
        **os.environ,
        "DATABASE_URL": "postgresql://nobody@127.0.0.1:1/none",
        "SITEDIR_SEED_ON_START": "false",
    }
    env.pop("SITEDIR_LOG_FORMAT", None)
    done = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "sitedir.app", "webhooks", "deliver", "--once"],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    written = [line for line in done.stderr.splitlines() if line.strip()]
    assert written, done
    entries = [json.loads(line) for line in written]  # every line is JSON
    failed = [e for e in entries if e["level"] == "ERROR"]
    assert failed and failed[0]["logger"] == "sitedir.events.cli"
    assert "OperationalError" in failed[0]["exception"]["type"]


def test_text_format_is_one_line_too():
    formatter = logs.TextFormatter("%(levelname)s %(message)s")
    try:
        raise ValueError("boom")
    except ValueError:
        record = logging.LogRecord(
            "x", logging.ERROR, __file__, 1, "at /admin/invitation/abc", (), sys.exc_info()
        )
    line = formatter.format(record)
    assert "\n" not in line and "ValueError: boom" in line and "abc" not in line


def test_a_full_disk_is_one_outage_until_a_write_commits(app, tokens, lines):
    full = {"on": True}

    @app.get("/test-disk-full")
    def _full():
        if full["on"]:
            raise OperationalError("INSERT", {}, Exception("database or disk is full"))
        return "ok"

    client = app.test_client()
    for _ in range(5):  # each request checks a connection out: the disk is still full
        assert client.get("/test-disk-full").status_code == 503
        assert client.get("/api/v1/sites").status_code == 200
    full["on"] = False
    _last_refusal_ago(11)  # the outage ends once no write was refused for 10 s
    confirm = client.post("/api/v1/sites/clermont-ferrand/confirm", headers=tokens["own"])
    assert confirm.status_code == 200
    outage = [json.loads(x) for x in lines() if '"sitedir.dependencies"' in x]
    assert [(e["state"], e["dependency"]) for e in outage] == [
        ("down", "database writes"),
        ("up", "database writes"),
    ]


def _last_refusal_ago(seconds: float) -> None:
    """Date the current write outage's last refusal `seconds` back."""
    logs.dependencies._down["database writes"]["last"] -= seconds


def test_a_disk_that_takes_some_writes_is_still_one_outage(app, tokens, lines):
    """A full PostgreSQL disk takes a token's UPDATE (it fits its page) and refuses the
    INSERTs after it: bench/faults/postgres_disk.py logged a `failed` and an `answers
    again` line for every refused write."""
    from sitedir.admin.models import ApiToken
    from sitedir.domain.clock import utc_now
    from sitedir.extensions import db

    full = {"on": True}

    @app.get("/test-half-full")
    def _half_full():
        token = db.session.scalars(db.select(ApiToken)).first()
        token.last_used_at = utc_now()
        db.session.commit()  # taken: no new page needed
        if full["on"]:
            raise OperationalError(
                "INSERT", {}, Exception('could not extend file "base/1/2": No space left on device')
            )
        return "ok"

    def outage():
        entries = [json.loads(x) for x in lines() if '"sitedir.dependencies"' in x]
        return [(e["state"], e["dependency"], e.get("failures")) for e in entries]

    client = app.test_client()
    for _ in range(5):
        assert client.get("/test-half-full").status_code == 503
    assert outage() == [("down", "database writes", None)]
    full["on"] = False
    assert client.get("/test-half-full").status_code == 200
    assert outage() == [("down", "database writes", None)]  # refused 0 s ago: not over yet
    _last_refusal_ago(11)
    assert client.get("/test-half-full").status_code == 200
    assert outage() == [("down", "database writes", None), ("up", "database writes", 5)]
