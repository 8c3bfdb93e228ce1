"""Safe to expose: real clients behind proxies, bounded bodies, hostile parameters, one
way to make the schema, and no server that multiplies its own rate limits."""

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, text

from sitedir.app import create_app
from sitedir.database import MIGRATIONS_DIR
from sitedir.web.ratelimit import unshared_counters_problem
from tests.helpers import assert_problem

ROOT = Path(__file__).resolve().parent.parent


def _limited_app(**config):
    return create_app(
        {
            "SQLALCHEMY_DATABASE_URI": "sqlite://",
            "RATELIMIT_ENABLED": True,
            "RATELIMIT_STORAGE_URI": "memory://",
            "RATELIMIT_PUBLIC": "2 per minute",
            **config,
        }
    )


def _statuses(client, forwarded_for, times=3):
    headers = {"X-Forwarded-For": forwarded_for}
    return [client.get("/api/v1/studies", headers=headers).status_code for _ in range(times)]


def test_behind_one_proxy_each_client_has_its_own_budget():
    client = _limited_app(PROXY_HOPS=1).test_client()
    assert _statuses(client, "198.51.100.7") == [200, 200, 429]
    # Another patient's doctor, through the same proxy (the same TCP peer), is not refused.
    assert _statuses(client, "203.0.113.9", times=1) == [200]


def test_without_proxy_hops_x_forwarded_for_changes_nothing():
    client = _limited_app(PROXY_HOPS=0).test_client()
    assert _statuses(client, "198.51.100.7", times=2) == [200, 200]
    # A client cannot buy a new budget by inventing a header.
    assert _statuses(client, "203.0.113.9", times=1) == [429]


def test_proxy_hops_only_trusts_the_address_the_proxy_appended():
    client = _limited_app(PROXY_HOPS=1).test_client()
    # The client forges the left part; the proxy appends the real address on the right.
    assert _statuses(client, "10.9.9.1, 198.51.100.7", times=2) == [200, 200]
    assert _statuses(client, "10.9.9.2, 198.51.100.7", times=1) == [429]


class CountingStream(io.RawIOBase):
    """A request body that records how much of it the server read."""

    def __init__(self, size: int):
        self.size = size
        self.read_bytes = 0

    def readable(self):
        return True

    def seekable(self):
        return True

    def tell(self):
        return self.read_bytes

    def seek(self, offset, whence=0):
        # The test client only seeks back to where it found the stream (the start).
        assert offset == self.read_bytes == 0
        return 0

    def readinto(self, buffer):
        n = min(len(buffer), self.size - self.read_bytes)
        buffer[:n] = b"x" * n
        self.read_bytes += n
        return n


def test_an_oversized_admin_form_is_refused_before_it_is_read(client):
    body = CountingStream(300 * 1024 * 1024)
    response = client.post(
        "/admin/logout",
        input_stream=body,
        content_type="multipart/form-data; boundary=x",
        # What the client declares (the test client would count the stream itself).
        environ_overrides={"CONTENT_LENGTH": str(body.size)},
    )
    assert response.status_code == 413
    assert response.mimetype == "text/html"
    page = response.get_data(as_text=True)
    assert "Envoi trop volumineux" in page and "rien n'a été enregistré" in page
    assert body.read_bytes == 0


def test_an_oversized_api_body_is_a_413_problem(client):
    response = client.post(
        "/api/v1/sites", data=b"{" + b" " * (70 * 1024) + b"}", content_type="application/json"
    )
    body = assert_problem(response, 413)
    assert "65536" in body["detail"]


def test_a_chunked_body_without_length_is_cut_at_the_limit(client):
    body = CountingStream(1024 * 1024)
    response = client.post(
        "/admin/login",
        input_stream=body,
        content_type="application/x-www-form-urlencoded",
        headers={"Transfer-Encoding": "chunked"},
        environ_overrides={"wsgi.input_terminated": True},
    )
    assert response.status_code == 413
    assert body.read_bytes <= 64 * 1024 + 1  # the limit and one byte: no more is read


