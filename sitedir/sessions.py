"""The signed-cookie session, opened only for requests that carry one.

Only the admin pages use a session (login and CSRF). Flask's default interface builds a
signer on every request, cookie or not; API calls and widget reads never send the
cookie, so for them the empty session is made directly, which is what the default
returns anyway, minus the signer.
"""

from flask.sessions import SecureCookieSessionInterface


class CookieOnlySessionInterface(SecureCookieSessionInterface):
    """Flask's session interface, skipping the signer when there is no cookie to read."""

    def open_session(self, app, request):
        if app.secret_key and self.get_cookie_name(app) not in request.cookies:
            return self.session_class()
        return super().open_session(app, request)
