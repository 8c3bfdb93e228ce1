"""Emails as coordinators read them, through a real SMTP server on 127.0.0.1: who sends
them, what they are about (study, site by hospital and town, who invited), working
absolute links in a text and an HTML part, how to reach the network team; the commands'
refusal without SITEDIR_PUBLIC_URL; mail servers that are down, slow or refusing."""

import socket
import threading
import time
from datetime import UTC, datetime, timedelta
from email.utils import parseaddr

import pytest

from sitedir import mail
from sitedir.admin import links
from sitedir.admin.models import NETWORK_ADMIN, SITE_ADMIN, Account, OneTimeLink, Reminder
from sitedir.domain.clock import utc_now
from sitedir.extensions import db
from sitedir.models import Site
from tests.helpers import PASSWORD, HttpsClient, csrf, login, make_account
from tests.smtp_fixtures import Inbox, link_in, smtp_server, text_of  # noqa: F401 - fixture

STUDY = "Essai clinique international de phase 1/2 de cellules CAR-T"
SAINT_LOUIS = "Paris — AP-HP – Hôpital Saint-Louis"
PITIE = "Paris — AP-HP – Hôpital Pitié-Salpêtrière"
NEW = "coord@aphp-exemple.fr"
ROOT = "https://localhost"


def html_of(message) -> str:
    return message.get_body(preferencelist=("html",)).get_content()


@pytest.fixture
def mailing_app(app, smtp):
    _, settings = smtp
    app.config.update(settings, PUBLIC_URL=ROOT)
    app.test_client_class = HttpsClient
    return app


def invite(app, email=NEW, sites=("paris-2",), role="site_admin"):
    """Invite through the Comptes page, as the network admin does."""
    browser = app.test_client()
    assert login(browser, "reseau@example.org").status_code == 302
    page = browser.get("/admin/accounts")
    return browser.post(
        "/admin/accounts",
        data={"email": email, "role": role, "sites": list(sites), "csrf_token": csrf(page)},
    )


def test_the_invitation_names_study_site_inviter_and_sender(mailing_app, smtp, tokens):
    inbox, _ = smtp
    assert invite(mailing_app).status_code == 302
    [message] = inbox.to(NEW)
    name, address = parseaddr(message["From"])
    assert (name, address) == ("annuaire", "annuaire@example.org")  # SITEDIR_MAIL_FROM
    text, html = text_of(message), html_of(message)
    for part in (text, html):
        assert STUDY in part
        assert SAINT_LOUIS in part and PITIE not in part
        assert "reseau@example.org" in part  # who invited, and the network team's address
    assert "reseau@example.org" in message["Subject"]
    # The link is absolute, in both parts, and opens the page to choose a password.
    url = link_in(message, "/admin/invitation/")
    assert url.startswith(ROOT + "/admin/invitation/") and f'href="{url}"' in html
    page = mailing_app.test_client().get(url.removeprefix(ROOT))
    assert page.status_code == 200 and NEW in page.get_data(as_text=True)


def test_a_sender_without_a_display_name_gets_one(mailing_app, smtp, tokens):
    inbox, _ = smtp
    mailing_app.config["MAIL_FROM"] = "annuaire@example.org"
    invite(mailing_app)
    [message] = inbox.to(NEW)
    assert parseaddr(message["From"]) == (mail.DEFAULT_SENDER_NAME, "annuaire@example.org")


def test_the_network_contact_is_the_setting_else_the_active_network_admins(
    mailing_app, smtp, tokens
):
    inbox, _ = smtp
    with mailing_app.app_context():
        # Invited, never accepted: not a contact anyone can reach.
        make_account("pas-encore@example.org", NETWORK_ADMIN)
        db.session.commit()
    invite(mailing_app)
    [first] = inbox.to(NEW)
    assert "L'équipe du réseau : reseau@example.org\r\n" in text_of(first)
    assert "pas-encore@example.org" not in text_of(first)
    mailing_app.config["NETWORK_CONTACT"] = "equipe-essai@example.org, +33 1 00 00 00 00"
    invite(mailing_app, "second@example.org")
    [second] = inbox.to("second@example.org")
    assert "equipe-essai@example.org, +33 1 00 00 00 00" in text_of(second)
    assert "equipe-essai@example.org" in html_of(second)


