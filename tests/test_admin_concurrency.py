"""Two writers with the same ETag: one wins, the other gets 412, the history holds one change.

First within one app (two threads, each with its own database connection), then with two
app instances (two gunicorn processes) on PostgreSQL sharing their rate limits in Redis.
The second needs PostgreSQL and Redis on 127.0.0.1: it runs when the suite runs on
PostgreSQL (SITEDIR_TEST_DATABASE_URL, CI's second pass), on that database; a Redis that
does not answer fails it in CI and skips it elsewhere.

The second runs on a shared, loaded machine, so it waits on conditions, never on guesses:
each gunicorn gets a socket bound by the test (no free port another run can take in
between), readiness is polled until it answers or the process dies, the test's database
is its own (the suite's PostgreSQL database when it runs on one) and its rate-limit
counters have a prefix of their own in Redis (no other run can reset or add to them).
"""

import os
import socket
import subprocess
import sys
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests

from tests.helpers import ON_POSTGRES, drop_everything

ROOT = Path(__file__).resolve().parent.parent
SITE = "clermont-ferrand"
URL = f"/api/v1/sites/{SITE}"
WRITES = [
    {"status": "suspended", "status_reason": "Écrivain A"},
    {"status": "terminated", "status_reason": "Écrivain B"},
]


@pytest.fixture
def app(shared_app):
    """Two writers need two real connections: the suite's in-memory SQLite has one."""
    return shared_app


def test_two_writers_in_one_app(app, tokens):
    client = app.test_client()
    tag = client.get(URL).headers["ETag"]
    # A writer that fails before the barrier fails the test instead of hanging it.
    start = threading.Barrier(2, timeout=60)

    def write(body):
        with app.test_client() as own:  # two browsers, two connections
            start.wait()
            headers = {**tokens["own"], "If-Match": tag}
            return own.patch(URL, json=body, headers=headers).status_code

    with ThreadPoolExecutor(2) as pool:
        codes = list(pool.map(write, WRITES))
    _assert_one_winner(codes, client.get(URL).get_json())


def _assert_one_winner(codes, site):
    assert sorted(codes) == [200, 412], codes
    winner = WRITES[codes.index(200)]
    assert (site["status"], site["status_reason"]) == (winner["status"], winner["status_reason"])
    assert [h["to_status"] for h in site["history"]] == [winner["status"]]


# --- two processes ----------------------------------------------------------------------

REDIS_URL = "redis://127.0.0.1:6379/15"
# Generous: the first instance migrates and seeds, on a machine other runs share. A slow
# answer only makes the test slower; what it asserts does not depend on these.
START_S = 300
ANSWER_S = 60


def _require(service: str, check):
    """Return what `check` returns; a service that does not answer fails in CI, else skips."""
    try:
        return check()
    except Exception as exc:  # any failure means "not there"
        message = f"{service} is not reachable on 127.0.0.1: {exc}"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)


def _ping_redis() -> None:
    import redis

    redis.Redis.from_url(REDIS_URL, socket_connect_timeout=3).ping()


