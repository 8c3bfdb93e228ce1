"""deploy/nginx/sitedir.conf in front of gunicorn, end to end, with Debian's nginx.

The shipped file is run as it is, only its ports, certificate and cache paths replaced,
in front of gunicorn serving wsgi.py (SITEDIR_PROXY_HOPS=1, one worker) on a seeded
SQLite database. Skipped without nginx, except under CI=true, where it must be there.

Whether an answer came from the cache is read from the app's own X-Request-ID: a kept
answer repeats the id of the request that reached the app.
"""

import http.client
import json
import os
import re
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CONF = ROOT / "deploy" / "nginx" / "sitedir.conf"
NGINX = shutil.which("nginx") or ("/usr/sbin/nginx" if os.path.exists("/usr/sbin/nginx") else None)

pytestmark = pytest.mark.sqlite_only


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _ports() -> tuple[int, int, int]:
    """gunicorn's, nginx's https and http ports (SITEDIR_TEST_NGINX_PORT: three from it)."""
    base = os.environ.get("SITEDIR_TEST_NGINX_PORT")
    if base:
        # Each pytest-xdist worker builds its own stack: three ports further on each.
        worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw")
        first = int(base) + 3 * int(worker or 0)
        return first, first + 1, first + 2
    return _free_port(), _free_port(), _free_port()


def render(conf: str, work: Path, app_port: int, https: int, plain: int) -> str:
    """The shipped configuration with this run's ports and paths, and nothing else."""
    replaced = {
        "server 127.0.0.1:8000;": f"server 127.0.0.1:{app_port};",
        "listen 443 ssl http2;": f"listen 127.0.0.1:{https} ssl http2;",
        "listen [::]:443 ssl http2;": "",
        "listen 80;": f"listen 127.0.0.1:{plain};",
        "listen [::]:80;": "",
        "server_name annuaire.example.fr;": "server_name localhost;",
        "/etc/ssl/certs/sitedir.pem": str(work / "cert.pem"),
        "/etc/ssl/private/sitedir.key": str(work / "key.pem"),
        "/var/cache/nginx/": f"{work}/cache/",
        "return 301 https://$host$request_uri;": f"return 301 https://$host:{https}$request_uri;",
    }
    for old, new in replaced.items():
        assert old in conf, old  # the shipped file still says what the test replaces
        conf = conf.replace(old, new)
    return conf


