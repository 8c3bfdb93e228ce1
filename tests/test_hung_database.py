"""A PostgreSQL that hangs (SIGSTOP, a frozen VM): every wait on it is bounded (issue 24.3).

Keepalives and tcp_user_timeout catch a server that is gone; a stopped one still has its
kernel acknowledge every packet, so only a bound on the client's side ends a query sent on
an open connection (sitedir/engine.py's BoundedConnection).

The SIGSTOP test runs a PostgreSQL cluster of its own (bench/faults/services.py, on a
free port among 5510-5519), never the suite's or the machine's server: it needs
PostgreSQL's binaries on this machine, and root or a user that may run initdb; it skips
otherwise. The bounds asserted are gunicorn's worker timeout (30 s), which a hung
request ran into before; the times measured are in bench/RESULTS.md.
"""

import contextlib
import os
import socket
import time

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import OperationalError

from bench.faults.services import postgres_bin, postgres_cluster
from sitedir import engine as db_engine
from sitedir.app import create_app
from sitedir.extensions import db
from tests.helpers import ON_POSTGRES, TEST_DATABASE_URL, make_tokens

GUNICORN_TIMEOUT = 30


def _free_port() -> int:
    for port in range(5510, 5520):
        with contextlib.closing(socket.socket()) as probe:
            if probe.connect_ex(("127.0.0.1", port)) != 0:
                return port
    pytest.skip("no free port among 5510-5519 for a PostgreSQL cluster of the test's own")


def _can_run_a_cluster() -> str | None:
    if postgres_bin() is None:
        return "PostgreSQL's binaries (initdb) are not on this machine"
    if os.geteuid() != 0:
        return "initdb as another user needs root (runuser -u postgres)"
    return None


@pytest.mark.skipif(not ON_POSTGRES, reason="PostgreSQL only (SITEDIR_TEST_DATABASE_URL)")
@pytest.mark.database
def test_a_query_without_an_answer_closes_its_connection():
    settings = {
        "SQLALCHEMY_DATABASE_URI": TEST_DATABASE_URL,
        "SQLALCHEMY_ENGINE_OPTIONS": {},
        "DB_CONNECT_TIMEOUT": 5,
        "DB_STATEMENT_TIMEOUT_MS": 0,  # the server's own bound off: the client's is left
        "DB_KEEPALIVES_IDLE": 30,
        "DB_POOL_TIMEOUT": 3,
        "DB_ANSWER_TIMEOUT": 1,
    }
    db_engine.configure(settings)
    engine = create_engine(
        settings["SQLALCHEMY_DATABASE_URI"], **settings["SQLALCHEMY_ENGINE_OPTIONS"]
    )
    db_engine.install_hooks(engine, settings)
    try:
        with engine.connect() as connection:
            with pytest.raises(OperationalError, match="did not answer within 1 s"):
                connection.execute(text("SELECT pg_sleep(3)"))
            assert connection.invalidated  # dropped from the pool, never reused
        # The breaker is open: the next attempt fails at once instead of waiting again...
        started = time.monotonic()
        with pytest.raises(OperationalError, match="not tried until it answers a probe"):
            engine.connect()
        assert time.monotonic() - started < 0.5
        # ...until its probe finds the server answering (this one always did).
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                with engine.connect() as connection:
                    assert connection.execute(text("SELECT 1")).scalar() == 1
                break
            except OperationalError:
                time.sleep(0.1)
        else:
            pytest.fail("the breaker never closed")
    finally:
        engine.dispose()


def test_the_answer_timeout_follows_the_statement_timeout():
    assert db_engine.answer_timeout({"DB_STATEMENT_TIMEOUT_MS": 10000}) == 11
    assert db_engine.answer_timeout({"DB_STATEMENT_TIMEOUT_MS": 0}) is None
    assert db_engine.answer_timeout({"DB_ANSWER_TIMEOUT": 4, "DB_STATEMENT_TIMEOUT_MS": 0}) == 4


