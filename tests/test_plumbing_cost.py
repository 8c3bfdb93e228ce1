"""What every request's plumbing costs (issue 27 §1): one Redis round trip per counted
request, none for the rest; the access line written directly is the formatter's line."""

import io
import json
import logging
import os
import uuid

import pytest
import redis

from sitedir.app import create_app

REDIS = os.environ.get("SITEDIR_TEST_REDIS_URL", "redis://127.0.0.1:6379/14")


def _redis_up() -> bool:
    try:
        return redis.Redis.from_url(REDIS, socket_timeout=1).ping()
    except redis.RedisError:
        return False


@pytest.fixture
def redis_app():
    if not _redis_up():
        if os.environ.get("CI"):
            pytest.fail(f"Redis is not reachable at {REDIS}")
        pytest.skip(f"Redis is not reachable at {REDIS}")
    return create_app(
        {
            "SQLALCHEMY_DATABASE_URI": "sqlite://",
            "RATELIMIT_ENABLED": True,
            "RATELIMIT_STORAGE_URI": REDIS,
            # A prefix of this test's own: the shared Redis holds other counters.
            "RATELIMIT_KEY_PREFIX": f"plumbing-test-{uuid.uuid4().hex}",
            "RATELIMIT_PUBLIC": "4 per minute",
        }
    )


def _count_redis_calls(monkeypatch) -> list[str]:
    calls: list[str] = []
    original = redis.Redis.execute_command

    def counted(self, *args, **options):
        calls.append(str(args[0]))
        return original(self, *args, **options)

    monkeypatch.setattr(redis.Redis, "execute_command", counted)
    return calls


def test_a_counted_request_costs_one_redis_round_trip(redis_app, monkeypatch):
    client = redis_app.test_client()
    first = client.get("/api/v1/studies")  # loads the script into Redis
    assert first.headers["X-RateLimit-Remaining"] == "3"
    calls = _count_redis_calls(monkeypatch)
    answers = [client.get("/api/v1/studies") for _ in range(4)]
    # Each counted once, its X-RateLimit-* headers made from that same answer.
    assert calls == ["EVALSHA"] * 4
    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    assert [a.headers["X-RateLimit-Remaining"] for a in answers] == ["2", "1", "0", "0"]
    assert all(a.headers["X-RateLimit-Limit"] == "4" for a in answers)
    assert int(answers[-1].headers["Retry-After"]) > 0


def test_the_sliding_window_never_lets_one_more_through(redis_app):
    """Two apps (two processes) share the count; the limit holds exactly."""
    one, two = redis_app.test_client(), redis_app.test_client()
    codes = [(one if i % 2 else two).get("/api/v1/sites").status_code for i in range(6)]
    assert codes == [200, 200, 200, 200, 429, 429]


def test_requests_that_are_not_limited_never_reach_redis(redis_app, monkeypatch):
    client = redis_app.test_client()
    client.get("/api/v1/studies")
    calls = _count_redis_calls(monkeypatch)
    assert client.get("/healthz").status_code == 200
    # Static assets: not counted (they are not limited), no X-RateLimit headers.
    asset = client.get("/widget/static/widget.css")
    assert asset.status_code == 200 and "X-RateLimit-Limit" not in asset.headers
    assert calls == []


def test_the_access_line_written_directly_is_the_formatters(monkeypatch, tmp_path):
    """Without a handler added by the host, the line skips the logging module; it says
    what JsonFormatter would have said."""
    from sitedir.web import request_log

    app = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "RATELIMIT_ENABLED": False})
    out = tmp_path / "access.log"
    with open(out, "w") as stream:
        handler = request_log._DefaultHandler(stream)
        handler.setFormatter(request_log.JsonFormatter())
        monkeypatch.setattr(request_log.log, "handlers", [handler])
        assert request_log._direct_fd() == stream.fileno()
        response = app.test_client().get("/api/v1/sites", headers={"X-Request-ID": "abc-1"})
    [line] = out.read_text().splitlines()
    entry = json.loads(line)
    assert set(entry) == {
        "time",
        "level",
        "logger",
        "message",
        "request_id",
        "client_request_id",
        "method",
        "path",
        "status",
        "duration_ms",
    }
    assert entry["request_id"] == response.headers["X-Request-ID"]
    assert entry["client_request_id"] == "abc-1" and entry["status"] == 200
    assert (entry["level"], entry["logger"], entry["message"]) == (
        "INFO",
        "sitedir.access",
        "request",
    )
    # A handler the host added (or a test's) gets its records as before.
    seen = io.StringIO()
    extra = logging.StreamHandler(seen)
    monkeypatch.setattr(request_log.log, "handlers", [handler, extra])
    assert request_log._direct_fd() is None
