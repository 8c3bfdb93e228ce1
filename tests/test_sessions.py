"""The session cookie: opened only when a request carries one, and still signed."""

from flask import Flask, session
from flask.sessions import SecureCookieSessionInterface


def test_a_request_without_cookie_never_builds_a_signer(app, client, monkeypatch):
    def refuse(self, app):
        raise AssertionError("a signer was built for a request without a session cookie")

    monkeypatch.setattr(SecureCookieSessionInterface, "get_signing_serializer", refuse)
    response = client.get("/api/v1/nearest?q=Vichy")
    assert response.status_code == 200
    assert "Set-Cookie" not in response.headers
    assert "Cookie" not in response.headers.get("Vary", "")


def test_a_session_cookie_is_still_read_and_checked(app):
    with app.test_request_context():
        session["marker"] = "kept"
        cookie_value = app.session_interface.get_signing_serializer(app).dumps(dict(session))
    name = app.config["SESSION_COOKIE_NAME"]

    with app.test_request_context(headers={"Cookie": f"{name}={cookie_value}"}):
        assert session["marker"] == "kept"
    # A forged cookie (signed with another key) gives an empty session, not the forger's data.
    forger = Flask("forger")
    forger.secret_key = "not-the-key"
    other = SecureCookieSessionInterface().get_signing_serializer(forger)
    with app.test_request_context(headers={"Cookie": f"{name}={other.dumps({'marker': 'x'})}"}):
        assert "marker" not in session