def test_the_html_part_escapes_what_admins_typed(mailing_app, smtp, tokens):
    inbox, _ = smtp
    with mailing_app.app_context():
        site = db.session.scalar(db.select(Site).where(Site.slug == "paris-2"))
        site.institution.site_name = "Hôpital <b>Saint-Louis</b> & co"
        db.session.commit()
    invite(mailing_app)
    [message] = inbox.to(NEW)
    html = html_of(message)
    assert "<b>Saint-Louis</b>" not in html
    assert "Hôpital &lt;b&gt;Saint-Louis&lt;/b&gt; &amp; co" in html
    assert "Hôpital <b>Saint-Louis</b> & co" in text_of(message)  # the text part is text


def test_the_reset_email_names_the_account_and_lasts_one_hour(
    mailing_app, smtp, tokens, monkeypatch
):
    inbox, _ = smtp
    visitor = mailing_app.test_client()
    form = visitor.get("/admin/forgot")
    answer = visitor.post(
        "/admin/forgot", data={"email": "clermont@example.org", "csrf_token": csrf(form)}
    )
    answer.close()
    [message] = inbox.to("clermont@example.org")
    text = text_of(message)
    assert "Clermont-Ferrand — CHU de Clermont-Ferrand – Hôpital Gabriel-Montpied" in text
    assert STUDY in text and "1 heure" in text and html_of(message)
    path = link_in(message, "/admin/password/").removeprefix(ROOT)
    with mailing_app.app_context():
        row = db.session.scalar(db.select(OneTimeLink).where(OneTimeLink.purpose == "reset"))
        assert row.expires_at - row.created_at == timedelta(hours=1)
    later = utc_now() + timedelta(minutes=59)
    monkeypatch.setattr(links, "utc_now", lambda: later)
    assert visitor.get(path).status_code == 200
    later = utc_now() + timedelta(minutes=61)
    assert visitor.get(path).status_code == 410


def test_an_invitation_still_lasts_seven_days(app, monkeypatch):
    with app.test_request_context():
        account = make_account(NEW, SITE_ADMIN, ["nantes"])
        db.session.flush()
        row, token = links.issue("invite", account)
        db.session.commit()
        assert row.expires_at - row.created_at == timedelta(days=7)
    client = app.test_client()
    soon = utc_now() + timedelta(days=6, hours=23)
    monkeypatch.setattr(links, "utc_now", lambda: soon)
    assert client.get(f"/admin/invitation/{token}").status_code == 200


# --- the commands need SITEDIR_PUBLIC_URL ---------------------------------------------------


@pytest.mark.parametrize(
    "args",
    [
        ["reminders", "send"],
        ["accounts", "invite", NEW, "--role", "site_admin", "--site", "nantes"],
        ["accounts", "resend", "nantes@example.org"],
    ],
)
def test_commands_that_mail_links_refuse_without_a_public_url(app, smtp, tokens, runner, args):
    inbox, settings = smtp
    app.config.update(settings, PUBLIC_URL=None)
    with app.app_context():
        before = db.session.scalar(db.select(db.func.count()).select_from(OneTimeLink))
        accounts_before = db.session.scalar(db.select(db.func.count()).select_from(Account))
    result = runner.invoke(args=args)
    assert result.exit_code == 2, result.output
    assert "SITEDIR_PUBLIC_URL" in result.output and "https://" in result.output
    assert "Traceback" not in result.output
    assert inbox.messages == []
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(OneTimeLink)) == before
        assert db.session.scalar(db.select(db.func.count()).select_from(Account)) == accounts_before


# --- reminders: names, recipients, what the summary says -----------------------------------

NOW = datetime.now(UTC).replace(microsecond=0)


@pytest.fixture
def stale_paris(mailing_app):
    """Both Paris sites unconfirmed for 70 days; only Saint-Louis has a coordinator."""
    with mailing_app.app_context():
        for site in db.session.scalars(db.select(Site)):
            days = 70 if site.slug.startswith("paris") else 1
            site.status_confirmed_at = NOW - timedelta(days=days)
        make_account("saint-louis@example.org", SITE_ADMIN, ["paris-2"], password=PASSWORD)
        make_account("reseau@example.org", NETWORK_ADMIN, password=PASSWORD)
        # Invited and never accepted: no mail for them.
        make_account("invite-reseau@example.org", NETWORK_ADMIN)
        make_account("invite-pitie@example.org", SITE_ADMIN, ["paris-1"])
        db.session.commit()
    return mailing_app


