"""Rate limits (Flask-Limiter), shared through Redis when REDIS_URL is set.

Counters live in Redis so that every process and every instance counts together; without
REDIS_URL (a laptop) they are kept in memory. An exceeded limit is a 429 problem+json
with Retry-After.
"""

from flask import Flask
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

limiter = Limiter(key_func=get_remote_address, headers_enabled=True)

# Who is counted: the client's address (behind a proxy, gunicorn's forwarded_allow_ips
# makes it the real client). Limits are strings like "300 per minute".
DEFAULTS = {
    "RATELIMIT_PUBLIC": "300 per minute",
    "RATELIMIT_ADMIN": "60 per minute",
    "RATELIMIT_LOGIN": "10 per minute",
}


def register_rate_limits(app: Flask) -> None:
    """Bind the limiter to the app, with Redis or memory storage and the default limits."""
    for key, value in DEFAULTS.items():
        app.config.setdefault(key, value)
    app.config.setdefault("RATELIMIT_STORAGE_URI", app.config.get("REDIS_URL") or "memory://")
    app.config.setdefault("RATELIMIT_DEFAULT", app.config["RATELIMIT_PUBLIC"])
    app.config.setdefault("RATELIMIT_KEY_PREFIX", "sitedir")
    limiter.init_app(app)