def _wait(port: int, what: str, process: subprocess.Popen, log: Path) -> None:
    for _ in range(300):
        if process.poll() is not None:
            raise RuntimeError(f"{what} stopped: {log.read_text()[-2000:]}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"{what} did not start: {log.read_text()[-2000:]}")


@pytest.fixture(scope="module")
def stack():
    if NGINX is None:
        if os.environ.get("CI"):
            pytest.fail("nginx is not installed (.ci/run installs Debian's nginx)")
        pytest.skip("nginx is not installed (apt-get install nginx)")
    work = Path(tempfile.mkdtemp(prefix="sitedir-nginx-"))
    app_port, https, plain = _ports()
    for port in (app_port, https, plain):
        with socket.socket() as probe:  # a server left from another run would answer
            assert probe.connect_ex(("127.0.0.1", port)) != 0, f"port {port} is taken"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "2",
            "-subj",
            "/CN=localhost",
            "-addext",
            "subjectAltName=DNS:localhost",
            "-keyout",
            str(work / "key.pem"),
            "-out",
            str(work / "cert.pem"),
        ],
        check=True,
        capture_output=True,
    )
    database = f"sqlite:///{work / 'sitedir.sqlite3'}"
    env = {
        **os.environ,
        "DATABASE_URL": database,
        "SECRET_KEY": "nginx-test",
        "SITEDIR_BIND": f"127.0.0.1:{app_port}",
        "WEB_CONCURRENCY": "1",
        "SITEDIR_PROXY_HOPS": "1",
        "SITEDIR_RATELIMIT": "false",
        "SITEDIR_ACCESS_LOG": "false",
        "SITEDIR_FRESHNESS_MS": "1000",
        # /metrics answers only this address: how the test sees the client's address.
        "SITEDIR_METRICS_ALLOW": "127.0.0.2",
        "SITEDIR_ARGON2_TIME_COST": "1",
        "SITEDIR_ARGON2_MEMORY_KIB": "8",
        "SITEDIR_ARGON2_PARALLELISM": "1",
    }
    env.pop("REDIS_URL", None)
    # The database and a token, made before gunicorn opens it.
    made = subprocess.run(
        [sys.executable, "-c", _MAKE_TOKEN],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    token = made.stdout.strip().splitlines()[-1]
    (work / "cache").mkdir()
    (work / "sitedir.conf").write_text(render(CONF.read_text(), work, app_port, https, plain))
    user = "user root;" if os.geteuid() == 0 else ""
    (work / "nginx.conf").write_text(
        f"""{user}
worker_processes 1;
pid {work}/nginx.pid;
error_log {work}/nginx-error.log warn;
events {{ worker_connections 256; }}
http {{
    access_log off;
    client_body_temp_path {work}/body;
    proxy_temp_path {work}/proxy;
    fastcgi_temp_path {work}/fastcgi;
    uwsgi_temp_path {work}/uwsgi;
    scgi_temp_path {work}/scgi;
    include {work}/sitedir.conf;
}}
"""
    )
    check = subprocess.run(
        [NGINX, "-t", "-p", str(work), "-c", str(work / "nginx.conf")],
        capture_output=True,
        text=True,
    )
    assert check.returncode == 0, check.stderr
    gunicorn_log = work / "gunicorn.log"
    with open(gunicorn_log, "w") as log:
        app = subprocess.Popen(
            [
                str(Path(sys.executable).parent / "gunicorn"),
                "-c",
                str(ROOT / "gunicorn.conf.py"),
                "tests.nginx.probe_wsgi:app",
            ],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=log,
            start_new_session=True,
        )
    nginx_log = work / "nginx-error.log"
    proxy = subprocess.Popen(
        [NGINX, "-p", str(work), "-c", str(work / "nginx.conf"), "-g", "daemon off;"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        _wait(app_port, "gunicorn", app, gunicorn_log)
        _wait(https, "nginx", proxy, nginx_log)
        yield {"https": https, "plain": plain, "work": work, "token": token}
    finally:
        for process in (proxy, app):
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=30)
        shutil.rmtree(work, ignore_errors=True)


_MAKE_TOKEN = """
from sitedir.app import create_app
from tests.helpers import make_tokens
print(make_tokens(create_app())["own"]["Authorization"])
"""


class Answer:
    def __init__(self, response: http.client.HTTPResponse):
        self.status = response.status
        self.headers = response.headers
        self.body = response.read()

    @property
    def request_id(self) -> str | None:
        return self.headers.get("X-Request-ID")

    @property
    def cache(self) -> str:
        return self.headers.get("X-Cache-Status", "")

    def json(self):
        return json.loads(self.body)


def request(
    stack,
    path: str,
    method: str = "GET",
    headers: dict | None = None,
    body: bytes | None = None,
    source: str = "127.0.0.1",
    tls: bool = True,
) -> Answer:
    """One request to nginx, on a new connection from `source`."""
    if tls:
        context = ssl.create_default_context(cafile=str(stack["work"] / "cert.pem"))
        connection = http.client.HTTPSConnection(
            "localhost", stack["https"], context=context, source_address=(source, 0), timeout=20
        )
    else:
        connection = http.client.HTTPConnection(
            "localhost", stack["plain"], source_address=(source, 0), timeout=20
        )
    try:
        connection.request(method, path, body=body, headers=headers or {})
        return Answer(connection.getresponse())
    finally:
        connection.close()


def test_the_client_address_is_the_one_nginx_saw(stack):
    # /metrics answers 127.0.0.2 only: the app sees the client nginx saw, not nginx.
    assert request(stack, "/metrics", source="127.0.0.2").status == 200
    assert request(stack, "/metrics", source="127.0.0.1").status == 404
    # A client cannot choose its address by sending the header itself.
    spoofed = {"X-Forwarded-For": "127.0.0.2"}
    assert request(stack, "/metrics", headers=spoofed).status == 404


def test_the_scheme_is_https_and_plain_http_is_redirected(stack):
    feed = request(stack, "/api/v1/changes.atom", headers={"X-Forwarded-Proto": "http"})
    assert feed.status == 200
    text = feed.body.decode()
    assert "https://localhost/" in text and "http://localhost/" not in text
    plain = request(stack, "/api/v1/studies", tls=False)
    assert plain.status == 301
    assert plain.headers["Location"] == f"https://localhost:{stack['https']}/api/v1/studies"


def test_bodies_over_sitedirs_limit_are_refused_by_nginx(stack):
    path = "/api/v1/sites/clermont-ferrand/contact-requests"
    json_type = {"Content-Type": "application/json"}
    over = request(stack, path, "POST", json_type, b"x" * (64 * 1024 + 1))
    assert over.status == 413 and over.request_id is None  # never reached the app
    at_limit = request(stack, path, "POST", json_type, b"x" * (64 * 1024))
    assert at_limit.request_id and at_limit.status == 400  # the app's own answer: not JSON


def test_public_reads_are_kept_briefly_then_revalidated(stack):
    path = "/api/v1/nearest?q=Lyon"
    first = request(stack, path)
    again = request(stack, path)
    assert first.status == again.status == 200
    assert again.cache == "HIT" and again.request_id == first.request_id
    # The browser is still told to revalidate every time.
    assert again.headers["Cache-Control"] == "public, no-cache"
    time.sleep(2.05)  # nginx counts whole seconds: "1s" keeps an answer 1 to 2 s
    later = request(stack, path)
    assert later.cache in ("REVALIDATED", "EXPIRED") and later.body == first.body
    # A client's If-None-Match is answered from the cache.
    tag = first.headers["ETag"]
    assert request(stack, path, headers={"If-None-Match": tag}).status == 304


def test_admin_answers_are_never_kept(stack):
    first = request(stack, "/admin/login")
    again = request(stack, "/admin/login")
    assert first.status == again.status == 200
    assert first.request_id != again.request_id
    assert again.cache == ""


def test_answers_that_set_a_cookie_or_answer_credentials_are_never_kept(stack):
    path = "/api/v1/nearest?q=Nantes&probe=set-cookie"
    first = request(stack, path)
    assert first.status == 200 and "probe=1" in first.headers["Set-Cookie"]
    again = request(stack, path)
    assert again.request_id != first.request_id and again.cache == "MISS"
    # A request with a cookie or credentials reaches the app each time, and is not kept
    # for the next one without.
    for headers in ({"Cookie": "sitedir_admin=x"}, {"Authorization": stack["token"]}):
        path = "/api/v1/sites?region=84&n=" + re.sub(r"\W", "", next(iter(headers)))
        one, two = request(stack, path, headers=headers), request(stack, path, headers=headers)
        assert one.request_id != two.request_id and two.cache == "BYPASS"
        assert request(stack, path).cache == "MISS"


def test_an_answer_marked_no_store_is_never_kept(stack):
    """An answer the app marks no-store (or private) is never kept, even asked for with
    no credentials: the probes here, admin-only contacts below."""
    for path in ("/readyz", "/version"):
        one, two = request(stack, path), request(stack, path)
        assert "no-store" in one.headers["Cache-Control"]
        assert one.request_id != two.request_id and two.cache == "MISS"
    headers = {"Authorization": stack["token"]}
    contacts = "/api/v1/sites/clermont-ferrand/contacts"
    one, two = request(stack, contacts, headers=headers), request(stack, contacts, headers=headers)
    assert one.status == 200 and one.headers["Cache-Control"] == "no-store"
    assert one.request_id != two.request_id


def test_a_status_change_shows_once_the_freshness_window_has_passed(stack):
    path = "/api/v1/sites/clermont-ferrand"
    before = request(stack, path)
    assert before.json()["status"] != "suspended"
    changed = request(
        stack,
        path,
        "PATCH",
        {
            "Authorization": stack["token"],
            "If-Match": before.headers["ETag"],
            "Content-Type": "application/json",
        },
        json.dumps({"status": "suspended", "status_reason": "Pause"}).encode(),
    )
    assert changed.status == 200, changed.body
    # nginx's 1 s (SITEDIR_FRESHNESS_MS), in its whole seconds: at most 2 s. The write
    # went through the one worker, which serves it at once (directory/snapshot.py).
    time.sleep(2.05)
    assert request(stack, path).json()["status"] == "suspended"


def test_hashed_assets_are_kept_for_a_year(stack):
    page = request(stack, "/").body.decode()
    [css] = re.findall(r'href="(/widget/static/[0-9a-f]{12}/widget\.css)"', page)
    first = request(stack, css)
    again = request(stack, css)
    assert first.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert again.cache == "HIT" and again.body == first.body
    # An old hash is today's file, never kept under the old name.
    old = request(stack, "/widget/static/000000000000/widget.css")
    assert old.headers["Cache-Control"] == "no-cache" and old.cache != "HIT"
    assert request(stack, "/widget/static/000000000000/widget.css").cache != "HIT"