def test_a_chunked_body_within_the_limit_is_read_whole(client):
    response = client.post(
        "/api/v1/nearest",  # reads no body: the buffered one must not break anything
        data=b"x" * 1000,
        headers={"Transfer-Encoding": "chunked"},
        environ_overrides={"wsgi.input_terminated": True},
    )
    assert response.status_code == 405
    login = client.post(
        "/admin/login",
        data={"email": "x@example.org", "password": "y" * 10},
        headers={"Transfer-Encoding": "chunked"},
        environ_overrides={"wsgi.input_terminated": True},
    )
    # Parsed whole: refused for its missing CSRF token, not for its size.
    assert login.status_code == 400 and "jeton de sécurité" in login.get_data(as_text=True)


def test_the_body_limit_is_a_setting(app):
    app.config["MAX_CONTENT_LENGTH"] = 1024
    response = app.test_client().post(
        "/api/v1/sites", data=b"[" + b"0," * 600 + b"0]", content_type="application/json"
    )
    assert_problem(response, 413)


def test_a_json_body_nested_too_deep_is_a_400(client, tokens):
    deep = b"[" * 20_000 + b"]" * 20_000
    response = client.post(
        "/api/v1/sites", data=deep, content_type="application/json", headers=tokens["network"]
    )
    body = assert_problem(response, 400)
    assert "imbriqué" in body["detail"]


def test_hostile_widget_parameters_fall_back_to_the_defaults(client):
    for path in ("/", "/widget/frame"):
        for limit in ("²", "٣", "9" * 5000, "3\n", "-1", "0", "11"):
            response = client.get(path, query_string={"limit": limit})
            assert response.status_code == 200, (path, limit)
        for name, value in (("region", "84\n"), ("accent", "#fff\n"), ("study", "x\n")):
            response = client.get(path, query_string={name: value})
            assert response.status_code == 200
            assert "\n" not in (response.headers.get("Content-Security-Policy") or "")


def test_several_workers_with_counters_in_memory_are_refused():
    limited = _limited_app()
    problem = unshared_counters_problem(limited, workers=5)
    assert problem and "REDIS_URL" in problem and "5" in problem
    assert unshared_counters_problem(limited, workers=1) is None
    shared = _limited_app(RATELIMIT_STORAGE_URI="redis://127.0.0.1:6379/0")
    assert unshared_counters_problem(shared, workers=5) is None
    unlimited = _limited_app(RATELIMIT_ENABLED=False)
    assert unshared_counters_problem(unlimited, workers=5) is None


@pytest.mark.slow
def test_gunicorn_refuses_to_start_several_workers_without_redis(tmp_path):
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("REDIS_URL", "SITEDIR_RATELIMIT", "DATABASE_URL")
    }
    env.update(
        WEB_CONCURRENCY="3",
        SITEDIR_BIND="127.0.0.1:0",
        DATABASE_URL=f"sqlite:///{tmp_path / 'g.db'}",
        SITEDIR_ACCESS_LOG="false",
    )
    done = subprocess.run(
        [sys.executable, "-m", "gunicorn", "wsgi:app"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode != 0
    assert "REDIS_URL" in done.stderr and "multiplying every limit by 3" in done.stderr


def test_init_db_makes_the_schema_through_the_migrations(tmp_path):
    url = f"sqlite:///{tmp_path / 'init.db'}"
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SEED_ON_START": False})
    result = app.test_cli_runner().invoke(args=["init-db"])
    assert result.exit_code == 0, result.output
    assert "seeded" in result.output
    head = ScriptDirectory(MIGRATIONS_DIR).get_current_head()
    engine = create_engine(url)
    with engine.connect() as connection:
        assert connection.execute(text("SELECT version_num FROM alembic_version")).scalar() == head
    engine.dispose()
    # The next ordinary start finds its schema, instead of "table account already exists".
    again = create_app({"SQLALCHEMY_DATABASE_URI": url})
    assert again.test_client().get("/api/v1/sites").status_code == 200
    second = again.test_cli_runner().invoke(args=["init-db"])
    assert second.exit_code == 0 and "left as it is" in second.output


def test_admin_reads_never_cross_origins(client, tokens):
    headers = {**tokens["network"], "Origin": "https://evil.example"}
    for path in ("/api/v1/sites/clermont-ferrand/contacts", "/api/v1/audit"):
        response = client.get(path, headers=headers)
        assert response.status_code == 200
        assert "Access-Control-Allow-Origin" not in response.headers, path
    public = client.get("/api/v1/sites/clermont-ferrand", headers={"Origin": "https://x.example"})
    assert public.headers["Access-Control-Allow-Origin"] == "*"
