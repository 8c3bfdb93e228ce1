"""The contact form's token: signed with the app's secret, it says which site's form it
is, when the form was drawn and a nonce; no cookie is needed (the widget's frame sets none).

A request is refused when its token is missing or altered (a bot that never drew the form),
younger than SITEDIR_CONTACT_MIN_FILL_SECONDS (a person takes longer to fill the form),
older than SITEDIR_CONTACT_TOKEN_MAX_AGE, or already spent: each request stores its
token's nonce, unique, so the same token is taken once.
"""

import secrets
import time

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, TimestampSigner, URLSafeTimedSerializer

SALT = "sitedir.contact-form"


class TokenRefused(Exception):
    """The token cannot be taken; `reason` is one of: invalid, too_fast, expired."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


class _Signer(TimestampSigner):
    # Whole seconds from this module's clock, so that tests can move time (see `now`).
    def get_timestamp(self) -> int:
        return int(now())


class _Serializer(URLSafeTimedSerializer):
    default_signer = _Signer


def now() -> float:
    """The clock the tokens are timed by (seconds since the epoch)."""
    return time.time()


def _serializer() -> _Serializer:
    # itsdangerous signs with the last key and checks against each: a key rotated out
    # (SECRET_KEY_FALLBACKS) still opens the forms served before the rotation.
    fallbacks = current_app.config["SECRET_KEY_FALLBACKS"]
    return _Serializer([*fallbacks, current_app.config["SECRET_KEY"]], salt=SALT)


def issue(site_slug: str) -> str:
    """A fresh token for this site's form."""
    return _serializer().dumps({"site": site_slug, "nonce": secrets.token_hex(16)})


def check(token: str, site_slug: str) -> str:
    """The token's nonce, when it may be spent on a request to this site; else TokenRefused."""
    config = current_app.config
    if not isinstance(token, str) or len(token) > 500:
        raise TokenRefused("invalid")
    try:
        payload, issued = _serializer().loads(
            token, max_age=config["CONTACT_TOKEN_MAX_AGE"], return_timestamp=True
        )
    except SignatureExpired as error:
        raise TokenRefused("expired") from error
    except BadSignature as error:
        raise TokenRefused("invalid") from error
    if not isinstance(payload, dict) or payload.get("site") != site_slug:
        raise TokenRefused("invalid")
    nonce = payload.get("nonce")
    if not isinstance(nonce, str) or len(nonce) != 32:
        raise TokenRefused("invalid")
    if now() - issued.timestamp() < config["CONTACT_MIN_FILL_SECONDS"]:
        raise TokenRefused("too_fast")
    return nonce
