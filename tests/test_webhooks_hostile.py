"""Webhook receivers that try to stop the worker (issue 21, points 2 and 3; issue 24, point 7).

Each hostile receiver is a raw socket server on 127.0.0.1: a bad Retry-After, one byte at a
time, an endless body, a dropped connection, a 410. Beside them a healthy receiver must be
delivered on time, and two workers at once never send one event twice at the same moment.
Timeouts are small on purpose (half a second per attempt).
"""

import socket
import threading
import time
from datetime import timedelta

import pytest

from sitedir.domain.clock import as_utc, utc_now
from sitedir.events import cli as webhooks_cli
from sitedir.events import delivery
from sitedir.events.delivery import deliver_due
from sitedir.events.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint
from sitedir.events.sending import retry_after_seconds
from sitedir.extensions import db
from tests.helpers import make_tokens
from tests.test_webhooks import register, set_status

TIMEOUT = 0.5


class Hostile:
    """A socket server answering each request with `behaviour(connection)`."""

    def __init__(self, behaviour):
        self.behaviour = behaviour
        self.server = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.server.getsockname()[1]}/hook"
        self.in_flight: dict[str, int] = {}  # webhook-id: requests open at this moment
        self.most_at_once = 0
        self.received: list[tuple[float, str]] = []  # (monotonic time, webhook-id)
        self.lock = threading.Lock()
        self.closed = False
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self):
        while not self.closed:
            try:
                connection, _ = self.server.accept()
            except OSError:
                return
            threading.Thread(target=self._one, args=(connection,), daemon=True).start()

    def _one(self, connection):
        connection.settimeout(5)
        uid = None
        try:
            request = b""
            while b"\r\n\r\n" not in request:
                chunk = connection.recv(4096)
                if not chunk:
                    return
                request += chunk
            head, _, body = request.partition(b"\r\n\r\n")
            headers = dict(
                line.decode().split(": ", 1) for line in head.split(b"\r\n")[1:] if b": " in line
            )
            length = int(headers.get("Content-Length", "0"))
            while len(body) < length:
                body += connection.recv(4096)
            uid = headers.get("webhook-id")
            with self.lock:
                self.received.append((time.monotonic(), uid))
                self.in_flight[uid] = self.in_flight.get(uid, 0) + 1
                self.most_at_once = max(self.most_at_once, self.in_flight[uid])
            self.behaviour(connection)
        except OSError:
            pass
        finally:
            if uid is not None:
                with self.lock:
                    self.in_flight[uid] -= 1
            connection.close()

    def stop(self):
        self.closed = True
        self.server.close()


def answer(status, extra=b""):
    def behave(connection):
        connection.sendall(b"HTTP/1.1 %d X\r\nContent-Length: 0\r\n%s\r\n" % (status, extra))

    return behave


def drip(connection):
    """One byte at a time, slower than the deadline allows, of an answer that never ends."""
    for byte in b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\nX-Slow: " + b"a" * 10_000:
        connection.sendall(bytes([byte]))
        time.sleep(0.05)


def endless_body(connection):
    """A 200 whose body never ends: only MAX_BODY bytes of it are read."""
    connection.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 1000000000\r\n\r\n")
    chunk = b"x" * 65536
    for _ in range(2000):
        connection.sendall(chunk)


def drop(connection):
    connection.shutdown(socket.SHUT_RDWR)


BEHAVIOURS = {
    "bad retry-after": answer(503, b"Retry-After: \xc2\xb2\r\n"),
    "one byte at a time": drip,
    "endless body": endless_body,
    "connection dropped": drop,
    "gone": answer(410),
}


@pytest.fixture
def hostile():
    made = []

    def make(behaviour):
        made.append(Hostile(behaviour))
        return made[-1]

    yield make
    for one in made:
        one.stop()


@pytest.fixture
def worker_app(shared_app):
    app = shared_app
    app.config.update(
        WEBHOOKS_ALLOW_PRIVATE=True,
        WEBHOOKS_TIMEOUT=TIMEOUT,
        WEBHOOKS_LEASE_SECONDS=0.1,  # shorter than an attempt: the worker must renew it
        WEBHOOKS_CONCURRENCY=4,
    )
    return app


def test_hostile_receivers_never_delay_a_healthy_one_nor_stop_the_worker(worker_app, hostile):
    app = worker_app
    # Leases are the next test's subject. Here a lease as short as two deadlines could run
    # out on a loaded machine between the send and its record (the attempt is then not
    # recorded, by design), and the dripping receiver's attempt would be missing.
    app.config["WEBHOOKS_LEASE_SECONDS"] = 30
    client, tokens = app.test_client(), make_tokens(app)
    receivers = {name: hostile(behave) for name, behave in BEHAVIOURS.items()}
    receivers["healthy"] = hostile(answer(200))
    for receiver in receivers.values():  # the healthy one last: behind every hostile one
        assert register(client, tokens, receiver.url).status_code == 201
    set_status(client, tokens, "suspended", "Pause")
    started = time.monotonic()
    with app.app_context():
        made = deliver_due()
        took = time.monotonic() - started
        rows = {
            e.url: (e, d)
            for e, d in db.session.execute(
                db.select(WebhookEndpoint, WebhookDelivery).join(
                    WebhookDelivery, WebhookDelivery.endpoint_id == WebhookEndpoint.id
                )
            )
        }
        attempts = {a.delivery_id: a for a in db.session.scalars(db.select(WebhookAttempt))}
    assert made == len(receivers)  # one attempt each: no crash, no endpoint skipped
    # Six endpoints, four at a time, each attempt within its deadline.
    assert took < 4 * TIMEOUT + 1.5
    healthy_at = receivers["healthy"].received[0][0] - started
    assert healthy_at < 2 * TIMEOUT + 1.0  # sequential, it would wait behind five
    state = {name: rows[r.url][1].state for name, r in receivers.items()}
    assert state == {
        "bad retry-after": "pending",
        "one byte at a time": "pending",
        "endless body": "delivered",  # a 200: the body is cut at MAX_BODY
        "connection dropped": "pending",
        "gone": "failed",
        "healthy": "delivered",
    }
    assert not rows[receivers["gone"].url][0].active
    _, owed = rows[receivers["bad retry-after"].url]
    # "²" is no delay-seconds: ignored, the usual 5 s apply.
    assert as_utc(owed.next_attempt_at) - utc_now() < timedelta(seconds=6)
    # One byte at a time: cut at the total deadline (per read, it would never end).
    dripped = attempts[rows[receivers["one byte at a time"].url][1].id]
    assert "Timeout" in dripped.error or "Deadline" in dripped.error
    assert dripped.duration_ms < TIMEOUT * 1000 + 250


