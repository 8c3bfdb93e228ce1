"""How fresh public answers are: FRESHNESS_MS across processes, at once for local writes.

"Another process" is played by a second engine on the same database (a SQLite file, or
PostgreSQL), writing raw SQL the app's session never sees. The snapshot's clock is a
controllable one (time.monotonic in sitedir.readmodel.snapshot).
"""

import threading
from types import SimpleNamespace

import pytest
from sqlalchemy import create_engine, text

from sitedir.extensions import db
from sitedir.models import Site
from sitedir.readmodel import snapshot as snapshot_module

VICHY = "/api/v1/nearest?q=Vichy&limit=1"


@pytest.fixture
def app(shared_app):
    """A database other engines reach too (the suite's in-memory SQLite is one connection)."""
    return shared_app


class Clock:
    def __init__(self):
        self.now = 1000.0

    def monotonic(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch):
    clock = Clock()
    monkeypatch.setattr(snapshot_module, "time", SimpleNamespace(monotonic=clock.monotonic))
    return clock


@pytest.fixture
def reads(monkeypatch):
    """How many times the fingerprint was read from the database."""
    count = []
    original = snapshot_module._fingerprint
    monkeypatch.setattr(snapshot_module, "_fingerprint", lambda: count.append(1) or original())
    return count


def _suspend_elsewhere(app, slug="clermont-ferrand"):
    """A write by another process: its own engine, raw SQL, the app's session unaware."""
    other = create_engine(app.config["SQLALCHEMY_DATABASE_URI"])
    with other.begin() as connection:
        connection.execute(
            text("UPDATE site SET status = 'suspended', version = version + 1 WHERE slug = :slug"),
            {"slug": slug},
        )
    other.dispose()


def _first(client) -> str:
    return client.get(VICHY).get_json()["results"][0]["id"]


def test_with_no_interval_a_change_elsewhere_shows_at_once(app, clock):
    app.config["FRESHNESS_MS"] = 0
    client = app.test_client()
    assert _first(client) == "clermont-ferrand"
    _suspend_elsewhere(app)
    assert _first(client) != "clermont-ferrand"  # same instant on the clock


def test_a_change_elsewhere_shows_once_the_interval_has_passed(app, clock, reads):
    app.config["FRESHNESS_MS"] = 60_000
    client = app.test_client()
    assert _first(client) == "clermont-ferrand"
    assert len(reads) == 1
    _suspend_elsewhere(app)
    clock.now += 59.9
    assert _first(client) == "clermont-ferrand"  # up to a minute stale, as configured
    assert client.get("/api/v1/sites/clermont-ferrand").get_json()["status"] == "suspended"
    assert len(reads) == 1  # no database round trip for the fingerprint meanwhile
    clock.now += 0.2
    assert _first(client) != "clermont-ferrand"
    assert len(reads) == 2


def test_a_write_through_the_app_shows_on_the_next_request(app, clock, tokens):
    app.config["FRESHNESS_MS"] = 60_000
    client = app.test_client()
    assert _first(client) == "clermont-ferrand"
    tag = client.get("/api/v1/sites/clermont-ferrand").headers["ETag"]
    response = client.patch(
        "/api/v1/sites/clermont-ferrand",
        json={"status": "suspended", "status_reason": "Pause"},
        headers={**tokens["own"], "If-Match": tag},
    )
    assert response.status_code == 200, response.get_json()
    assert _first(client) != "clermont-ferrand"  # the clock has not moved


def test_a_commit_through_the_session_counts_as_a_local_write(app, clock):
    app.config["FRESHNESS_MS"] = 60_000
    client = app.test_client()
    assert _first(client) == "clermont-ferrand"
    with app.app_context():
        db.session.scalar(
            db.select(Site).where(Site.slug == "clermont-ferrand")
        ).status = "suspended"
        db.session.commit()
    assert _first(client) != "clermont-ferrand"


def test_raw_sql_through_the_session_counts_too(app, clock):
    app.config["FRESHNESS_MS"] = 60_000
    client = app.test_client()
    assert _first(client) == "clermont-ferrand"
    with app.app_context():
        db.session.execute(
            text("UPDATE site SET status = 'suspended', version = version + 1 WHERE slug = :s"),
            {"s": "clermont-ferrand"},
        )
        db.session.commit()
    assert _first(client) != "clermont-ferrand"


def test_reads_and_rolled_back_writes_do_not_force_a_new_read(app, clock, reads):
    app.config["FRESHNESS_MS"] = 60_000
    client = app.test_client()
    client.get(VICHY)
    with app.app_context():
        db.session.scalar(db.select(Site).where(Site.slug == "nantes"))
        db.session.commit()  # nothing written
        db.session.scalar(db.select(Site).where(Site.slug == "nantes")).status = "suspended"
        db.session.flush()
        db.session.rollback()
    client.get(VICHY)
    assert len(reads) == 1


def test_one_fingerprint_read_per_interval_whatever_the_threads(app, clock, reads):
    app.config["FRESHNESS_MS"] = 1000
    app.test_client().get(VICHY)
    clock.now += 2  # expired: the next requests race to read it
    start = threading.Barrier(8)
    codes = []

    def hammer():
        client = app.test_client()
        start.wait()
        codes.extend(client.get(VICHY).status_code for _ in range(10))

    threads = [threading.Thread(target=hammer) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert codes == [200] * 80
    assert len(reads) == 2


def test_the_default_interval_is_one_second(app):
    assert app.config["FRESHNESS_MS"] == 1000


def test_a_new_day_dumps_only_the_sites_whose_stale_flips(app, monkeypatch, tokens):
    from datetime import timedelta

    from sitedir.domain import clock

    app.config["FRESHNESS_MS"] = 0
    client = app.test_client()
    client.post("/api/v1/sites/clermont-ferrand/confirm", headers=tokens["own"])
    before = {s["id"]: s for s in client.get("/api/v1/sites").get_json()}
    assert before["clermont-ferrand"]["stale"] is False
    dumped = []
    original = snapshot_module._serialise
    monkeypatch.setattr(snapshot_module, "_serialise", lambda s: dumped.append(s) or original(s))
    today = clock.today_in_paris()
    monkeypatch.setattr(clock, "today_in_paris", lambda: today + timedelta(days=31))
    after = {s["id"]: s for s in client.get("/api/v1/sites").get_json()}
    assert dumped == []  # no site serialised again: only its `stale` moved
    assert after["clermont-ferrand"]["stale"] is True
    assert after == {k: {**v, "stale": True} for k, v in before.items()}
    nearest = client.get("/api/v1/nearest?insee=63113&limit=1").get_json()
    assert nearest["results"][0]["stale"] is True


def test_a_snapshot_built_before_fork_keeps_no_connection_and_still_sees_changes(app, clock):
    """wsgi.py builds the snapshot in gunicorn's master: forked workers inherit it, so the
    master must keep no database connection (a worker would share its socket), and the
    inherited snapshot must still give way to later changes."""
    app.config["FRESHNESS_MS"] = 0
    snapshot_module.build_before_fork(app)
    assert "sitedir_fingerprint" not in app.extensions  # its connections are closed
    with app.app_context():
        assert db.engine.pool.checkedin() == 0
        built = snapshot_module.current_snapshot()
        assert snapshot_module.current_snapshot() is built  # nothing changed: no rebuild
    _suspend_elsewhere(app)
    answer = app.test_client().get(VICHY).get_json()
    assert answer["results"][0]["id"] != "clermont-ferrand"
    assert answer["nearer_not_open"][0]["id"] == "clermont-ferrand"
