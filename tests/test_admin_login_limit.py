"""Failed logins are counted per (email, address), under a ceiling per email from any address.

The per-address limit alone lets a guesser with many addresses try an account's password
without end; a per-email limit alone let anyone who knows an email lock its owner out. Here
the limits are small (2 per email and address, 3 per email an hour) and the per-client one
out of the way.
"""

import pytest

from sitedir.admin.models import NETWORK_ADMIN, SITE_ADMIN, AuditEvent
from sitedir.app import create_app
from sitedir.extensions import db
from tests.helpers import PASSWORD, make_account, tear_down
from tests.smtp_fixtures import smtp_server, text_of  # noqa: F401 - the fixture

EMAIL = "clermont@example.org"


@pytest.fixture
def limited_app(database_url):
    """A seeded app with two accounts, rate limits on."""
    app = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": database_url,
            "SECRET_KEY": "test",
            "WTF_CSRF_ENABLED": False,  # the page tests cover CSRF
            "RATELIMIT_ENABLED": True,
            "RATELIMIT_STORAGE_URI": "memory://",
            "RATELIMIT_LOGIN": "1000 per minute",
            "RATELIMIT_LOGIN_ACCOUNT": "2 per hour",  # per account and address
            "RATELIMIT_LOGIN_ACCOUNT_CEILING": "3 per hour",  # per account, any address
        }
    )
    with app.app_context():
        make_account(EMAIL, SITE_ADMIN, ["clermont-ferrand"], password=PASSWORD)
        make_account("reseau@example.org", NETWORK_ADMIN, password=PASSWORD)
        db.session.commit()
    yield app
    tear_down(app, database_url)


def _login(app, email, password, address):
    return app.test_client().post(
        "/admin/login",
        data={"email": email, "password": password},
        environ_base={"REMOTE_ADDR": address},
    )


def test_failed_logins_for_one_email_are_limited_from_any_address(limited_app):
    for n in range(3):
        response = _login(limited_app, EMAIL, "mauvais mot de passe", f"192.0.2.{n + 1}")
        assert response.status_code == 200
        assert "Adresse ou mot de passe incorrect" in response.text
    # A fourth address, and even the right password: refused, with a French message.
    refused = _login(limited_app, EMAIL.upper(), PASSWORD, "198.51.100.7")
    assert refused.status_code == 429
    assert "Trop de tentatives de connexion pour cette adresse" in refused.text
    assert 0 < int(refused.headers["Retry-After"]) <= 3600
    assert "Set-Cookie" not in refused.headers or "account_id" not in refused.headers.get(
        "Set-Cookie", ""
    )
    # Another account is not affected, from the very same address.
    other = _login(limited_app, "reseau@example.org", PASSWORD, "198.51.100.7")
    assert other.status_code == 302 and other.headers["Location"].endswith("/admin/")


def test_the_refusal_says_nothing_about_whether_the_account_exists(limited_app):
    answers = {}
    for email in (EMAIL, "personne@example.org"):
        for n in range(3):
            _login(limited_app, email, "mauvais mot de passe", f"192.0.2.{n + 1}")
        refused = _login(limited_app, email, PASSWORD, "203.0.113.9")
        answers[email] = (refused.status_code, refused.text.replace(email, "EMAIL"))
    assert answers[EMAIL] == answers["personne@example.org"]
    assert answers[EMAIL][0] == 429


def test_a_refused_login_is_audited_without_the_password(limited_app):
    for n in range(4):
        _login(limited_app, EMAIL, f"essai numéro {n}", f"192.0.2.{n + 1}")
    with limited_app.app_context():
        events = db.session.scalars(
            db.select(AuditEvent).where(AuditEvent.action == "account.login_failed")
        ).all()
        assert [e.after.get("reason") for e in events] == [None, None, None, "too_many_failures"]
        assert all(e.after["email"] == EMAIL and e.account_id is None for e in events)
        assert not any("essai" in str(e.after) for e in events)


def test_no_limit_when_rate_limits_are_off(client, tokens):
    client.application.config["WTF_CSRF_ENABLED"] = False
    wrong = {"email": EMAIL, "password": "mauvais mot de passe"}
    assert all(client.post("/admin/login", data=wrong).status_code == 200 for _ in range(4))
    right = client.post("/admin/login", data={"email": EMAIL, "password": PASSWORD})
    assert right.status_code == 302


def test_a_stranger_locks_out_only_their_own_address(limited_app):
    """Issue 21.9: failures from one address never lock the owner out elsewhere."""
    limited_app.config["RATELIMIT_LOGIN_ACCOUNT_CEILING"] = "100 per hour"
    for _ in range(5):
        _login(limited_app, EMAIL, "mauvais mot de passe", "203.0.113.66")
    assert _login(limited_app, EMAIL, PASSWORD, "203.0.113.66").status_code == 429
    owner = _login(limited_app, EMAIL, PASSWORD, "198.51.100.20")
    assert owner.status_code == 302


def test_the_owner_is_mailed_when_the_ceiling_is_reached(limited_app, smtp):
    inbox, settings = smtp
    limited_app.config.update(settings)
    for n in range(5):
        _login(limited_app, EMAIL, "mauvais mot de passe", f"192.0.2.{n + 1}")
    [notice] = inbox.to(EMAIL)  # once, when the ceiling was reached
    assert "tentatives de connexion" in notice["Subject"]
    assert "mauvais mot de passe" not in text_of(notice).replace("un mauvais mot de passe", "")