def test_two_workers_at_once_never_send_one_event_twice_at_the_same_time(
    worker_app, hostile, monkeypatch
):
    """Leases shorter than an attempt, two worker loops: each event is in flight once,
    counted where it is sent (the receiver notices a closed connection only later)."""
    app = worker_app
    client, tokens = app.test_client(), make_tokens(app)
    slow = hostile(drip)
    healthy = hostile(answer(200))
    for receiver in (slow, healthy):
        register(client, tokens, receiver.url)
    for number in range(5):
        set_status(client, tokens, "recruiting" if number % 2 else "suspended", f"n{number}")
    # Every attempt is due again at once: the slow one is retried as fast as it fails.
    delivery.RETRY_DELAYS, saved = (0,) * 6, delivery.RETRY_DELAYS
    lock, sending, most = threading.Lock(), {}, {"at_once": 0}
    real_post = delivery.post

    def counted_post(url, body, headers, *args):
        uid = (url, headers["webhook-id"])  # one event goes to each endpoint: per endpoint
        with lock:
            sending[uid] = sending.get(uid, 0) + 1
            most["at_once"] = max(most["at_once"], sending[uid])
        try:
            return real_post(url, body, headers, *args)
        finally:
            with lock:
                sending[uid] -= 1

    monkeypatch.setattr(delivery, "post", counted_post)
    stop = threading.Event()

    def loop():
        with app.app_context():
            webhooks_cli.run(False, 0.05, None, stop)

    workers = [threading.Thread(target=loop) for _ in range(2)]
    try:
        for worker in workers:
            worker.start()
        time.sleep(3)
    finally:
        stop.set()
        for worker in workers:
            worker.join(10)
        delivery.RETRY_DELAYS = saved
    assert not any(w.is_alive() for w in workers)
    assert len(slow.received) >= 3  # retried several times, by either worker
    assert most["at_once"] == 1
    uids = [uid for _, uid in healthy.received]
    assert uids == list(dict.fromkeys(uids))  # each once
    assert len(healthy.received) == 5
    with app.app_context():  # SIGTERM's path: the leases are released on the way out
        assert db.session.scalars(db.select(WebhookEndpoint.lease_owner)).all() == [None, None]


@pytest.mark.parametrize(
    "value, seconds",
    [
        ("120", 120),
        (" 7 ", 7),
        ("999999", 86400),
        ("²", None),
        ("٣", None),
        ("1e3", None),
        ("-5", None),
        ("12.5", None),
        ("99999999999999999999", None),
        ("Wed, 31 Feb 2026 00:00:00 GMT", None),
        ("Thu, 01 Jan 1970 00:00:00 GMT", 0),
        ("soon", None),
        ("Sun, 06 Nov 1994 08:49:37 GMT", 0),
        ("Sunday, 06-Nov-94 08:49:37 GMT", 0),
        ("Sun Nov  6 08:49:37 1994", 0),
    ],
)
def test_retry_after_is_read_as_rfc_9110_says(value, seconds):
    assert retry_after_seconds(value, utc_now()) == seconds


def test_an_error_on_one_endpoint_is_logged_and_the_others_go_on(worker_app, hostile, monkeypatch):
    """Anything raised while handling one endpoint's answer: a failed attempt, not the end."""
    app = worker_app
    client, tokens = app.test_client(), make_tokens(app)
    first, second = hostile(answer(200)), hostile(answer(200))
    register(client, tokens, first.url)
    register(client, tokens, second.url)
    set_status(client, tokens, "suspended", "Pause")
    real = delivery.retry_after_seconds

    def broken(value, now):
        if broken.calls == 0:
            broken.calls += 1
            raise RuntimeError("a parser bug")
        return real(value, now)

    broken.calls = 0
    monkeypatch.setattr(delivery, "retry_after_seconds", broken)
    with app.app_context():
        assert deliver_due() == 2
        states = sorted(db.session.scalars(db.select(WebhookDelivery.state)))
    assert states == ["delivered", "pending"]


def test_the_worker_loop_survives_a_database_error(worker_app, monkeypatch):
    app = worker_app
    calls = []
    stop = threading.Event()

    def failing(*args, **kwargs):
        calls.append(time.monotonic())
        if len(calls) >= 3:
            stop.set()
        raise RuntimeError("database is locked")

    monkeypatch.setattr(webhooks_cli, "deliver_due", failing)
    with app.app_context():
        webhooks_cli.run(False, 0.01, None, stop)
    assert len(calls) == 3
    assert calls[2] - calls[1] >= calls[1] - calls[0] > 0.5  # backs off, doubling
