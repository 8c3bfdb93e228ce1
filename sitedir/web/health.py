"""Liveness and readiness probes for load balancers and orchestrators."""

import threading
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as Late
from typing import cast

from flask import Blueprint, Flask, current_app, jsonify
from werkzeug.local import LocalProxy

from sitedir.extensions import db
from sitedir.places.gazetteer import get_gazetteer
from sitedir.web.drain import is_draining
from sitedir.web.ratelimit import storage_state

blp = Blueprint("health", __name__)


def register_health(app: Flask) -> None:
    """Serve the probes, outside the rate limits: a load balancer polls them often."""
    app.register_blueprint(blp)
    app.extensions["sitedir_limiter"].exempt(blp)


@blp.get("/healthz")
def healthz():
    """The process is alive and answering."""
    return jsonify({"status": "ok"})


@blp.get("/readyz")
def readyz():
    """Ready when the database answers (a real table, within 1 s) and the gazetteer is
    loaded; 503 otherwise.

    "degraded" (still 200) when Redis does not answer: see web/ratelimit.py. "draining"
    (503) while the drain switch is on (web/drain.py): a deploy under way."""
    if is_draining():
        response = jsonify({"status": "draining", "checks": {"drain": "on"}})
        response.status_code = 503
        response.headers["Cache-Control"] = "no-store"
        return response
    # Flask types current_app as the app itself; the check's thread needs the app, which
    # the LocalProxy's object is.
    app = cast("LocalProxy[Flask]", current_app)._get_current_object()
    checks = {"database": database_check(app)}
    try:
        count = sum(1 for _ in get_gazetteer().places())
        checks["gazetteer"] = f"ok ({count} places)"
    except Exception as exc:
        checks["gazetteer"] = f"error: {type(exc).__name__}"
    ready = all(value.startswith("ok") for value in checks.values())
    # Redis down is degraded, not down: public reads still answer (counted per process).
    checks["redis"] = storage_state()
    status = "not ready" if not ready else "ready"
    if ready and not checks["redis"].startswith("ok"):
        status = "degraded"
    response = jsonify({"status": status, "checks": checks})
    response.status_code = 200 if ready else 503
    response.headers["Cache-Control"] = "no-store"
    return response


# The readiness probe's database check gives up after this long: a load balancer must not
# wait on a database that hangs, and a check that cannot answer in a second is not ready.
DATABASE_CHECK_SECONDS = 1.0
_executor_lock = threading.Lock()


def database_check(app: Flask) -> str:
    """ "ok" when a real table answers within DATABASE_CHECK_SECONDS; "error: ..." otherwise.

    The read runs on one thread per process: a check stuck on a hung database holds that
    thread, and the checks after it time out behind it instead of piling up threads.
    """
    with _executor_lock:
        executor = app.extensions.get("sitedir_ready_executor")
        if executor is None:
            executor = ThreadPoolExecutor(1, thread_name_prefix="sitedir-readyz")
            app.extensions["sitedir_ready_executor"] = executor
    try:
        executor.submit(_read_a_table, app).result(timeout=DATABASE_CHECK_SECONDS)
    except Late:
        return "error: timeout"
    except Exception as exc:
        return f"error: {type(exc).__name__}"
    return "ok"


def _read_a_table(app: Flask) -> None:
    # A table, not SELECT 1: a SQLite file that opens but cannot be read (made read-only
    # with a hot journal, or gone) answers SELECT 1 and fails every real read.
    with app.app_context(), db.engine.connect() as connection:
        if connection.dialect.name == "postgresql":
            milliseconds = int(DATABASE_CHECK_SECONDS * 1000)
            connection.exec_driver_sql(f"SET LOCAL statement_timeout = {milliseconds}")
        connection.exec_driver_sql("SELECT id FROM site LIMIT 1").all()
