"""gunicorn settings for production: `gunicorn wsgi:app` reads this file by default."""

import multiprocessing
import os
import sys

# Each variable is declared, typed and documented once, in sitedir/config.py; all of the
# server's are parsed here at once, so a bad value stops the start with one line naming
# every variable that does not parse.
from sitedir.config import BY_KEY, SettingError, parse_environment

try:
    SETTINGS = parse_environment(group="server")
    SETTINGS["PROMETHEUS_MULTIPROC_DIR"] = BY_KEY["PROMETHEUS_MULTIPROC_DIR"].parse(os.environ)
except SettingError as error:
    sys.exit(error.message)

bind = SETTINGS["BIND"]
# The usual (2 x cores) + 1 sync workers, each serving one request at a time, behind a
# proxy or load balancer that buffers slow clients. On the 2-core development machine they
# kept nearest's p99 at 32 connections at 13 ms, against 45 ms for 5 threaded workers of 2
# threads each, at the same throughput (bench/RESULTS.md, "Load"). SITEDIR_THREADS above 1
# makes them threaded (gthread, with keep-alive): for clients that reach gunicorn directly.
workers = SETTINGS["WEB_CONCURRENCY"] or multiprocessing.cpu_count() * 2 + 1
worker_class = "sync"
threads = SETTINGS["THREADS"]
timeout = SETTINGS["TIMEOUT"]
graceful_timeout = 20
keepalive = 5
# Recycle workers now and then, so a slow leak can never take an instance down; but
# rarely: a recycled worker drops its keep-alive connections and its cache of answers.
# At 5,000 a worker under load restarted every few seconds, and nearest's p99 at 8
# connections was 27 ms against 11 ms at 100,000 (threaded workers; bench/RESULTS.md).
max_requests = SETTINGS["MAX_REQUESTS"]
max_requests_jitter = max_requests // 10
# The app writes its own JSON access log (request id, path, status, duration).
accesslog = None
errorlog = "-"
loglevel = SETTINGS["LOG_LEVEL"]
# gunicorn's own log (boot, worker timeouts and exits) as the app's: one JSON object per
# line (sitedir/logs.py), on stderr, through the root logger the app logs to as well.
logconfig_dict = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"json": {"()": "sitedir.logs.JsonFormatter"}},
    "handlers": {
        "stderr": {
            "class": "logging.StreamHandler",
            "formatter": "json",
            "stream": "ext://sys.stderr",
        }
    },
    "root": {"level": loglevel.upper(), "handlers": ["stderr"]},
    "loggers": {
        "gunicorn.error": {"level": loglevel.upper(), "handlers": [], "propagate": True},
        "gunicorn.access": {"level": loglevel.upper(), "handlers": [], "propagate": True},
        # Alembic's INFO lines at import and at each schema check (sitedir/logs.py).
        "alembic": {"level": "WARNING"},
    },
}
# No control socket: by default every instance on a host shares $HOME/.gunicorn/gunicorn.ctl,
# and `gunicornc` could raise the worker count past the in-memory-limits check below.
# SITEDIR_GUNICORN_CONTROL_SOCKET gives one its own path instead.
control_socket = SETTINGS["GUNICORN_CONTROL_SOCKET"] or "gunicorn.ctl"
control_socket_disable = not SETTINGS["GUNICORN_CONTROL_SOCKET"]
# Load the app (and the gazetteer) once, before forking the workers.
preload_app = True
forwarded_allow_ips = SETTINGS["FORWARDED_ALLOW_IPS"]


def on_starting(server):
    """Refuse to start workers that would each keep their own rate-limit counters."""
    import sys

    wsgi = sys.modules.get("wsgi")  # preloaded: the app's settings are known here
    if wsgi is None:
        return
    from sitedir.web.ratelimit import unshared_counters_problem

    problem = unshared_counters_problem(wsgi.app, server.cfg.workers)
    if problem:
        server.log.error(problem)
        sys.exit(1)
    if not wsgi.app.config.get("PUBLIC_URL"):
        # Without it each trusted Host and port a client sends gets its own URLs (reset
        # links, feeds, FHIR) and its own FHIR catalogue. Fatal unless gunicorn listens on
        # loopback only (development, benchmarks and tests on 127.0.0.1).
        if not all(_loopback(address) for address in server.cfg.bind):
            server.log.error(
                "sitedir: set SITEDIR_PUBLIC_URL (e.g. https://annuaire.example.fr): "
                "listening on %s, absolute URLs would follow each request's Host",
                ", ".join(server.cfg.bind),
            )
            sys.exit(1)
        server.log.warning(
            "sitedir: SITEDIR_PUBLIC_URL is not set: absolute URLs (feed, FHIR, emails) "
            "follow each request's Host, one of %s",
            ", ".join(wsgi.app.config["TRUSTED_HOSTS"]),
        )


def _loopback(address: str) -> bool:
    """True for a bind address only this machine reaches (127.x, ::1, localhost, a unix path)."""
    import ipaddress

    if address.startswith("unix:"):
        return True
    if address.startswith("fd://"):
        # A socket handed over by a supervisor (systemd, a test): ask it where it listens.
        import os
        import socket

        try:
            # A duplicate, its family read from the descriptor: closing it leaves the
            # listener open.
            inherited = socket.socket(fileno=os.dup(int(address[5:])))
        except (ValueError, OSError):
            return False
        with inherited:
            try:
                host = inherited.getsockname()[0]
            except OSError:
                return False
        address = host if ":" not in host else f"[{host}]:0"
    host = address.rpartition(":")[0].strip("[]") if ":" in address else address
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def post_fork(server, worker):
    """Drop database connections inherited from the master: each worker opens its own."""
    import sys

    wsgi = sys.modules.get("wsgi")
    if wsgi is None:  # another app under the same settings (the benchmarks' hello app)
        return
    from sitedir.extensions import db

    with wsgi.app.app_context():
        db.engine.dispose(close=False)


def when_ready(server):
    """Metrics under gunicorn (PROMETHEUS_MULTIPROC_DIR): start from an empty directory, so
    counts from a previous run are not added to this one's."""
    directory = SETTINGS["PROMETHEUS_MULTIPROC_DIR"]
    if directory:
        import glob

        for path in glob.glob(os.path.join(directory, "*.db")):
            os.remove(path)


def child_exit(server, worker):
    """A worker gone: its live gauges leave the metrics (prometheus-client multiprocess)."""
    if SETTINGS["PROMETHEUS_MULTIPROC_DIR"]:
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
