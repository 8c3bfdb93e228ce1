"""Invitations and password resets: single-use, 7-day links sent through a real SMTP
server on 127.0.0.1; a GET never spends a link; every step is audited."""

import re
from datetime import timedelta
from html import unescape

import pytest

from sitedir.admin.models import AuditEvent, OneTimeLink
from sitedir.domain.clock import utc_now
from sitedir.extensions import db
from tests.helpers import PASSWORD, csrf, login
from tests.smtp_fixtures import link_in, smtp_server, text_of  # noqa: F401 - the fixture

NEW = "coord@chu-exemple.fr"
GOOD = "une phrase assez longue pour moi"


@pytest.fixture
def mailing_app(app, smtp):
    _, settings = smtp
    app.config.update(settings, PUBLIC_URL="https://localhost")
    return app


def path_of(url):
    return url.removeprefix("https://localhost")


def actions(app):
    with app.app_context():
        return [
            a for (a,) in db.session.execute(db.select(AuditEvent.action).order_by(AuditEvent.id))
        ]


def invite_through_page(browser, email=NEW, sites=("clermont-ferrand",)):
    login(browser, "reseau@example.org")
    page = browser.get("/admin/accounts")
    assert page.status_code == 200
    return browser.post(
        "/admin/accounts",
        data={"email": email, "role": "site_admin", "sites": list(sites), "csrf_token": csrf(page)},
    )


def test_the_invitation_flow(mailing_app, smtp, tokens, browser, app):
    inbox, _ = smtp
    answer = invite_through_page(browser)
    assert answer.status_code == 302
    [message] = inbox.to(NEW)
    assert "Invitation" in message["Subject"]
    assert message.get_body(preferencelist=("html",)) is not None
    assert "English" in text_of(message)
    url = link_in(message, "/admin/invitation/")
    invitee = app.test_client()
    invitee.__class__ = browser.__class__
    # Opening it (twice, as a mail scanner would) spends nothing.
    for _ in range(2):
        page = invitee.get(path_of(url))
        assert page.status_code == 200
        assert NEW in page.get_data(as_text=True)
    token = csrf(page)
    refused = {
        "qwerty123456": "courants",  # among the common passwords
        "short": "12 caractères",
    }
    for weak, why in refused.items():
        answer = invitee.post(
            path_of(url), data={"password": weak, "password_again": weak, "csrf_token": token}
        )
        assert answer.status_code == 400 and why in answer.get_data(as_text=True)
    mismatch = invitee.post(
        path_of(url), data={"password": GOOD, "password_again": GOOD + "!", "csrf_token": token}
    )
    assert mismatch.status_code == 400
    # Without its CSRF token, nothing: back to the same page, to type the password again.
    refused = invitee.post(path_of(url), data={"password": GOOD, "password_again": GOOD})
    assert refused.status_code == 303 and refused.headers["Location"] == path_of(url)
    assert GOOD not in invitee.get(path_of(url)).get_data(as_text=True)
    done = invitee.post(
        path_of(url), data={"password": GOOD, "password_again": GOOD, "csrf_token": token}
    )
    assert done.status_code == 302
    home = invitee.get("/admin/")
    assert home.status_code == 200 and "Clermont-Ferrand" in home.get_data(as_text=True)
    # The link is spent: opened again, it leads to the login page, which says why.
    again = app.test_client().get(path_of(url), follow_redirects=True)
    assert again.request.path == "/admin/login"
    assert "Cette invitation a déjà servi" in again.get_data(as_text=True)
    # The invitee can now log in with the password chosen.
    other = app.test_client()
    other.__class__ = browser.__class__
    assert login(other, NEW, GOOD).status_code == 302
    assert {"account.invite", "account.invitation_accepted"} <= set(actions(app))


def test_inviting_an_existing_account_says_so(mailing_app, smtp, tokens, browser, runner):
    answer = invite_through_page(browser, "clermont@example.org")
    assert answer.status_code == 409
    assert "existe déjà" in answer.get_data(as_text=True)
    # At the address field, tied to it (RGAA 11.10), not in a banner.
    html = unescape(answer.get_data(as_text=True))
    assert 'id="invite-email-error">Un compte existe déjà pour clermont@example.org.' in html
    assert 'aria-describedby="invite-email-error"' in html
    assert 'class="flash error"' not in html.replace('id="session-warning" class="flash error"', "")
    result = runner.invoke(
        args=["accounts", "invite", "clermont@example.org", "--role", "network_admin"]
    )
    assert result.exit_code != 0 and "already exists" in result.output


