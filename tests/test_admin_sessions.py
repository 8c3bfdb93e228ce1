"""Admin sessions end: at logout, a new password or a disabled account (copies of the cookie
too), and SESSION_MAX_AGE after the login however much they are used. Logins are audited.
"""

import time
from datetime import UTC, datetime, timedelta

from werkzeug.http import parse_date

from sitedir.admin import sessions
from sitedir.admin.models import Account, AuditEvent
from sitedir.extensions import db
from tests.helpers import PASSWORD, HttpsClient, csrf, login

COOKIE = "sitedir_admin"
EMAIL = "clermont@example.org"


def _logged_in(client) -> bool:
    return client.get("/admin/").status_code == 200


def _copy(browser, app):
    """Another browser holding a copy of this browser's session cookie."""
    thief = HttpsClient(app, app.response_class)
    thief.set_cookie(COOKIE, browser.get_cookie(COOKIE).value, domain="localhost")
    return thief


def _logout(browser):
    page = browser.get("/admin/")
    return browser.post("/admin/logout", data={"csrf_token": csrf(page)})


def _events(app, action):
    with app.app_context():
        query = db.select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)
        return [(e.account_email, e.via, e.target, e.after) for e in db.session.scalars(query)]


def test_a_cookie_copied_before_logout_no_longer_works_after(app, browser, tokens):
    login(browser)
    thief = _copy(browser, app)
    assert _logged_in(thief)  # the copy works, as long as the session does
    assert _logout(browser).status_code == 302
    assert not _logged_in(thief)
    assert not _logged_in(browser)
    # A new login makes a new session, which works.
    login(browser)
    assert _logged_in(browser)
    assert not _logged_in(thief)


def test_logout_ends_every_session_of_the_account(app, browser, tokens):
    login(browser)
    other_device = HttpsClient(app, app.response_class)
    login(other_device)
    _logout(browser)
    assert not _logged_in(other_device)


def test_a_new_password_ends_every_session(app, browser, tokens, runner):
    login(browser)
    thief = _copy(browser, app)
    new = "un tout nouveau mot de passe"
    result = runner.invoke(args=["accounts", "set-password", EMAIL], input=f"{new}\n{new}\n")
    assert result.exit_code == 0, result.output
    assert not _logged_in(browser) and not _logged_in(thief)
    assert login(browser, password=new).status_code == 302
    assert _logged_in(browser)


def test_disabling_an_account_ends_its_sessions(app, browser, tokens, runner):
    login(browser)
    thief = _copy(browser, app)
    assert runner.invoke(args=["accounts", "disable", EMAIL]).exit_code == 0
    assert not _logged_in(browser) and not _logged_in(thief)
    with app.app_context():
        account = db.session.scalar(db.select(Account).where(Account.email == EMAIL))
        assert account.session_generation == 1


def test_a_session_ends_max_age_after_login_however_much_it_is_used(
    app, browser, tokens, monkeypatch
):
    login(browser)
    max_age = app.config["SESSION_MAX_AGE"]
    started = time.time()
    # Used a minute before the end: still fine, and the use extends nothing.
    monkeypatch.setattr(sessions, "epoch_now", lambda: started + max_age - 60)
    assert _logged_in(browser)
    monkeypatch.setattr(sessions, "epoch_now", lambda: started + max_age + 1)
    assert not _logged_in(browser)
    # Refused for good: its cookie was dropped, not just turned away once.
    monkeypatch.setattr(sessions, "epoch_now", time.time)
    assert not _logged_in(browser)


def test_an_old_login_is_refused_even_in_a_freshly_signed_cookie(app, browser, tokens):
    login(browser)
    assert _logged_in(browser)
    with browser.session_transaction() as session:
        # Signed a moment ago (the cookie is fresh), but logged in over 8 hours ago.
        session["login_at"] -= app.config["SESSION_MAX_AGE"] + 60
    assert not _logged_in(browser)


def test_a_session_without_generation_or_login_time_is_refused(app, browser, tokens):
    # What the previous version wrote: only the account's id.
    with app.app_context():
        account_id = db.session.scalar(db.select(Account.id).where(Account.email == EMAIL))
    with browser.session_transaction() as session:
        session["account_id"] = account_id
    assert not _logged_in(browser)


def test_requests_do_not_resend_or_extend_the_cookie(app, browser, tokens):
    login(browser)
    browser.get("/admin/")  # the first page adds the CSRF token to the session
    again = browser.get("/admin/")
    assert again.status_code == 200 and "Set-Cookie" not in again.headers
    with browser.session_transaction() as session:
        session["login_at"] -= 3600  # logged in an hour ago
        login_at = session["login_at"]
    # A change to the session (a message to show) sends the cookie again: it still
    # expires 8 hours after the login, not 8 hours after now.
    page = browser.get("/admin/")
    confirmed = browser.post(
        "/admin/sites/clermont-ferrand/confirm", data={"csrf_token": csrf(page)}
    )
    cookie = confirmed.headers["Set-Cookie"]
    expires = parse_date(cookie.split("Expires=")[1].split(";")[0])
    want = datetime.fromtimestamp(login_at + app.config["SESSION_MAX_AGE"], UTC)
    assert abs(expires - want) <= timedelta(seconds=1)


def test_logins_and_logouts_are_audited_never_a_password(app, browser, tokens):
    login(browser, password="pas le bon mot de passe")
    login(browser, email="Personne@Example.org", password="un autre essai raté")
    login(browser)
    _logout(browser)
    failed = _events(app, "account.login_failed")
    assert failed == [
        (None, "session", "account:clermont@example.org", {"email": "clermont@example.org"}),
        (None, "session", "account:personne@example.org", {"email": "personne@example.org"}),
    ]
    assert _events(app, "account.login") == [(EMAIL, "session", f"account:{EMAIL}", None)]
    assert _events(app, "account.logout") == [(EMAIL, "session", f"account:{EMAIL}", None)]
    text = browser.get("/api/v1/audit", headers=tokens["network"]).get_data(as_text=True)
    for secret in (PASSWORD, "pas le bon", "un autre essai"):
        assert secret not in text


def test_a_new_password_from_the_cli_ends_unused_emailed_links(app, browser, tokens, runner):
    """An invitation or reset link still waiting in a mailbox would replace the password
    just set: it stops working, as it does after a reset through a link."""
    app.config["PUBLIC_URL"] = "https://localhost"  # a command that makes links needs it
    link = runner.invoke(args=["accounts", "resend", "nantes@example.org"]).output
    path = link.strip().splitlines()[-1].removeprefix("https://localhost")
    assert browser.get(path).status_code == 200
    new = "un tout nouveau mot de passe"
    result = runner.invoke(
        args=["accounts", "set-password", "nantes@example.org"], input=f"{new}\n{new}\n"
    )
    assert result.exit_code == 0, result.output
    assert browser.get(path).status_code == 410


def test_a_signed_session_naming_an_impossible_account_is_no_session(app, browser):
    """A cookie signed with the key but holding an id no database column can hold (an old
    or foreign deployment's format) is logged out, not a 500 from the database driver."""
    signer = app.session_interface.get_signing_serializer(app)
    for account_id in (2**63, 2**31, 0, -1, True):
        value = signer.dumps({"account_id": account_id, "generation": 0, "login_at": time.time()})
        browser.set_cookie(COOKIE, value, domain="localhost")
        answer = browser.get("/admin/")
        assert answer.status_code == 302 and "/admin/login" in answer.headers["Location"]