def remind(runner, at=NOW, code=0):
    result = runner.invoke(args=["reminders", "send", "--days", "30", "--now", at.isoformat()])
    assert result.exit_code == code, result.output
    return result.output


def test_the_reminder_names_the_study_and_the_hospital(stale_paris, smtp, runner):
    inbox, _ = smtp
    remind(runner)
    [message] = inbox.to("saint-louis@example.org")
    assert SAINT_LOUIS in message["Subject"]
    text = text_of(message)
    assert STUDY in text and SAINT_LOUIS in text and PITIE not in text
    assert html_of(message) and "reseau@example.org" in text  # the network team
    confirm = link_in(message, "/admin/still-right/")
    assert confirm.startswith(ROOT)
    assert stale_paris.test_client().get(confirm.removeprefix(ROOT)).status_code == 200
    # The site's page asks for a login, then opens.
    site_url = link_in(message, "/admin/sites/")
    assert site_url == f"{ROOT}/admin/sites/paris-2"
    browser = stale_paris.test_client()
    asked = browser.get(site_url.removeprefix(ROOT))
    assert asked.status_code == 302
    login_page = asked.headers["Location"]
    assert login_page == "/admin/login?next=/admin/sites/paris-2"
    form = browser.get(login_page)
    done = browser.post(
        login_page,
        data={"email": "saint-louis@example.org", "password": PASSWORD, "csrf_token": csrf(form)},
    )
    assert done.headers["Location"] == "/admin/sites/paris-2"
    assert SAINT_LOUIS in browser.get("/admin/sites/paris-2").get_data(as_text=True)


def test_the_summary_tells_who_was_reminded_and_which_site_has_nobody(stale_paris, smtp, runner):
    inbox, _ = smtp
    remind(runner)
    assert inbox.to("invite-reseau@example.org") == []  # never accepted: no mail
    assert inbox.to("invite-pitie@example.org") == []
    [summary] = inbox.to("reseau@example.org")
    text = text_of(summary)
    pitie_line = next(line for line in text.splitlines() if PITIE in line)
    assert "aucun coordinateur actif : invitation non acceptée (invite-pitie@example.org)" in (
        pitie_line
    )
    assert "relancé" not in pitie_line and "malgré une relance" not in text
    saint_louis = next(line for line in text.splitlines() if SAINT_LOUIS in line)
    assert "relancé le" in saint_louis and "saint-louis@example.org" in saint_louis
    # No site is a bare town name.
    assert "\nParis :" not in text
    with stale_paris.app_context():
        account = db.session.scalar(
            db.select(Account).where(Account.email == "invite-pitie@example.org")
        )
        account.active = False  # nobody at all now
        db.session.commit()
    remind(runner, NOW + timedelta(days=31))
    latest = inbox.to("reseau@example.org")[-1]
    line = next(line for line in text_of(latest).splitlines() if PITIE in line)
    assert "aucun coordinateur : à inviter" in line


def test_each_recipient_is_recorded_and_only_the_unreached_are_tried_again(
    stale_paris, smtp, runner, monkeypatch
):
    """Two coordinators at Saint-Louis; the server refuses one mailbox: the other is
    reminded once, the refused one is tried at each run until it works, and the run fails
    (status 1) while someone is unreached."""
    inbox, _ = smtp
    with stale_paris.app_context():
        make_account("second@example.org", SITE_ADMIN, ["paris-2"], password=PASSWORD)
        db.session.commit()
    refusing = {"second@example.org"}

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in refusing:
            return "550 No such user"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    monkeypatch.setattr(Inbox, "handle_RCPT", handle_RCPT, raising=False)
    output = remind(runner, code=1)
    assert "paris-2: NOT SENT to second@example.org (refused: second@example.org (550" in output
    assert "Traceback" not in output
    remind(runner, NOW + timedelta(hours=1), code=1)
    assert len(inbox.to("saint-louis@example.org")) == 1  # not again
    refusing.clear()
    remind(runner, NOW + timedelta(hours=2))
    assert len(inbox.to("second@example.org")) == 1
    assert len(inbox.to("saint-louis@example.org")) == 1
    with stale_paris.app_context():
        rows = db.session.scalars(
            db.select(Reminder).where(Reminder.kind == "site").order_by(Reminder.id)
        ).all()
        recorded = [(r.site.slug, r.recipients) for r in rows]
    assert recorded == [
        ("paris-1", []),
        ("paris-2", ["saint-louis@example.org"]),
        ("paris-2", ["second@example.org"]),
    ]