def test_the_cli_prints_the_link_last(app, runner):
    app.config["PUBLIC_URL"] = "https://annuaire.example.fr"
    result = runner.invoke(
        args=["accounts", "invite", NEW, "--role", "site_admin", "--site", "nantes"]
    )
    assert result.exit_code == 0, result.output
    last = result.output.strip().splitlines()[-1]
    assert last.startswith("https://annuaire.example.fr/admin/invitation/")
    assert "not emailed" in result.output  # no SMTP here: the link is passed on by hand
    client = app.test_client()
    assert client.get(last.removeprefix("https://annuaire.example.fr")).status_code == 200


def test_the_page_shows_the_link_without_smtp(app, tokens, browser):
    answer = invite_through_page(browser)
    assert answer.status_code == 200
    assert "/admin/invitation/" in answer.get_data(as_text=True)


def test_expired_and_revoked_links_answer_410(app, runner):
    app.config["PUBLIC_URL"] = "https://localhost"
    result = runner.invoke(args=["accounts", "invite", NEW, "--role", "network_admin"])
    path = path_of(result.output.strip().splitlines()[-1])
    client = app.test_client()
    with app.app_context():
        row = db.session.scalar(db.select(OneTimeLink))
        row.expires_at = utc_now() - timedelta(seconds=1)
        db.session.commit()
    assert client.get(path).status_code == 410
    # A new link (resend) revokes the older one.
    with app.app_context():
        row = db.session.scalar(db.select(OneTimeLink))
        row.expires_at = utc_now() + timedelta(days=1)
        db.session.commit()
    resent = runner.invoke(args=["accounts", "resend", NEW]).output.strip().splitlines()[-1]
    resent = path_of(resent)
    assert client.get(path).status_code == 410
    assert client.get(resent).status_code == 200
    assert client.get("/admin/invitation/not-a-real-token-at-all-0000").status_code == 410


def test_forgotten_password_answers_the_same_and_ends_other_sessions(
    mailing_app,
    smtp,
    tokens,
    browser,
    app,
):
    inbox, _ = smtp
    # A session already open elsewhere, with the old password.
    assert login(browser).status_code == 302
    answers = []
    for email in ("clermont@example.org", "nobody@example.org"):
        visitor = app.test_client()
        visitor.__class__ = browser.__class__
        form = visitor.get("/admin/forgot")
        answer = visitor.post("/admin/forgot", data={"email": email, "csrf_token": csrf(form)})
        answers.append((answer.status_code, answer.get_data(as_text=True)))
        answer.close()  # the server is done with the answer: the email leaves now
    assert answers[0] == answers[1]
    assert inbox.to("nobody@example.org") == []
    [message] = inbox.to("clermont@example.org")
    url = link_in(message, "/admin/password/")
    visitor = app.test_client()
    visitor.__class__ = browser.__class__
    page = visitor.get(path_of(url))
    done = visitor.post(
        path_of(url), data={"password": GOOD, "password_again": GOOD, "csrf_token": csrf(page)}
    )
    assert done.status_code == 302
    assert visitor.get("/admin/").status_code == 200  # logged in with the new password
    assert browser.get("/admin/").status_code == 302  # the other session has ended
    assert visitor.get(path_of(url)).status_code == 410
    fresh = app.test_client()
    fresh.__class__ = browser.__class__
    assert login(fresh, password=PASSWORD).status_code == 200  # the old password is refused
    assert {"account.reset_requested", "account.reset_done"} <= set(actions(app))


def test_a_reset_email_leaves_after_the_answer_and_its_failure_is_not_shown(
    app, tokens, browser, monkeypatch
):
    """Sending takes time and may fail: before the answer, either would tell an asker
    which addresses have an account."""
    from sitedir import mail

    sent = []
    monkeypatch.setattr(mail, "send", lambda to, message: sent.append(to) or True)
    answers, mailed = {}, {}
    for email in ("clermont@example.org", "nobody@example.org"):
        visitor = app.test_client()
        visitor.__class__ = browser.__class__
        form = visitor.get("/admin/forgot")
        answer = visitor.post("/admin/forgot", data={"email": email, "csrf_token": csrf(form)})
        answers[email] = (answer.status_code, answer.get_data(as_text=True))
        assert sent == []  # nothing sent while answering
        answer.close()
        mailed[email] = list(sent)
        sent.clear()
    assert mailed == {"clermont@example.org": [["clermont@example.org"]], "nobody@example.org": []}
    assert answers["clermont@example.org"] == answers["nobody@example.org"]

    def broken(to, message):
        raise ConnectionRefusedError("the SMTP server is down")

    monkeypatch.setattr(mail, "send", broken)
    monkeypatch.setattr("sitedir.admin.accounts.RESET_QUIET", timedelta(0))
    visitor = app.test_client()
    visitor.__class__ = browser.__class__
    form = visitor.get("/admin/forgot")
    answer = visitor.post(
        "/admin/forgot", data={"email": "clermont@example.org", "csrf_token": csrf(form)}
    )
    assert (answer.status_code, answer.get_data(as_text=True)) == answers["nobody@example.org"]
    answer.close()  # logged, never raised to the asker


