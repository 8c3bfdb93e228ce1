"""The admin page's session: who is logged in, until when, and how a login starts one.

A session holds the account's id, its session generation and the login time. It is
refused once the account's generation has moved on (logout, new password, disabled) or
SESSION_MAX_AGE after the login, however much it was used. The pages that open and close
it are login_views.py's; every admin page checks it through `login_required`.
"""

import time
from functools import wraps
from typing import TypeGuard
from urllib.parse import urlsplit

from flask import current_app, redirect, request, session, url_for

from sitedir.admin import drafts
from sitedir.admin.auth import Principal
from sitedir.admin.models import Account
from sitedir.extensions import db
from sitedir.web.sessions import LOGIN_AT

# Sessions made by another instance whose clock is slightly ahead are still taken.
CLOCK_SKEW_SECONDS = 60


def epoch_now() -> float:
    """Seconds since the epoch: the clock sessions are timed by."""
    return time.time()


def _session_is_current(account: Account | None) -> TypeGuard[Account]:
    """True while the session's account is active, its generation current, its age short."""
    if account is None or not account.active:
        return False
    if session.get("generation") != account.session_generation:
        return False
    login_at = session.get(LOGIN_AT)
    if not isinstance(login_at, int | float):
        return False  # a session made before login times were kept
    age = epoch_now() - login_at
    return -CLOCK_SKEW_SECONDS <= age < current_app.config["SESSION_MAX_AGE"]


def current_principal() -> Principal | None:
    """The account logged in on this session, if the session may still be used."""
    account_id = session.get("account_id")
    # An id an Integer column can hold, as every lookup by id here checks: anything else
    # (a bool, an id of 64 bits) would reach the database driver and fail there.
    if type(account_id) is not int or not 0 < account_id < 2**31:
        return None
    account = db.session.get(Account, account_id)
    if not _session_is_current(account):
        session.clear()  # the browser drops its cookie
        return None
    return Principal(account, "session")


def start_session(account: Account) -> None:
    """Log this account in on this session (the session starts afresh)."""
    # What was typed in a form refused for an ended session is given back after the login.
    draft = session.get(drafts.KEY)
    # Logging in again as the same account, from a session of it still running (the
    # warning before its end: "log in again in another tab"), keeps its CSRF secret, so
    # the forms open in the first tab can still be sent. Any other login starts afresh:
    # a secret from an anonymous session, or another account's, could be an attacker's.
    previous = current_principal()
    keep_csrf = previous is not None and previous.account.id == account.id
    csrf_secret = session.get("csrf_token") if keep_csrf else None
    session.clear()  # nothing else from before the login survives it
    if draft is not None:
        session[drafts.KEY] = draft
    if csrf_secret is not None:
        session["csrf_token"] = csrf_secret
    session["account_id"] = account.id
    session["generation"] = account.session_generation
    session[LOGIN_AT] = int(epoch_now())
    session.permanent = True


def safe_next(value: str | None) -> str | None:
    """A page of the admin site to return to after the login, or None.

    Only a path of this site under /admin/: never a scheme, a host, `//host` or a
    backslash, which browsers read as another origin (an open redirect to a look-alike
    login page otherwise).
    """
    if not value or len(value) > 2000 or "\\" in value or any(ord(c) < 32 for c in value):
        return None
    parts = urlsplit(value)
    if parts.scheme or parts.netloc or not parts.path.startswith("/admin/"):
        return None
    if parts.path.startswith("/admin/login"):
        return None
    return value


def login_required(view):
    """The view, given the logged-in Principal first; else a redirect to the login page."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        principal = current_principal()
        if principal is None:
            # Back to this page once logged in (a GET only: a form is never replayed).
            asked = request.full_path.rstrip("?") if request.method == "GET" else None
            return redirect(url_for("admin.login", next=safe_next(asked)))
        return view(principal, *args, **kwargs)

    return wrapped


def session_remaining() -> int | None:
    """Seconds before this session ends (it is never extended), or None without one."""
    login_at = session.get(LOGIN_AT)
    if not isinstance(login_at, int | float) or "account_id" not in session:
        return None
    return max(0, int(login_at + current_app.config["SESSION_MAX_AGE"] - epoch_now()))