def test_a_mail_server_that_is_down_is_one_line_and_nothing_is_recorded(stale_paris, runner, smtp):
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    stale_paris.config["SMTP_PORT"] = port
    output = remind(runner, code=1)
    assert "Traceback" not in output
    failures = [line for line in output.splitlines() if "NOT SENT" in line]
    assert failures and all("ConnectionRefusedError" in line for line in failures)
    assert "paris-2: NOT SENT to saint-louis@example.org" in output
    with stale_paris.app_context():
        sent = db.session.scalars(db.select(Reminder)).all()
        assert [(r.site.slug, r.recipients) for r in sent] == [("paris-1", [])]


def test_a_partial_refusal_is_raised_not_ignored(mailing_app, smtp, monkeypatch):
    inbox, _ = smtp

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.startswith("gone@"):
            return "550 No such user"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    monkeypatch.setattr(Inbox, "handle_RCPT", handle_RCPT, raising=False)
    message = mail.Message("Objet", ["Bonjour"], ["Hello"], [])
    with mailing_app.app_context(), pytest.raises(mail.Refused) as refused:
        mail.send(["ok@example.org", "gone@example.org"], message)
    assert list(refused.value.recipients) == ["gone@example.org"]
    assert len(inbox.to("ok@example.org")) == 1


class DrippingServer:
    """An SMTP server that greets one byte every half second: each read is quick, the
    whole message would take minutes."""

    def __init__(self):
        self.socket = socket.socket()
        self.socket.bind(("127.0.0.1", 0))
        self.socket.listen()
        self.port = self.socket.getsockname()[1]
        self.stop = threading.Event()
        threading.Thread(target=self.serve, daemon=True).start()

    def serve(self):
        connection, _ = self.socket.accept()
        with connection:
            for byte in b"220 " + b"x" * 1000 + b"\r\n":
                if self.stop.wait(0.5):
                    return
                try:
                    connection.sendall(bytes([byte]))
                except OSError:
                    return


def test_each_message_has_a_total_deadline(app):
    server = DrippingServer()
    app.config.update(
        SMTP_HOST="127.0.0.1", SMTP_PORT=server.port, SMTP_STARTTLS=False, SMTP_DEADLINE=1.5
    )
    started = time.monotonic()
    try:
        with app.app_context(), pytest.raises(mail.DeadlineExceeded):
            mail.send(["a@example.org"], mail.Message("Objet", ["Bonjour"], ["Hello"], []))
    finally:
        server.stop.set()
    # The dripping greeting alone lasts 500 s; each byte comes well within the 10 s timeout.
    assert time.monotonic() - started < 10


def test_an_invitation_with_the_mail_server_down_is_made_and_its_link_shown(
    mailing_app, smtp, tokens
):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        mailing_app.config["SMTP_PORT"] = probe.getsockname()[1]
    answer = invite(mailing_app)
    assert answer.status_code == 200 and answer.mimetype == "text/html"
    text = answer.get_data(as_text=True)
    assert "l&#39;e-mail n&#39;est pas parti" in text or "l'e-mail n'est pas parti" in text
    assert f"{ROOT}/admin/invitation/" in text
    with mailing_app.app_context():
        assert db.session.scalar(db.select(Account).where(Account.email == NEW)) is not None
    path = text.split(f"{ROOT}/admin/invitation/", 1)[1].split("<", 1)[0]
    assert mailing_app.test_client().get(f"/admin/invitation/{path}").status_code == 200


def test_the_cli_invitation_with_the_mail_server_down_prints_the_link_and_fails(
    mailing_app, runner
):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        mailing_app.config["SMTP_PORT"] = probe.getsockname()[1]
    result = runner.invoke(
        args=["accounts", "invite", NEW, "--role", "site_admin", "--site", "paris-1"]
    )
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert result.output.strip().splitlines()[-1].startswith(f"{ROOT}/admin/invitation/")
    assert "email NOT sent (ConnectionRefusedError" in result.output