def test_accounts_page_lists_and_disables(app, tokens, browser):
    login(browser, "reseau@example.org")
    page = browser.get("/admin/accounts")
    text = page.get_data(as_text=True)
    assert "clermont@example.org" in text and "nantes@example.org" in text
    with app.app_context():
        from sitedir.admin.models import Account

        nantes = db.session.scalar(db.select(Account).where(Account.email == "nantes@example.org"))
        nantes_id = nantes.id
    answer = browser.post(f"/admin/accounts/{nantes_id}/disable", data={"csrf_token": csrf(page)})
    assert answer.status_code == 302
    with app.app_context():
        assert not db.session.get(Account, nantes_id).active
    # Disabled once: the form sent again says so and writes nothing.
    again = browser.post(f"/admin/accounts/{nantes_id}/disable", data={"csrf_token": csrf(page)})
    assert again.status_code == 302
    assert "déjà désactivé" in browser.get("/admin/accounts").get_data(as_text=True)
    with app.app_context():
        from sitedir.admin.models import AuditEvent

        actions = db.session.scalars(db.select(AuditEvent.action)).all()
    assert actions.count("account.disable") == 1
    # A site admin may not see the page.
    other = app.test_client()
    other.__class__ = browser.__class__
    login(other)
    assert other.get("/admin/accounts").status_code == 403


def test_forgotten_password_requests_are_rate_limited(database_url):
    from sitedir.app import create_app
    from tests.helpers import tear_down

    app = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": database_url,
            "SECRET_KEY": "test",
            "WTF_CSRF_ENABLED": False,
            "RATELIMIT_ENABLED": True,
            "RATELIMIT_STORAGE_URI": "memory://",
            "RATELIMIT_LOGIN": "3 per minute",
        }
    )
    try:
        client = app.test_client()
        codes = [
            client.post("/admin/forgot", data={"email": f"x{n}@example.org"}).status_code
            for n in range(4)
        ]
        assert codes == [200, 200, 200, 429]
    finally:
        tear_down(app, database_url)


def test_a_new_reset_request_never_revokes_a_pending_link_and_they_are_bounded(
    app, tokens, monkeypatch
):
    """Issue 21.12: an attacker asking again and again cannot invalidate the owner's link;
    at most RESET_PER_DAY emails a day, the last one saying so."""
    from sitedir import mail
    from sitedir.admin import accounts
    from sitedir.admin.models import OneTimeLink

    sent = []
    monkeypatch.setattr(mail, "send", lambda to, message: sent.append(message) or True)
    monkeypatch.setattr(accounts, "RESET_QUIET", timedelta(0))
    with app.app_context():
        for _ in range(accounts.RESET_PER_DAY + 2):
            accounts.request_reset("clermont@example.org")
        rows = db.session.scalars(db.select(OneTimeLink).where(OneTimeLink.purpose == "reset"))
        rows = rows.all()
        assert len(rows) == accounts.RESET_PER_DAY
        assert all(row.revoked_at is None for row in rows)  # the first is still good
    assert len(sent) == accounts.RESET_PER_DAY
    assert "ignorées jusqu'à demain" in " ".join(sent[-1].paragraphs_fr)
    assert "ignorées" not in " ".join(sent[0].paragraphs_fr)


def test_a_site_admin_without_a_site_is_told_at_the_site_picker(tokens, browser):
    answer = invite_through_page(browser, sites=())
    assert answer.status_code == 422
    html = unescape(answer.get_data(as_text=True))
    picker = html[html.index('<fieldset class="site-picker"') : html.index("</fieldset>")]
    assert "invite-sites-error" in picker.split(">")[0]  # the group is described by it
    assert (
        '<p class="field-error" id="invite-sites-error">Un administrateur de centre a besoin '
        "d'au moins un centre.</p>" in picker
    )
    boxes = re.findall(r'<input type="checkbox"[^>]*>', picker)
    assert boxes and all('aria-invalid="true"' in b for b in boxes)
    assert sum("autofocus" in b for b in boxes) == 1 and "autofocus" in boxes[0]
    assert "<title>Erreur : Comptes — sitedir</title>" in html
