"""Runs through faults: a database that goes away, hangs or turns read-only (issue 24).

The degraded-read tests take a real database away from a running app: on SQLite the file
is removed (new connections then fail: mode=rw never makes an empty one); on PostgreSQL
(SITEDIR_TEST_DATABASE_URL) the test database stops taking connections and its sessions
are ended, as a restart or a failover would.
"""

import contextlib
import os
import shutil
import smtplib
import sqlite3
import time
from datetime import datetime, timedelta

import pytest
import redis.exceptions
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, OperationalError

from sitedir import engine as db_engine
from sitedir.app import create_app
from sitedir.domain import clock
from sitedir.extensions import db
from sitedir.web import health
from tests.helpers import ON_POSTGRES, assert_problem, make_tokens

STALE = '110 - "Response is Stale"'


def _drop_connections(app) -> None:
    """Close every connection the app holds: the next read must open a new one."""
    reader = app.extensions.get("sitedir_fingerprint")
    if reader:
        reader.close()
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@contextlib.contextmanager
def database_gone(app):
    """The app's database unreachable inside the block, back as it was after it."""
    url = make_url(app.config["SQLALCHEMY_DATABASE_URI"])
    if url.get_backend_name() == "postgresql":
        admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
        name = url.database
        with admin.connect() as connection:
            connection.execute(text(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false'))
            connection.execute(
                text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :n"),
                {"n": name},
            )
        try:
            yield
        finally:
            with admin.connect() as connection:
                connection.execute(text(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true'))
            admin.dispose()
        return
    path = db_engine.sqlite_file(str(url))
    with app.app_context(), db.engine.connect() as connection:
        connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    _drop_connections(app)
    kept = path + ".kept"
    shutil.move(path, kept)
    try:
        yield
    finally:
        _drop_connections(app)
        shutil.move(kept, path)


@pytest.fixture
def live(shared_app):
    """A seeded app on a database other connections reach, checking it on every request."""
    shared_app.config["FRESHNESS_MS"] = 0
    return shared_app


# ---- 24.2 degraded, not down --------------------------------------------------------------


def test_public_reads_answer_from_the_last_snapshot_while_the_database_is_gone(live):
    client = live.test_client()
    sites = client.get("/api/v1/sites?study=cart-lupus")
    nearest = client.get("/api/v1/nearest?q=Brest")
    assert sites.status_code == nearest.status_code == 200
    assert "Warning" not in sites.headers
    with database_gone(live):
        down = client.get("/api/v1/sites?study=cart-lupus")
        assert down.status_code == 200, down.get_data(as_text=True)
        assert down.headers["Warning"] == STALE
        # The same answer, `stale` flags included, as computed for today.
        assert down.get_data() == sites.get_data()
        assert all("stale" in site for site in down.get_json())
        far = client.get("/api/v1/nearest?q=Brest")
        assert far.status_code == 200
        assert far.headers["Warning"] == STALE
        assert far.get_json() == nearest.get_json()
        # What the snapshot does not hold is a 503, not a 500.
        detail = client.get("/api/v1/sites/clermont-ferrand")
        assert_problem(detail, 503)
        assert detail.headers["Retry-After"]
    back = client.get("/api/v1/sites?study=cart-lupus")
    assert back.status_code == 200
    assert "Warning" not in back.headers


def test_fhir_reads_answer_from_the_last_read_model_while_the_database_is_gone(live):
    """FHIR is a projection of the read model: served from it as the JSON API is, marked
    stale; what it cannot answer from memory is a 503 OperationOutcome, never a 500."""
    client = live.test_client()
    paths = (
        "/fhir/Location/nantes",
        "/fhir/Location?near=45.77|3.08|300|km&status=active",
        "/fhir/PractitionerRole?_count=5",
        "/fhir/ResearchStudy/cart-lupus",
    )
    before = {path: client.get(path) for path in paths}
    assert all(r.status_code == 200 and "Warning" not in r.headers for r in before.values())
    with database_gone(live):
        for path in paths:
            down = client.get(path)
            assert down.status_code == 200, (path, down.get_data(as_text=True))
            assert down.headers["Warning"] == STALE
            body, was = down.get_json(), before[path].get_json()
            if body["resourceType"] == "Bundle":
                body.pop("meta", None), was.pop("meta", None)
            assert body == was
        # Nothing read yet, nothing to serve: a 503 OperationOutcome with Retry-After.
        live.extensions.pop("sitedir_fhir", None)
        live.extensions.pop("sitedir_snapshot", None)
        _drop_connections(live)
        gone = client.get("/fhir/Location/nantes")
        assert gone.status_code == 503, gone.get_data(as_text=True)
        assert gone.get_json()["resourceType"] == "OperationOutcome"
        assert gone.headers["Retry-After"]
    assert client.get("/fhir/Location/nantes").status_code == 200


def test_writes_answer_503_with_retry_after_while_the_database_is_gone(live):
    client = live.test_client()
    headers = make_tokens(live)
    client.get("/api/v1/sites")
    with database_gone(live):
        response = client.patch(
            "/api/v1/sites/clermont-ferrand",
            json={"status": "recruiting"},
            headers={**headers["own"], "If-Match": '"1"'},
        )
    body = assert_problem(response, 503)
    assert response.headers["Retry-After"] == "10"
    assert "Traceback" not in body["detail"]


def test_the_last_snapshot_is_served_for_a_bounded_time_only(live):
    client = live.test_client()
    assert client.get("/api/v1/sites").status_code == 200
    store = live.extensions["sitedir_snapshot"]
    with database_gone(live):
        assert client.get("/api/v1/sites").status_code == 200
        store["good_at"] -= live.config["DEGRADED_SECONDS"] + 1
        response = client.get("/api/v1/sites")
    assert_problem(response, 503)


def test_nothing_to_serve_is_a_503_not_a_500(live):
    _drop_connections(live)
    live.extensions.pop("sitedir_snapshot", None)
    with database_gone(live):
        response = live.test_client().get("/api/v1/sites")
    assert_problem(response, 503)


@pytest.mark.parametrize(
    "error",
    [
        redis.exceptions.ConnectionError("Connection refused"),
        redis.exceptions.TimeoutError("Timeout reading from socket"),
        smtplib.SMTPServerDisconnected("Connection unexpectedly closed"),
        OperationalError("SELECT 1", {}, Exception("server closed the connection")),
        TimeoutError("timed out"),
    ],
    ids=type,
)
def test_dependency_errors_are_503_problems(app, error):
    @app.get("/test-dependency-fails")
    def _fails():
        raise error

    response = app.test_client().get("/test-dependency-fails")
    body = assert_problem(response, 503)
    assert response.headers["Retry-After"] == "10"
    assert str(error) not in body["detail"]


def test_a_programming_error_stays_a_500(app):
    @app.get("/test-bug")
    def _bug():
        raise KeyError("bug")

    app.config["PROPAGATE_EXCEPTIONS"] = False  # as in production: TESTING would raise it
    assert_problem(app.test_client().get("/test-bug"), 500)


# ---- 24.3 timeouts ------------------------------------------------------------------------


def _configured(url: str, **config) -> dict:
    settings = {
        "SQLALCHEMY_DATABASE_URI": url,
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "DB_CONNECT_TIMEOUT": 5,
        "DB_STATEMENT_TIMEOUT_MS": 10000,
        "DB_KEEPALIVES_IDLE": 30,
        "DB_POOL_TIMEOUT": 3,
        **config,
    }
    db_engine.configure(settings)
    return settings


def test_postgresql_gets_every_timeout():
    options = _configured("postgresql+psycopg://u@db.internal/sitedir")["SQLALCHEMY_ENGINE_OPTIONS"]
    assert options["pool_timeout"] == 3
    assert options["pool_pre_ping"] is True
    args = options["connect_args"]
    assert args["connect_timeout"] == 5
    assert args["options"] == "-c statement_timeout=10000"
    assert (args["keepalives"], args["keepalives_idle"]) == (1, 30)


def test_timeouts_can_be_turned_off_one_by_one():
    args = _configured(
        "postgresql+psycopg://u@db.internal/sitedir",
        DB_STATEMENT_TIMEOUT_MS=0,
        DB_KEEPALIVES_IDLE=0,
    )["SQLALCHEMY_ENGINE_OPTIONS"]["connect_args"]
    assert "options" not in args and "keepalives" not in args


@pytest.mark.skipif(not ON_POSTGRES, reason="PostgreSQL only (SITEDIR_TEST_DATABASE_URL)")
def test_postgresql_sessions_run_under_the_statement_timeout(app):
    with app.app_context():
        assert db.session.execute(text("SHOW statement_timeout")).scalar() == "10s"
        with pytest.raises(OperationalError, match="statement timeout"):
            db.session.execute(text("SET statement_timeout = 200; SELECT pg_sleep(2)"))


def test_readyz_gives_up_on_a_database_that_hangs(client, monkeypatch):
    def hangs(app):
        time.sleep(3)

    monkeypatch.setattr(health, "_read_a_table", hangs)
    started = time.monotonic()
    response = client.get("/readyz")
    assert time.monotonic() - started < 2.5
    assert response.status_code == 503
    assert response.get_json()["checks"]["database"] == "error: timeout"


# ---- 24.5 SQLite --------------------------------------------------------------------------


def _sqlite_app(path, **config):
    return create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}",
            "SECRET_KEY": "t",
            **config,
        }
    )


def test_sqlite_files_open_read_write_in_wal(tmp_path):
    app = _sqlite_app(tmp_path / "d.db")
    assert app.config["SQLALCHEMY_DATABASE_URI"].endswith("?mode=rw&uri=true")
    with app.app_context():
        assert db.session.execute(text("PRAGMA journal_mode")).scalar() == "wal"
    _drop_connections(app)


def test_readyz_reads_a_real_table(tmp_path):
    sqlite3.connect(tmp_path / "empty.db").close()  # opens, answers SELECT 1, holds nothing
    app = _sqlite_app(tmp_path / "empty.db", SEED_ON_START=False)
    response = app.test_client().get("/readyz")
    assert response.status_code == 503
    assert response.get_json()["checks"]["database"] == "error: OperationalError"
    _drop_connections(app)


def test_a_read_only_sqlite_file_is_refused_at_connect(tmp_path, monkeypatch):
    app = _sqlite_app(tmp_path / "ro.db")
    assert app.test_client().get("/readyz").status_code == 200
    _drop_connections(app)
    real = os.access
    monkeypatch.setattr(
        os, "access", lambda p, mode: False if str(p).endswith("ro.db") else real(p, mode)
    )
    response = app.test_client().get("/readyz")
    assert response.status_code == 503
    _drop_connections(app)


def test_read_only_errors_retire_the_connection(tmp_path):
    path = tmp_path / "ro.db"
    sqlite3.connect(path).executescript("CREATE TABLE t (x); PRAGMA journal_mode=WAL;")
    # mode=ro: what a connection opened on a read-only file is, whatever it asked for.
    engine = create_engine(f"sqlite:///file:{path}?mode=ro&uri=true")
    db_engine.install_hooks(engine)
    with engine.connect() as connection:
        with pytest.raises(DBAPIError) as raised:
            connection.exec_driver_sql("INSERT INTO t VALUES (1)")
    assert raised.value.connection_invalidated
    engine.dispose()


@pytest.mark.parametrize("path", ["/", "/?q=Brest", "/api/v1/places?q=Brest"])
def test_pages_and_place_search_answer_while_the_database_is_gone(live, path):
    client = live.test_client()
    before = client.get(path)
    assert before.status_code == 200
    with database_gone(live):
        during = client.get(path)
    assert during.status_code == 200, during.get_data(as_text=True)[:300]
    if path.startswith("/?") or path == "/":  # drawn from the snapshot: marked stale
        assert during.headers["Warning"] == STALE
        assert during.get_data() == before.get_data()


# ---- 24.6 clocks --------------------------------------------------------------------------


class _AheadClock(datetime):
    """datetime, two days ahead: an instance whose clock drifted (further ahead, its
    tokens would look expired)."""

    @classmethod
    def now(cls, tz=None):
        return datetime.now(tz) + timedelta(days=2)


def test_a_clock_ahead_of_the_database_writes_nothing(app, client, tokens, monkeypatch):
    url = "/api/v1/sites/clermont-ferrand"
    assert client.post(f"{url}/confirm", headers=tokens["own"]).status_code == 200
    confirmed = client.get(url).get_json()["status_confirmed_at"]
    monkeypatch.setattr(clock, "datetime", _AheadClock)
    response = client.post(f"{url}/confirm", headers=tokens["own"])
    assert_problem(response, 503)
    monkeypatch.undo()
    assert client.get(url).get_json()["status_confirmed_at"] == confirmed


def test_a_clock_within_the_tolerance_writes(app, client, tokens, monkeypatch):
    class _Slightly(datetime):
        @classmethod
        def now(cls, tz=None):
            return datetime.now(tz) + timedelta(seconds=20)

    monkeypatch.setattr(clock, "datetime", _Slightly)
    response = client.post("/api/v1/sites/clermont-ferrand/confirm", headers=tokens["own"])
    assert response.status_code == 200


# ---- 24.13 backup -------------------------------------------------------------------------


def test_backup_restores_and_starts(tmp_path):
    app = _sqlite_app(tmp_path / "live.db")
    client = app.test_client()
    headers = make_tokens(app)
    url = "/api/v1/sites/clermont-ferrand"
    assert client.post(f"{url}/confirm", headers=headers["own"]).status_code == 200
    before = client.get(url).get_json()
    result = app.test_cli_runner().invoke(args=["backup", str(tmp_path / "copy.db")])
    assert result.exit_code == 0, result.output
    again = app.test_cli_runner().invoke(args=["backup", str(tmp_path / "copy.db")])
    assert again.exit_code != 0 and "exists" in again.output
    _drop_connections(app)
    # Restored in place of a lost file: the app starts on it with the same data.
    restored = tmp_path / "restored.db"
    shutil.copy(tmp_path / "copy.db", restored)
    other = _sqlite_app(restored, SEED_ON_START=False)
    other_client = other.test_client()
    assert other_client.get("/readyz").status_code == 200
    assert other_client.get(url).get_json() == before
    audit = other_client.get("/api/v1/audit", headers=headers["network"]).get_json()
    assert audit[0]["action"] == "site.confirm"  # accounts, tokens and audit came too
    _drop_connections(other)


def test_backup_refuses_postgresql():
    app = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://u@127.0.0.1:1/none",
            "SEED_ON_START": False,
        }
    )
    result = app.test_cli_runner().invoke(args=["backup", "/tmp/never.db"])
    assert result.exit_code != 0 and "pg_dump" in result.output


def test_a_browser_on_a_page_gets_the_503_as_a_page(live):
    # Nothing in memory yet: the search page itself cannot be drawn.
    _drop_connections(live)
    live.extensions.pop("sitedir_snapshot", None)
    live.extensions.pop("sitedir_widget_studies", None)
    with database_gone(live):
        response = live.test_client().get("/", headers={"Accept": "text/html"})
    assert response.status_code == 503
    assert response.mimetype == "text/html"
    assert response.headers["Retry-After"] == "10"
