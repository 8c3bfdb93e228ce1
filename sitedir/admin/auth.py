"""Who is asking: bearer tokens (hashed), argon2 passwords, and the audit trail."""

import functools
import hashlib
import secrets
from datetime import timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app, request
from flask_smorest import abort
from limits import parse

from sitedir.admin.models import NETWORK_ADMIN, Account, ApiToken
from sitedir.audit import Principal, audit  # noqa: F401 - shared by every writer
from sitedir.config import SettingError
from sitedir.domain.clock import as_utc, utc_now
from sitedir.extensions import db
from sitedir.i18n import t

TOKEN_PREFIX = "sd_"  # noqa: S105 - a marker for scanners, not a secret
DEFAULT_TOKEN_DAYS = 90
# argon2's smallest memory per lane (KiB): below it the library refuses to hash.
_MIN_KIB_PER_LANE = 8


def token_expired(row: ApiToken) -> bool:
    """True once the token's expiry date has passed."""
    return as_utc(row.expires_at) <= utc_now()


def hash_token(token: str) -> str:
    """Tokens are 256 random bits: a plain SHA-256 is enough to store them safely."""
    return hashlib.sha256(token.encode()).hexdigest()


def issue_token(
    account: Account, days: int = DEFAULT_TOKEN_DAYS, name: str | None = None, scope="full"
):
    """Create a token for `account` (scope: full, read or status); return (the ApiToken
    row, the token, shown once)."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    issued = utc_now()
    row = ApiToken(
        account=account,
        name=name,
        token_hash=hash_token(token),
        created_at=issued,
        expires_at=issued + timedelta(days=days),
        scope=scope,
    )
    db.session.add(row)
    return row, token


def password_hasher(config=None) -> PasswordHasher:
    """The app's argon2 hasher, at the cost its settings give (SITEDIR_ARGON2_*)."""
    config = current_app.config if config is None else config
    return _hasher(
        config["ARGON2_TIME_COST"], config["ARGON2_MEMORY_KIB"], config["ARGON2_PARALLELISM"]
    )


@functools.cache
def _hasher(time_cost: int, memory_kib: int, parallelism: int) -> PasswordHasher:
    if time_cost < 1 or parallelism < 1 or memory_kib < _MIN_KIB_PER_LANE * parallelism:
        raise SettingError(
            "SITEDIR_ARGON2_TIME_COST and SITEDIR_ARGON2_PARALLELISM must be at least 1, and "
            f"SITEDIR_ARGON2_MEMORY_KIB at least {_MIN_KIB_PER_LANE} x the parallelism "
            f"(got {time_cost}, {parallelism}, {memory_kib})"
        )
    return PasswordHasher(time_cost=time_cost, memory_cost=memory_kib, parallelism=parallelism)


@functools.cache
def _dummy_hash(hasher: PasswordHasher) -> str:
    # Made on the first login for an unknown email, not at import: every process (CLI,
    # workers, tests) would pay for one hash it may never use.
    return hasher.hash(secrets.token_hex(16))


def hash_password(password: str) -> str:
    """Return the argon2 hash of a password."""
    return password_hasher().hash(password)


def check_password(account: Account | None, password: str) -> bool:
    """True when the password is the account's; constant work whether or not it exists."""
    hasher = password_hasher()
    stored = account.password_hash if account is not None else None
    try:
        # An unknown email costs one hash too, at the same cost: no timing tells it apart.
        hasher.verify(stored or _dummy_hash(hasher), password)
    except (VerificationError, InvalidHashError):
        return False
    return account is not None and stored is not None and account.active


def _unauthorized(detail_fr: str, detail_en: str):
    abort(
        401,
        message=t(detail_fr, detail_en),
        headers={"WWW-Authenticate": 'Bearer realm="sitedir", error="invalid_token"'},
    )


def bearer_principal() -> Principal:
    """Return the principal of the request's bearer token, or answer 401."""
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        abort(
            401,
            message=t("Jeton d'accès requis.", "An access token is required."),
            headers={"WWW-Authenticate": 'Bearer realm="sitedir"'},
        )
    row = db.session.scalar(db.select(ApiToken).where(ApiToken.token_hash == hash_token(token)))
    if row is None:
        _unauthorized("Jeton inconnu.", "Unknown token.")
    if row.revoked_at is not None:
        _unauthorized("Ce jeton a été révoqué.", "This token was revoked.")
    if token_expired(row):
        _unauthorized("Ce jeton a expiré.", "This token has expired.")
    if not row.account.active:
        _unauthorized("Ce compte est désactivé.", "This account is disabled.")
    row.last_used_at = utc_now()
    db.session.commit()
    principal = Principal(row.account, f"token:{row.id}", row.scope or "full")
    require_scope(principal)
    return principal