@pytest.mark.slow
@pytest.mark.skipif(_can_run_a_cluster() is not None, reason=_can_run_a_cluster() or "")
def test_a_hung_postgresql_costs_seconds_not_a_worker():
    with postgres_cluster(_free_port(), name="faults-test") as cluster:
        url = cluster.createdb("sitedir").replace("postgresql://", "postgresql+psycopg://")
        app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": url, "FRESHNESS_MS": 0})
        client = app.test_client()
        headers = make_tokens(app)["own"]
        assert client.get("/api/v1/sites").status_code == 200
        confirm = "/api/v1/sites/clermont-ferrand/confirm"
        assert client.post(confirm, headers=headers).status_code == 200
        with app.app_context():
            # A connection already in the pool, with its socket open: the case a
            # connect timeout cannot bound.
            pooled = db.engine.connect()
            pooled.execute(text("SELECT 1"))
        cluster.hang()
        try:
            started = time.monotonic()
            read = client.get("/api/v1/sites")
            read_took = time.monotonic() - started
            started = time.monotonic()
            write = client.post(confirm, headers=headers)
            write_took = time.monotonic() - started
            started = time.monotonic()
            with pytest.raises(OperationalError):
                pooled.execute(text("SELECT 1"))
            pooled_took = time.monotonic() - started
            ready = client.get("/readyz")
        finally:
            cluster.resume()
        print(f"hung: read {read_took:.1f} s, write {write_took:.1f} s, pooled {pooled_took:.1f} s")
        assert read.status_code == 200 and read.headers["Warning"].startswith("110")
        assert write.status_code == 503 and write.headers["Retry-After"]
        assert ready.status_code == 503
        for took in (read_took, write_took, pooled_took):
            assert took < GUNICORN_TIMEOUT
        pooled.close()
        # Resumed: the same app answers fresh again, no restart.
        deadline = time.monotonic() + 20
        while client.get("/api/v1/sites").headers.get("Warning") and time.monotonic() < deadline:
            time.sleep(0.2)
        assert "Warning" not in client.get("/api/v1/sites").headers
        assert client.post(confirm, headers=headers).status_code == 200
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
        reader = app.extensions.get("sitedir_fingerprint")
        if reader:
            reader.close()


def test_the_host_that_last_answered_is_tried_first():
    params = {"host": "db-a,db-b,db-c", "port": "5432,5433,", "dbname": "sitedir"}
    moved = db_engine.hosts_preferred_first(params, ("db-b", "5433"))
    assert (moved["host"], moved["port"]) == ("db-b,db-c,db-a", "5433,5432,5432")
    assert moved["dbname"] == "sitedir"
    assert db_engine.hosts_preferred_first(params, ("db-z", "5432")) is params  # unknown
    assert db_engine.hosts_preferred_first(params, None) is params
    one = {"host": "db-a,db-b", "port": "6432"}  # one port for every host
    assert db_engine.hosts_preferred_first(one, ("db-b", "6432"))["host"] == "db-b,db-a"


@pytest.mark.skipif(not ON_POSTGRES, reason="PostgreSQL only (SITEDIR_TEST_DATABASE_URL)")
@pytest.mark.database
def test_after_a_failover_new_connections_skip_the_hung_old_primary():
    """Issue 24.15 (bench/faults/postgres_failover.py --stop hang): with the old primary
    frozen first in DATABASE_URL's hosts, each new connection waited connect_timeout on
    it before reaching the new primary; only the first one does now."""
    from sqlalchemy.engine import make_url

    from sitedir.config import normalise_database_url

    with contextlib.closing(socket.socket()) as frozen:  # accepts, never answers
        frozen.bind(("127.0.0.1", 0))
        frozen.listen(64)
        real = make_url(TEST_DATABASE_URL)
        url = normalise_database_url(
            f"postgresql://{real.username}@127.0.0.1:{frozen.getsockname()[1]},"
            f"{real.host}:{real.port or 5432}/{real.database}?target_session_attrs=read-write"
        )
        settings = {
            "SQLALCHEMY_DATABASE_URI": url,
            "SQLALCHEMY_ENGINE_OPTIONS": {},
            "DB_CONNECT_TIMEOUT": 2,
            "DB_STATEMENT_TIMEOUT_MS": 10000,
            "DB_KEEPALIVES_IDLE": 30,
            "DB_POOL_TIMEOUT": 3,
        }
        db_engine.configure(settings)
        engine = create_engine(url, **settings["SQLALCHEMY_ENGINE_OPTIONS"])
        db_engine.install_hooks(engine, settings)
        try:
            times = []
            for _ in range(3):
                started = time.monotonic()
                with engine.connect() as connection:
                    assert connection.execute(text("SELECT 1")).scalar() == 1
                    connection.invalidate()  # the next one is a new connection
                times.append(time.monotonic() - started)
            assert times[0] >= 2  # the first one waited on the frozen host
            assert max(times[1:]) < 1, times
        finally:
            engine.dispose()
