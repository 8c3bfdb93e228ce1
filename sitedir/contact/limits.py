"""Rate limits of contact requests: per client address (every POST, on both the API and the
page) and per doctor's email (every request accepted), on the app's Flask-Limiter storage,
so that every process and instance counts together (Redis with REDIS_URL).
"""

import hashlib

from flask import Flask, current_app
from limits import parse

from sitedir.domain.clock import utc_now

_EMAIL_SCOPE = "contact-email"
ADDRESS_SCOPE = "contact-requests"


def limit_addresses(app: Flask, endpoints: tuple[str, ...]) -> None:
    """One budget per client address for these endpoints' POSTs
    (SITEDIR_RATELIMIT_CONTACT)."""
    limiter = app.extensions["sitedir_limiter"]
    shared = limiter.shared_limit(
        lambda: current_app.config["RATELIMIT_CONTACT"], scope=ADDRESS_SCOPE, methods=["POST"]
    )
    for endpoint in endpoints:
        app.view_functions[endpoint] = shared(app.view_functions[endpoint])


def email_retry_after(email: str) -> int | None:
    """Count one request for this email; seconds to wait when it had too many, else None.

    Hashed: the limiter's storage holds no email address.
    """
    config = current_app.config
    extension = current_app.extensions.get("sitedir_limiter")
    if not config.get("RATELIMIT_ENABLED") or extension is None:
        return None
    strategy = extension.limiter
    limit = parse(config["RATELIMIT_CONTACT_EMAIL"])
    prefix = config["RATELIMIT_KEY_PREFIX"]
    key = hashlib.sha256(email.strip().lower().encode()).hexdigest()
    if strategy.hit(limit, prefix, _EMAIL_SCOPE, key):
        return None
    reset_at = strategy.get_window_stats(limit, prefix, _EMAIL_SCOPE, key)[0]
    return max(1, int(reset_at - utc_now().timestamp()) + 1)
