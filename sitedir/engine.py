"""How the app reaches its database when it fails: timeouts, keepalives, SQLite's mode and
journal, and which driver errors retire a connection.

And the clock: a write is refused when this machine's clock is ahead of the database's by
more than CLOCK_TOLERANCE, so that no change is ever dated in the future (an instance 400
days ahead once kept a status "fresh" for 430 days).

Without these, a PostgreSQL that hangs blocks every worker until gunicorn kills them all,
and a SQLite file made read-only leaves read-only connections in the pool for good.
"""

import logging
import os
import sqlite3
import threading
import time
from datetime import UTC, datetime, timedelta

from sqlalchemy import event
from sqlalchemy.engine import Engine, make_url

from sitedir.domain import clock
from sitedir.extensions import db
from sitedir.logs import dependencies

log = logging.getLogger(__name__)

# SQLite errors after which the connection is of no more use: dropped from the pool (as a
# PostgreSQL connection the server closed is), so the next one sees the file as it is now.
SQLITE_DEAD = ("readonly database", "disk i/o error", "unable to open database file")


def sqlite_file(url: str) -> str | None:
    """The path of the file a SQLite URL names; None for another database or memory."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    path = parsed.database
    return path[len("file:") :] if path.startswith("file:") else path


def configure(config: dict) -> None:
    """Rewrite the database URL and engine options in `config` with the timeouts.

    Explicit SQLALCHEMY_ENGINE_OPTIONS (a test's) win over these defaults.
    """
    url = config["SQLALCHEMY_DATABASE_URI"]
    options = dict(config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
    backend = make_url(url).get_backend_name()
    if backend == "postgresql":
        connect_args = {"connect_timeout": config["DB_CONNECT_TIMEOUT"]}
        if config["DB_STATEMENT_TIMEOUT_MS"] > 0:
            connect_args["options"] = f"-c statement_timeout={config['DB_STATEMENT_TIMEOUT_MS']}"
        if config["DB_KEEPALIVES_IDLE"] > 0:
            # A server gone without a word (a failover, a cut cable) is noticed in
            # idle + interval × count seconds instead of the kernel's two hours; data
            # sent and never acknowledged gives up in as long (tcp_user_timeout).
            connect_args |= {
                "keepalives": 1,
                "keepalives_idle": config["DB_KEEPALIVES_IDLE"],
                "keepalives_interval": 10,
                "keepalives_count": 3,
                "tcp_user_timeout": (config["DB_KEEPALIVES_IDLE"] + 30) * 1000,
            }
        options["connect_args"] = connect_args | options.get("connect_args", {})
        options.setdefault("pool_timeout", config["DB_POOL_TIMEOUT"])
    path = sqlite_file(url)
    if path is not None:
        # mode=rw asks for a writable file (SQLite still falls back to read-only when the
        # system refuses: the connect hook checks). The file is made here, as SQLite's
        # default mode would have, so that `flask db upgrade` works on a first deploy.
        if not os.path.exists(path) and os.path.isdir(os.path.dirname(os.path.abspath(path))):
            open(path, "ab").close()
        config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///file:{path}?mode=rw&uri=true"
        connect_args = {"timeout": config["DB_CONNECT_TIMEOUT"]}
        options["connect_args"] = connect_args | options.get("connect_args", {})
    config["SQLALCHEMY_ENGINE_OPTIONS"] = options


def answer_timeout(config) -> float | None:
    """How long a PostgreSQL connection waits for any answer before it is closed: the
    statement timeout and one second (the server's own error comes first), or
    SITEDIR_DB_ANSWER_TIMEOUT; None for no bound."""
    explicit = config.get("DB_ANSWER_TIMEOUT") or 0
    if explicit > 0:
        return float(explicit)
    statement = config.get("DB_STATEMENT_TIMEOUT_MS") or 0
    return statement / 1000 + 1 if statement > 0 else None


# The pool's liveness check and the fingerprint read are trivial queries: a server that
# does not answer them within this long is taken as hung.
QUICK_ANSWER_SECONDS = 2.0
# How often, while the breaker is open, a thread of its own asks the server again.
PROBE_SECONDS = 0.5


class Breaker:
    """Opened by a server that did not answer (a query or a connection timed out).

    While open, no query nor connection is tried: OperationalError at once, so that a
    hung server costs one request its timeout, not every request (a read checks the
    data's fingerprint every second, and would wait 2 s each time). A thread probes the
    server (connect, SELECT 1, under the same timeouts) every PROBE_SECONDS and closes
    the breaker as soon as it answers: no request waits on the probe.
    """

    def __init__(self):
        self.open = False
        # (connection class, cargs, cparams) of the engine's last connect: the probe's.
        self.connect_args: tuple | None = None
        # With several hosts, (host, port) of the one that last accepted a session: the
        # first tried (hosts_preferred_first).
        self.preferred: tuple[str, str] | None = None
        self._lock = threading.Lock()
        self._probe: threading.Thread | None = None

    def trip(self) -> None:
        """The server did not answer: fail fast until the probe hears from it."""
        with self._lock:
            self.open = True
            if self.connect_args is None or (self._probe and self._probe.is_alive()):
                return
            self._probe = threading.Thread(
                target=self._probe_until_answered,
                args=(self.connect_args,),
                name="sitedir-db-probe",
                daemon=True,
            )
            self._probe.start()

    def check(self) -> None:
        """Raise when open (the caller fails fast, as if it had timed out)."""
        if self.open:
            import psycopg

            raise psycopg.OperationalError(
                "the database did not answer lately: not tried until it answers a probe"
            )

    def _probe_until_answered(self, connect_args: tuple) -> None:
        factory, cargs, cparams = connect_args
        while self.open:
            time.sleep(PROBE_SECONDS)
            params = hosts_preferred_first(cparams, self.preferred)
            try:
                with factory.connect(*cargs, **params) as probe:
                    probe.probing, probe.answer_timeout = True, QUICK_ANSWER_SECONDS
                    probe.execute("SELECT 1")
                    self.remember(probe, params)
            except Exception as exc:  # still hung or down: ask again
                log.debug("database probe: %s", type(exc).__name__)
                continue
            self.open = False
            log.warning("database answers again: connections are tried again")

    def remember(self, connection, params: dict) -> None:
        """With several hosts, the one `connection` reached is the first tried next."""
        if "," in str(params.get("host") or ""):
            self.preferred = (connection.info.host, str(connection.info.port))


def _bounded_connection_class():
    import psycopg
    from psycopg import errors

    class BoundedConnection(psycopg.Connection):
        """A psycopg connection that gives up on a server that does not answer.

        Keepalives and tcp_user_timeout catch a server that is gone, not one that is
        hung: a stopped (SIGSTOP) or frozen PostgreSQL still has its kernel acknowledge
        every packet, and statement_timeout is enforced by the server itself. Without a
        bound on the client's side, a query sent on an open connection waits until
        gunicorn kills the worker. Past `answer_timeout` seconds the connection is
        closed (its state is unknown) and OperationalError raised: the pool drops it.
        """

        answer_timeout: float | None = None
        breaker = Breaker()  # one per engine: this class is made per engine
        probing = False  # the breaker's own probe goes through

        def wait(self, gen, interval=0.1, timeout=None):
            limit = timeout if timeout is not None else self.answer_timeout
            if not self.probing:
                try:
                    self.breaker.check()
                except psycopg.OperationalError:
                    self.pgconn.finish()  # to a server that hangs: of no more use
                    raise
            try:
                return super().wait(gen, interval=interval, timeout=limit)
            except errors._WaitTimeout:
                if not self.probing:
                    self.breaker.trip()
                self.pgconn.finish()
                raise psycopg.OperationalError(
                    f"the database did not answer within {limit:g} s: connection closed"
                ) from None

        def rollback(self):
            # Closed above: the server drops the transaction with the socket, and the
            # pool's reset must not fail (and log a traceback) on it.
            if self.closed:
                return
            super().rollback()

    return BoundedConnection


def install_hooks(engine: Engine, config: dict | None = None) -> None:
    """PostgreSQL: connections bounded on the client's side (a hung server), the pool's
    liveness check bounded to QUICK_ANSWER_SECONDS. SQLite files: WAL at connect, refused
    when read-only, dead connections dropped."""
    if engine.dialect.name == "postgresql" and engine.dialect.driver == "psycopg":
        _bound_postgresql(engine, answer_timeout(config or {}))

    @event.listens_for(engine, "checkout")
    def _answers(dbapi_connection, record, proxy):
        # A connection checked out has answered (pre-ping or connect): an outage logged
        # by sitedir.logs ends here, in one line.
        if dependencies.is_down("database"):
            dependencies.up("database")

    path = sqlite_file(str(engine.url))
    if path is None:
        return

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        # SQLite opens a file it may not write read-only without a word (even with
        # mode=rw): every write, and any read after a crash left a hot journal, then fails.
        directory = os.path.dirname(os.path.abspath(path))
        if not (os.access(path, os.W_OK) and os.access(directory, os.W_OK)):
            raise sqlite3.OperationalError(
                f"attempt to write a readonly database: {path} and its directory must be writable"
            )
        mode = dbapi_connection.execute("PRAGMA journal_mode").fetchone()[0]
        if mode.lower() != "wal":
            # Readers never wait for a writer, and a crash leaves no hot journal behind.
            dbapi_connection.execute("PRAGMA journal_mode=WAL")

    @event.listens_for(engine, "handle_error")
    def _retire_dead(context):
        original = context.original_exception
        if isinstance(original, sqlite3.Error) and any(
            words in str(original).lower() for words in SQLITE_DEAD
        ):
            context.is_disconnect = True


def hosts_preferred_first(cparams: dict, preferred: tuple[str, str] | None) -> dict:
    """Connection parameters with `preferred` (host, port) moved to the front of a
    multi-host list (`host=a,b port=p,q`), the others after it in their order.

    libpq tries the hosts in order, each for up to connect_timeout: after a failover whose
    old primary hangs (a frozen machine still accepts connections), every new connection
    would wait that long on it before reaching the new one. The process tries first the
    server that last accepted its session (target_session_attrs), and falls back on the
    others, in order, as before.
    """
    hosts = str(cparams.get("host") or "").split(",")
    if preferred is None or len(hosts) < 2:
        return cparams
    ports = [p or "5432" for p in str(cparams.get("port") or "").split(",")]
    if len(ports) == 1:
        ports *= len(hosts)
    pairs = list(zip(hosts, ports, strict=False))
    if len(ports) != len(hosts) or preferred not in pairs or pairs[0] == preferred:
        return cparams
    start = pairs.index(preferred)
    pairs = pairs[start:] + pairs[:start]
    return {
        **cparams,
        "host": ",".join(host for host, _ in pairs),
        "port": ",".join(port for _, port in pairs),
    }


def _bound_postgresql(engine: Engine, limit: float | None) -> None:
    bounded = _bounded_connection_class()

    from psycopg import errors

    @event.listens_for(engine, "do_connect")
    def _connect(dialect, record, cargs, cparams):
        breaker = bounded.breaker
        breaker.check()
        breaker.connect_args = (bounded, cargs, cparams)
        params = hosts_preferred_first(cparams, breaker.preferred)
        try:
            connection = bounded.connect(*cargs, **params)
        except errors.ConnectionTimeout:
            breaker.trip()  # accepted by the kernel, never answered: hung
            raise
        breaker.remember(connection, params)
        connection.answer_timeout = limit
        return connection

    ping = engine.dialect.do_ping

    def quick_ping(dbapi_connection):
        before = getattr(dbapi_connection, "answer_timeout", None)
        if before is None or before > QUICK_ANSWER_SECONDS:
            dbapi_connection.answer_timeout = QUICK_ANSWER_SECONDS
        try:
            return ping(dbapi_connection)
        finally:
            dbapi_connection.answer_timeout = before

    # This engine's dialect only, as an instance attribute: SQLAlchemy has no setting for
    # the ping's own timeout, and its stubs see only the method.
    engine.dialect.do_ping = quick_ping  # type: ignore[method-assign]


# How far this machine's clock may run ahead of the database's before writes are refused.
CLOCK_TOLERANCE = timedelta(minutes=1)

# The database's own clock, as an ISO string in UTC (clock_timestamp(): the moment of the
# query, not of the transaction's start).
DATABASE_NOW = {
    "postgresql": (
        "SELECT to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US')"
    ),
    "sqlite": "SELECT strftime('%Y-%m-%d %H:%M:%f', 'now')",
}


class ClockAhead(RuntimeError):
    """This machine's clock is ahead of the database's: its write times would be in the
    future. The write is refused (a 503, web/problems.py) until NTP sets it right."""


def check_clock(session) -> None:
    """Refuse the flush when clock.utc_now() is more than CLOCK_TOLERANCE ahead of the
    database's clock (one query per flush that writes: writes are rare)."""
    connection = session.connection()
    sql = DATABASE_NOW.get(connection.dialect.name)
    if sql is None:
        return
    database_now = datetime.fromisoformat(connection.exec_driver_sql(sql).scalar()).replace(
        tzinfo=UTC
    )
    ahead = clock.utc_now() - database_now
    if ahead > CLOCK_TOLERANCE:
        log.error(
            "clock ahead of the database's by %.0f s: write refused (set up NTP)",
            ahead.total_seconds(),
        )
        raise ClockAhead(f"this machine's clock is {ahead} ahead of the database's")


@event.listens_for(db.session, "before_flush")
def _writes_dated_now(session, flush_context, instances) -> None:
    if session.new or session.dirty or session.deleted:
        check_clock(session)


@event.listens_for(db.session, "after_flush")
def _flushed(session, flush_context) -> None:
    session.info["sitedir_wrote"] = True


# A write outage ends at a write committed this long after the last one refused (the
# Retry-After that refused writes are given).
WRITES_SETTLED_SECONDS = 10.0


@event.listens_for(db.session, "after_commit")
def _wrote(session) -> None:
    # A full disk or a read-only file refuses writes, not connections: the outage logged
    # by sitedir.logs ends at a write committed (rows flushed, then committed) once none
    # was refused for WRITES_SETTLED_SECONDS. At once, it flapped: on a full PostgreSQL
    # disk, a token's UPDATE fits its page and commits, the status change's INSERTs after
    # it cannot extend their files (bench/faults/postgres_disk.py: two lines per write).
    if session.info.pop("sitedir_wrote", False) and dependencies.is_down("database writes"):
        dependencies.up("database writes", settled=WRITES_SETTLED_SECONDS)


@event.listens_for(db.session, "after_rollback")
def _not_written(session) -> None:
    session.info.pop("sitedir_wrote", None)