def _bound_socket() -> socket.socket:
    """A socket on a free port, bound here and handed to gunicorn: no other process can
    take the port between the choice and the bind (as with a port probed, then freed)."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.set_inheritable(True)
    return sock


@pytest.fixture
def two_instances(tmp_path, database_url):
    """Two gunicorn processes of sitedir on the suite's PostgreSQL database and one Redis."""
    if not ON_POSTGRES:
        # Not a database of its own beside the suite's: one fixed name was shared by every
        # run on the machine, each dropping it under the others.
        pytest.skip("runs with the suite on PostgreSQL (SITEDIR_TEST_DATABASE_URL)")
    drop_everything(database_url)  # the instances migrate and seed it from empty
    _require("Redis", _ping_redis)
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "REDIS_URL": REDIS_URL,
        # Counters of this run only: nothing else adds to them or flushes them.
        "SITEDIR_RATELIMIT_PREFIX": f"two-instances-{uuid.uuid4().hex}",
        "SECRET_KEY": "two-instances",
        "SITEDIR_ACCESS_LOG": "false",
        # Per hour, not per minute: however slowly a loaded machine runs the test, no
        # counted request leaves the window before the last one is counted.
        "SITEDIR_RATELIMIT_ADMIN": "8 per hour",
        "WEB_CONCURRENCY": "1",
    }
    processes, urls = [], []
    try:
        for _ in range(2):
            # One after the other: the first creates the schema and seeds it.
            with _bound_socket() as sock:
                port = sock.getsockname()[1]
                process = subprocess.Popen(
                    [
                        sys.executable,
                        "-m",
                        "gunicorn",
                        "wsgi:app",
                        "--bind",
                        f"fd://{sock.fileno()}",
                    ],
                    cwd=ROOT,
                    env=env,
                    pass_fds=(sock.fileno(),),
                    stdout=subprocess.DEVNULL,
                    stderr=open(tmp_path / f"gunicorn-{port}.log", "wb"),
                )
            processes.append(process)
            url = f"http://127.0.0.1:{port}"
            _wait_ready(url, process, tmp_path / f"gunicorn-{port}.log")
            urls.append(url)
        yield env, urls
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        drop_everything(database_url)  # the next test starts from an empty schema


def _wait_ready(url: str, process: subprocess.Popen, log: Path) -> None:
    """Poll /readyz until it says ready; fail at once if gunicorn exits."""
    deadline = time.monotonic() + START_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(
                f"gunicorn exited with {process.returncode}:\n{log.read_text(errors='replace')}"
            )
        try:
            if requests.get(url + "/readyz", timeout=ANSWER_S).status_code == 200:
                return
        except requests.RequestException:  # not listening yet, or too busy to answer
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{url} was not ready within {START_S} s")


def _flask(env: dict, *args: str, stdin: str | None = None) -> str:
    result = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "sitedir.app", *args],
        cwd=ROOT,
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout


def test_two_instances_share_the_database_and_the_rate_limits(two_instances):
    env, (first, second) = two_instances
    _flask(
        env, "accounts", "create", "clermont@example.org", "--role", "site_admin", "--site", SITE
    )
    token = _flask(env, "tokens", "create", "clermont@example.org").strip().splitlines()[-1]
    auth = {"Authorization": f"Bearer {token}"}

    before = requests.get(second + "/api/v1/nearest?q=Vichy&limit=1", timeout=ANSWER_S)
    assert before.json()["results"][0]["id"] == SITE
    tag = requests.get(first + URL, timeout=ANSWER_S).headers["ETag"]

    def write(args):
        base, body = args
        headers = {**auth, "If-Match": tag}
        return requests.patch(base + URL, json=body, headers=headers, timeout=ANSWER_S).status_code

    with ThreadPoolExecutor(2) as pool:
        codes = list(pool.map(write, zip((first, second), WRITES, strict=True)))
    _assert_one_winner(codes, requests.get(second + URL, timeout=ANSWER_S).json())

    # The instance that made the change shows it on its next request; the other one within
    # FRESHNESS_MS (1 s by default), when it next reads the data's fingerprint. The sleep
    # is the interval under test, not a guess: once it has passed, the next read is due.
    writer = (first, second)[codes.index(200)]
    other = second if writer == first else first
    for base, wait in ((writer, 0), (other, 1.1)):
        time.sleep(wait)
        after = requests.get(base + "/api/v1/nearest?q=Vichy&limit=1", timeout=ANSWER_S)
        assert after.json()["results"][0]["id"] != SITE
        assert after.headers["ETag"] != before.headers["ETag"]

    # The admin limit (8 an hour) is counted in Redis, across both instances: two writes
    # were made, so six more admin requests pass, alternating, and the next is refused.
    codes = [
        requests.get(base + "/api/v1/audit", headers=auth, timeout=ANSWER_S).status_code
        for base in (first, second, first, second, first, second, first)
    ]
    assert codes == [403] * 6 + [429]
