"""The signed-cookie session, opened only for requests that carry one, and never slid.

Only the admin pages use a session (login and CSRF). Flask's default interface builds a
signer on every request, cookie or not; API calls and widget reads never send the
cookie, so for them the empty session is made directly, which is what the default
returns anyway, minus the signer.

Flask also re-sends a permanent session's cookie on every request with a new expiry
(SESSION_REFRESH_EACH_REQUEST): a session in use would never end. Here the cookie is sent
only when the session changed, and it expires SESSION_MAX_AGE after the login, whatever
the use. The login time and the account's session generation travel in the session and
are checked on each request (sitedir.admin.sessions.current_principal): the cookie's
expiry only tells the browser when to drop it.
"""

from datetime import UTC, datetime

from flask.sessions import SecureCookieSessionInterface

# The session keys the admin page writes at login.
LOGIN_AT = "login_at"  # seconds since the epoch (UTC)


class CookieOnlySessionInterface(SecureCookieSessionInterface):
    """Flask's session interface, skipping the signer when there is no cookie to read."""

    def open_session(self, app, request):
        # No Cookie header at all (API calls, widget reads): not even parsed.
        if app.secret_key and "HTTP_COOKIE" not in request.environ:
            return self.session_class()
        if app.secret_key and self.get_cookie_name(app) not in request.cookies:
            return self.session_class()
        return super().open_session(app, request)

    def should_set_cookie(self, app, session) -> bool:
        # Only a changed session is sent again: using it does not extend it.
        return session.modified

    def get_expiration_time(self, app, session) -> datetime | None:
        """A logged-in session's cookie expires SESSION_MAX_AGE after the login."""
        login_at = session.get(LOGIN_AT)
        if session.permanent and isinstance(login_at, int | float):
            return datetime.fromtimestamp(login_at + app.config["SESSION_MAX_AGE"], UTC)
        return super().get_expiration_time(app, session)
