"""Rate limits (Flask-Limiter), shared through Redis when REDIS_URL is set.

Counters live in Redis so that every process and every instance counts together; without
REDIS_URL (a laptop) they are kept in memory. An exceeded limit is a 429 problem+json
with Retry-After. Each app gets its own Limiter (tests build many apps in one process).

Stricter limits are set by the features that need them, on this limiter
(`app.extensions["sitedir_limiter"]`): the admin package limits logins and its API.

When Redis is down or hung (issue 21), public reads fail open: Flask-Limiter counts in
each process's memory (its in-memory fallback, errors swallowed) behind short connect and
read timeouts, and goes back to Redis by itself when it answers again. Logins and reset
requests fail closed instead (`require_shared_counters`: 503 and Retry-After), since a
per-process count would multiply their limits; /readyz says "degraded".
"""

import logging

from flask import Flask, current_app
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

from sitedir.web import ratelimit_strategy

log = logging.getLogger(__name__)
# Seconds a client waits before retrying a login while the counters are unreachable.
RETRY_WHILE_DOWN = 30


def register_rate_limits(app: Flask) -> Limiter:
    """Bind a limiter to the app, the public limit by default, and return it."""
    app.config.setdefault("RATELIMIT_STORAGE_URI", app.config.get("REDIS_URL") or "memory://")
    # One public budget per client across every public route (an application limit): as a
    # default limit it was counted per route, so "600 a minute" was 600 on each of about 20.
    # The admin page and API have their own (admin/__init__.py); routes that need a
    # stricter one add it (FHIR search).
    app.config.setdefault("RATELIMIT_APPLICATION", app.config["RATELIMIT_PUBLIC"])
    # A sliding window counter, read back in the same Redis call that counts
    # (ratelimit_strategy.py): no burst of twice the limit across a window's boundary, and
    # one round trip per counted request.
    app.config.setdefault("RATELIMIT_STRATEGY", ratelimit_strategy.NAME)
    if app.config["RATELIMIT_STORAGE_URI"].startswith(("redis://", "rediss://", "redis+")):
        timeout = app.config["REDIS_TIMEOUT"]
        app.config.setdefault(
            "RATELIMIT_STORAGE_OPTIONS",
            {"socket_connect_timeout": timeout, "socket_timeout": timeout},
        )
    # Redis down: count per process (fail open) rather than answer 500 to everyone.
    app.config.setdefault("RATELIMIT_SWALLOW_ERRORS", True)
    app.config.setdefault("RATELIMIT_IN_MEMORY_FALLBACK_ENABLED", True)
    app.config.setdefault("RATELIMIT_IN_MEMORY_FALLBACK", app.config["RATELIMIT_PUBLIC"])
    # Who is counted: the client's address. Behind proxies, SITEDIR_PROXY_HOPS makes
    # ProxyFix put the real client's address there (gunicorn's forwarded_allow_ips
    # does not rewrite REMOTE_ADDR).
    limiter = Limiter(
        get_remote_address,
        app=app,
        headers_enabled=True,
        application_limits_exempt_when=_admin_request,
    )
    app.extensions["sitedir_limiter"] = limiter

    # Static assets (content-hashed, served by the proxy in production) are not limited:
    # not counted, no Redis round trip. A page's stylesheet and scripts no longer spend
    # the client's public budget.
    @limiter.request_filter
    def _static_asset() -> bool:
        from flask import request

        endpoint = request.endpoint or ""
        return endpoint == "static" or endpoint.endswith(".static")

    return limiter


def _admin_request() -> bool:
    from flask import request

    return (request.blueprint or "") in ("admin", "admin_api")


def unshared_counters_problem(app: Flask, workers: int) -> str | None:
    """Why this app must not be served by `workers` processes, or None when it may.

    In-memory counters are per process: with several workers each counts alone, and every
    limit is multiplied by their number (ten bad logins become fifty).
    """
    storage = app.config.get("RATELIMIT_STORAGE_URI", "memory://")
    if workers <= 1 or not app.config.get("RATELIMIT_ENABLED") or storage != "memory://":
        return None
    return (
        f"sitedir: {workers} workers would each count the rate limits in their own memory, "
        f"multiplying every limit by {workers}. Set REDIS_URL (e.g. redis://127.0.0.1:6379/0) "
        "so that they share one count, or WEB_CONCURRENCY=1, or SITEDIR_RATELIMIT=false if "
        "the proxy in front enforces the limits."
    )


def counters_shared(app: Flask | None = None) -> bool:
    """True when the counters' storage answers (always, for in-memory counters)."""
    app = app or current_app
    limiter = app.extensions.get("sitedir_limiter")
    if limiter is None or not app.config.get("RATELIMIT_ENABLED"):
        return True
    if app.config.get("RATELIMIT_STORAGE_URI", "memory://") == "memory://":
        return True
    try:
        return bool(limiter.storage.check())  # a PING, under the short timeouts
    except Exception:
        return False


def storage_state(app: Flask | None = None) -> str:
    """What /readyz says of the counters' storage."""
    app = app or current_app
    if app.config.get("RATELIMIT_STORAGE_URI", "memory://") == "memory://":
        return "ok (in memory)"
    if counters_shared(app):
        return "ok"
    return (
        "degraded: Redis does not answer; public limits are counted per process, "
        "logins and reset requests are refused (503) until it answers again"
    )
