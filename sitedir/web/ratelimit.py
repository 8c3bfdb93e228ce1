"""Rate limits (Flask-Limiter), shared through Redis when REDIS_URL is set.

Counters live in Redis so that every process and every instance counts together; without
REDIS_URL (a laptop) they are kept in memory. An exceeded limit is a 429 problem+json
with Retry-After. Each app gets its own Limiter (tests build many apps in one process).

Stricter limits are set by the features that need them, on this limiter
(`app.extensions["sitedir_limiter"]`): the admin package limits logins and its API.
"""

from flask import Flask
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address


def register_rate_limits(app: Flask) -> Limiter:
    """Bind a limiter to the app, the public limit by default, and return it."""
    app.config.setdefault("RATELIMIT_STORAGE_URI", app.config.get("REDIS_URL") or "memory://")
    app.config.setdefault("RATELIMIT_DEFAULT", app.config["RATELIMIT_PUBLIC"])
    app.config.setdefault("RATELIMIT_KEY_PREFIX", "sitedir")
    # A moving window: no burst of twice the limit across a window's boundary.
    app.config.setdefault("RATELIMIT_STRATEGY", "moving-window")
    # Who is counted: the client's address. Behind proxies, SITEDIR_PROXY_HOPS makes
    # ProxyFix put the real client's address there (gunicorn's forwarded_allow_ips
    # does not rewrite REMOTE_ADDR).
    limiter = Limiter(get_remote_address, app=app, headers_enabled=True)
    app.extensions["sitedir_limiter"] = limiter
    return limiter


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