# What a status-only token may call: a site's status (PATCH with status fields only) and
# its confirmation; GETs are open to every scope.
STATUS_FIELDS = {"status", "status_reason", "expected_reopening"}


def require_scope(principal: Principal) -> None:
    """403 when the token's scope does not cover this request."""
    if principal.scope == "full" or request.method in ("GET", "HEAD", "OPTIONS"):
        return
    if principal.scope == "status":
        endpoint = request.endpoint or ""
        if endpoint.endswith("SiteConfirm") or endpoint.endswith(".confirm"):
            return
        if request.method == "PATCH" and (request.view_args or {}).keys() == {"site_id"}:
            body = request.get_json(silent=True)
            if isinstance(body, dict) and body and set(body) <= STATUS_FIELDS:
                return
    abort(
        403,
        message=t(
            f"Ce jeton ne permet pas cette action (portée : {principal.scope}).",
            f"This token does not allow this action (scope: {principal.scope}).",
        ),
    )


def require_network_admin(principal: Principal) -> None:
    """Answer 403 unless the principal is the network admin."""
    if principal.account.role != NETWORK_ADMIN:
        abort(403, message=t("Réservé à l'administration du réseau.", "Network admins only."))


def require_site(principal: Principal, site) -> None:
    """Answer 403 unless the principal may change this site."""
    if not principal.account.may_change(site):
        abort(
            403,
            message=t(
                "Ce compte ne peut pas modifier ce centre.",
                "This account may not change this site.",
            ),
        )


# --- failed logins per account ---------------------------------------------------------

_LOGIN_SCOPE = "login-account"


def _login_limits(email: str):
    """(strategy, prefix, [(limit, key)]) for counting failed logins, or None when off.

    Two counts: per (email, client address), so that a stranger who knows an email locks
    only their own address out, not its owner; and per email from any address, a much
    higher ceiling against a distributed guess. The app's Flask-Limiter strategy is used
    directly, so the counters share its storage (Redis: every process counts together).
    """
    config = current_app.config
    extension = current_app.extensions.get("sitedir_limiter")
    if not config.get("RATELIMIT_ENABLED") or extension is None:
        return None
    address = request.remote_addr or "-"
    return (
        extension.limiter,
        config["RATELIMIT_KEY_PREFIX"],
        [
            (parse(config["RATELIMIT_LOGIN_ACCOUNT"]), _login_key(f"{email} {address}")),
            (parse(config["RATELIMIT_LOGIN_ACCOUNT_CEILING"]), _login_key(email)),
        ],
    )


def _login_key(email: str) -> str:
    # Hashed: the limiter's storage holds no email address (nor a client's).
    return hashlib.sha256(email.encode()).hexdigest()


def login_retry_after(email: str) -> int | None:
    """Seconds to wait when this email had too many failed logins lately (from this
    address, or from everywhere), else None.

    Counted by the normalised email typed, whether or not an account has it: the answer
    tells nothing about which accounts exist.
    """
    found = _login_limits(email)
    if found is None:
        return None
    strategy, prefix, limits = found
    waits = []
    for limit, key in limits:
        if not strategy.test(limit, prefix, _LOGIN_SCOPE, key):
            reset_at = strategy.get_window_stats(limit, prefix, _LOGIN_SCOPE, key)[0]
            waits.append(max(1, int(reset_at - utc_now().timestamp()) + 1))
    return max(waits) if waits else None


def count_failed_login(email: str) -> bool:
    """Count a failed login for this (normalised) email; True when this one reached the
    per-account ceiling (the owner is then told, once per window)."""
    found = _login_limits(email)
    if found is None:
        return False
    strategy, prefix, limits = found
    for limit, key in limits:
        strategy.hit(limit, prefix, _LOGIN_SCOPE, key)
    ceiling, key = limits[-1]
    stats = strategy.get_window_stats(ceiling, prefix, _LOGIN_SCOPE, key)
    # Refused logins are not counted, so the last allowed one is seen once per window.
    return stats[1] == 0
