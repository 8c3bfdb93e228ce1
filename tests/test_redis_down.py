"""Redis down or hung, as a fault (issue 21, point 4; issue 24, point 4).

The app is pointed at a loopback port where nothing listens, or at a socket that accepts
and never answers; never at the shared Redis's data (the recovery test uses database 15
behind a proxy of its own, with a prefix of its own, and deletes nothing).
"""

import socket
import threading
import time

import pytest

from sitedir.app import create_app

PASSWORD_FORM = {"email": "x@example.org", "password": "nope"}


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]  # closed again when the probe is


class Hung:
    """A TCP server that accepts connections and never says a word."""

    def __init__(self):
        self.server = socket.create_server(("127.0.0.1", 0))
        self.port = self.server.getsockname()[1]
        self.held = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                self.held.append(self.server.accept()[0])
            except OSError:
                return

    def close(self):
        self.server.shutdown(socket.SHUT_RDWR)
        self.server.close()
        for connection in self.held:
            connection.close()


class Proxy:
    """A TCP proxy on a port of its own, to the real Redis when on; refused when off."""

    def __init__(self, target=("127.0.0.1", 6379)):
        self.target = target
        self.port = _closed_port()
        self.server = None
        self.open = []

    def on(self):
        self.server = socket.create_server(("127.0.0.1", self.port))
        threading.Thread(target=self._accept, args=(self.server,), daemon=True).start()

    def off(self):
        self.server.shutdown(socket.SHUT_RDWR)  # wakes accept(): close alone keeps it listening
        self.server.close()
        for connection in self.open:  # Redis "killed": its connections drop too
            try:
                connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            connection.close()
        self.open = []

    def _accept(self, server):
        while True:
            try:
                client, _ = server.accept()
            except OSError:
                return
            upstream = socket.create_connection(self.target)
            self.open += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(source, sink):
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for s in (source, sink):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass


def _app(redis_url, **settings):
    return create_app(
        {
            **settings,
            "SQLALCHEMY_DATABASE_URI": "sqlite://",
            "RATELIMIT_ENABLED": True,
            "REDIS_URL": redis_url,
            "RATELIMIT_KEY_PREFIX": f"sitedir-test-redis-down-{time.time_ns()}",
            "WTF_CSRF_ENABLED": False,
        }
    )


@pytest.fixture
def hung():
    server = Hung()
    yield server
    server.close()


@pytest.fixture(params=["closed", "hung"])
def down_app(request, hung):
    port = _closed_port() if request.param == "closed" else hung.port
    return _app(f"redis://127.0.0.1:{port}/15")


def test_public_reads_answer_while_redis_is_down(down_app):
    client = down_app.test_client()
    for path in ("/api/v1/sites", "/fhir/Location?_count=1", "/api/v1/nearest?q=Vichy", "/"):
        response = client.get(path)
        assert response.status_code == 200, (path, response.get_data(as_text=True)[:300])
        # Timed the second time: the first also builds the path's caches (the FHIR
        # catalogue, the snapshot), which a loaded machine makes slow whatever Redis does.
        # A hung Redis costs every request its short timeouts, not 5 s.
        started = time.monotonic()
        assert client.get(path).status_code == 200
        assert time.monotonic() - started < 2.0


def test_logins_and_reset_requests_fail_closed_with_503_and_retry_after(down_app):
    client = down_app.test_client()
    assert client.get("/admin/login").status_code == 200  # reading the form is a public read
    for path, form in (("/admin/login", PASSWORD_FORM), ("/admin/forgot", {"email": "x@y.fr"})):
        response = client.post(path, data=form)
        assert response.status_code == 503, path
        assert int(response.headers["Retry-After"]) > 0
        assert "indisponible" in response.get_data(as_text=True)


def test_readyz_says_degraded_and_what_it_means(down_app):
    response = down_app.test_client().get("/readyz")
    assert response.status_code == 200  # still serving public reads: stay in the pool
    body = response.get_json()
    assert body["status"] == "degraded"
    assert body["checks"]["redis"].startswith("degraded")
    assert "503" in body["checks"]["redis"]


def test_recovery_needs_no_restart():
    """Redis stops, then comes back: logins are refused, then counted in Redis again."""
    probe = socket.socket()
    try:
        probe.settimeout(0.5)
        probe.connect(("127.0.0.1", 6379))
    except OSError:
        pytest.skip("no Redis on 127.0.0.1:6379")
    finally:
        probe.close()
    proxy = Proxy()
    proxy.on()
    app = _app(f"redis://127.0.0.1:{proxy.port}/15")
    client = app.test_client()
    assert client.post("/admin/login", data=PASSWORD_FORM).status_code == 200  # wrong password
    assert client.get("/readyz").get_json()["status"] == "ready"
    proxy.off()
    assert client.get("/api/v1/sites").status_code == 200
    assert client.post("/admin/login", data=PASSWORD_FORM).status_code == 503
    proxy.on()
    deadline = time.monotonic() + 10
    while client.post("/admin/login", data=PASSWORD_FORM).status_code != 200:
        assert time.monotonic() < deadline, "never recovered"
        time.sleep(0.2)
    assert client.get("/readyz").get_json()["status"] == "ready"
    # Flask-Limiter looks at Redis again after 1, 2, 4... seconds, and counts there again.
    deadline = time.monotonic() + 20
    while not client.get("/api/v1/sites").headers.get("X-RateLimit-Limit"):
        assert time.monotonic() < deadline, "the public limits never went back to Redis"
        time.sleep(0.5)
    proxy.off()


def test_while_redis_is_down_each_process_still_counts_the_public_limit():
    # The fallback is the public limit itself, counted in this process: fail open to a
    # per-process count, not to no limit at all (a list here counted nothing).
    app = _app(f"redis://127.0.0.1:{_closed_port()}/15", RATELIMIT_PUBLIC="3 per minute")
    client = app.test_client()
    codes = [client.get("/api/v1/sites").status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
