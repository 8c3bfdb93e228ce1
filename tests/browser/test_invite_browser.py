"""The invitation, end to end in Debian's Chromium: the network admin invites a
coordinator, the email arrives at a real SMTP server on 127.0.0.1, the coordinator opens
the link, chooses a password, confirms the site's status, and a doctor's search then shows
today's confirmation date. The link, used twice, answers 410."""

import re

import pytest

from sitedir.admin.models import NETWORK_ADMIN
from sitedir.app import create_app
from sitedir.domain.clock import today_in_paris
from sitedir.extensions import db
from sitedir.widget.answer import long_date
from tests.browser.conftest import LiveServer, assert_all_local, screenshot, search_with_keyboard
from tests.helpers import PASSWORD, make_account
from tests.smtp_fixtures import link_in, smtp_server  # noqa: F401 - the fixture

expect = pytest.importorskip("playwright.sync_api").expect

NETWORK = "reseau@example.org"
COORDINATOR = "coordination@chu-exemple.fr"
NEW_PASSWORD = "le lupus se soigne mieux ensemble"


@pytest.fixture
def invite_live(tmp_path, smtp):
    """sitedir on localhost, sending its mail to the test's SMTP server; links are built
    from the request's host (no SITEDIR_PUBLIC_URL)."""
    _, settings = smtp
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'invite.sqlite3'}",
            "ACCESS_LOG": False,
            "SESSION_COOKIE_SECURE": False,
            "RATELIMIT_ENABLED": False,
            "FRESHNESS_MS": 0,
            **settings,
        }
    )
    with app.app_context():
        make_account(NETWORK, NETWORK_ADMIN, password=PASSWORD)
        db.session.commit()
    server = LiveServer(app)
    yield server
    server.stop()


def test_an_invited_coordinator_confirms_and_doctors_see_it(invite_live, smtp, new_page):
    inbox, _ = smtp
    live = invite_live
    admin = new_page()
    admin.goto(live.url + "/admin/login")
    admin.get_by_label("Adresse e-mail").fill(NETWORK)
    admin.get_by_label("Mot de passe").fill(PASSWORD)
    admin.get_by_label("Mot de passe").press("Enter")
    admin.get_by_role("link", name="Comptes").click()
    expect(admin.get_by_role("heading", level=1)).to_have_text("Comptes")
    admin.get_by_label("Adresse e-mail").fill(COORDINATOR)
    admin.get_by_label("Rôle").select_option(label="Administrateur de centre")
    admin.get_by_label("Clermont-Ferrand — CHU de Clermont-Ferrand").check()
    admin.get_by_role("button", name="Envoyer l'invitation").click()
    expect(admin.get_by_role("status")).to_contain_text(f"Invitation envoyée à {COORDINATOR}")
    expect(admin.get_by_role("row", name=re.compile(COORDINATOR))).to_contain_text("invité")

    [message] = inbox.to(COORDINATOR)
    url = link_in(message, "/admin/invitation/")
    assert url.startswith(live.url)

    coordinator = new_page()
    coordinator.goto(url)
    expect(coordinator.get_by_role("heading", level=1)).to_have_text("Bienvenue")
    coordinator.get_by_label(re.compile("^Nouveau mot de passe")).fill(NEW_PASSWORD)
    coordinator.get_by_label("Le même, une seconde fois").fill(NEW_PASSWORD)
    coordinator.get_by_role("button", name="Enregistrer le mot de passe").click()
    expect(coordinator).to_have_url(live.url + "/admin/")
    expect(coordinator.get_by_role("status")).to_contain_text("Bienvenue")
    expect(coordinator.get_by_text(COORDINATOR)).to_be_visible()
    coordinator.get_by_role("button", name="Statut toujours exact pour Clermont-Ferrand").click()
    expect(coordinator.get_by_role("status")).to_have_text("Merci : statut confirmé aujourd'hui.")
    screenshot(coordinator, "invite-confirmed.png")

    # A doctor's search now says the status was confirmed today.
    doctor = new_page()
    doctor.goto(live.url + "/")
    search_with_keyboard(doctor, doctor, "Vichy")
    clermont = doctor.locator("#results .site", has_text="Clermont-Ferrand").first
    expect(clermont).to_contain_text(
        f"Statut confirmé par le centre le {long_date(today_in_paris(), 'fr')}"
    )
    assert_all_local(doctor)

    # The invitation is spent: opened again, it leads to the login page, which says why.
    again = new_page()
    again.goto(url)
    expect(again).to_have_url(live.url + "/admin/login")
    expect(again.get_by_role("status")).to_contain_text("Cette invitation a déjà servi")
