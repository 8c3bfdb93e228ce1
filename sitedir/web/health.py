"""Liveness and readiness probes for load balancers and orchestrators."""

from flask import Blueprint, Flask, jsonify
from sqlalchemy import text

from sitedir.extensions import db
from sitedir.places.gazetteer import get_gazetteer
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
    """Ready when the database answers and the gazetteer is loaded; 503 otherwise.

    "degraded" (still 200) when Redis does not answer: see web/ratelimit.py."""
    checks = {}
    try:
        db.session.execute(text("SELECT 1"))
        checks["database"] = "ok"
    except Exception as exc:
        db.session.rollback()
        checks["database"] = f"error: {type(exc).__name__}"
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
