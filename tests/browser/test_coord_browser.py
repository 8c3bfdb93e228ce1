"""The coordinators' side in Debian's Chromium: the warning before the session ends, a
form typed when the session has ended and found again after the login, the site picker's
filter, and the screenshots in docs/ (the invitation email as its HTML part renders, the
dashboard with the two Paris sites, the new-site form with its map)."""

import re
import time

import pytest

from sitedir.admin.models import NETWORK_ADMIN
from sitedir.app import create_app
from sitedir.extensions import db
from tests.browser.conftest import LiveServer, assert_all_local, screenshot
from tests.browser.rgaa import keep_in_docs
from tests.helpers import PASSWORD, make_account
from tests.smtp_fixtures import smtp_server  # noqa: F401 - the fixture

expect = pytest.importorskip("playwright.sync_api").expect

NETWORK = "reseau@example.org"
REASON = "Pause : le bloc opératoire est en travaux jusqu'en mars"


def live_app(tmp_path, **settings):
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'coord.sqlite3'}",
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
    return LiveServer(app)


@pytest.fixture
def short_session(tmp_path):
    """Sessions that end 7 seconds after the login: the warning shows at once."""
    server = live_app(tmp_path, SESSION_MAX_AGE=7, PERMANENT_SESSION_LIFETIME=7)
    yield server
    server.stop()


@pytest.fixture
def mailing_live(tmp_path, smtp):
    _, settings = smtp
    server = live_app(tmp_path, **settings)
    server.app.config["PUBLIC_URL"] = server.url
    yield server
    server.stop()


def log_in(page, live, path="/admin/"):
    page.goto(live.url + path)
    page.get_by_label("Adresse e-mail").fill(NETWORK)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_label("Mot de passe").press("Enter")


def test_the_page_warns_before_the_session_ends_and_keeps_what_was_typed(short_session, new_page):
    live = short_session
    page = new_page()
    log_in(page, live, "/admin/sites/paris-2")
    # Back to the page the link asked for.
    expect(page).to_have_url(live.url + "/admin/sites/paris-2")
    expect(page.get_by_role("heading", level=1)).to_have_text("Paris — AP-HP – Hôpital Saint-Louis")
    warning = page.locator("#session-warning")
    expect(warning).to_have_attribute("role", "alert")
    expect(warning).to_contain_text("Votre session prend fin dans moins de 5 minutes")
    relogin = warning.get_by_role("link", name="Se reconnecter dans un nouvel onglet")
    expect(relogin).to_have_attribute("target", "_blank")
    expect(relogin).to_have_attribute("href", "/admin/login?next=%2Fadmin%2Fsites%2Fparis-2")
    page.get_by_label("Statut").select_option(label="Inclusions suspendues")
    page.get_by_label("Motif").fill(REASON)
    expect(page.locator("#public-preview")).to_contain_text(f"Motif : {REASON}")
    time.sleep(7.5)  # the session ends while the form is being filled
    expect(warning).to_contain_text("Votre session a pris fin")
    page.get_by_role("button", name="Enregistrer le statut").click()
    expect(page).to_have_url(re.compile(re.escape(live.url + "/admin/login?next=")))
    expect(page.get_by_role("alert")).to_contain_text("votre saisie est conservée")
    expect(page.get_by_text("CSRF")).to_have_count(0)
    page.get_by_label("Adresse e-mail").fill(NETWORK)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_label("Mot de passe").press("Enter")
    expect(page).to_have_url(live.url + "/admin/sites/paris-2")
    expect(
        page.get_by_role("alert").filter(has_text="Voici ce que vous aviez saisi")
    ).to_be_visible()
    expect(page.get_by_label("Motif")).to_have_value(REASON)
    expect(page.get_by_label("Statut")).to_have_value("suspended")
    page.get_by_role("button", name="Enregistrer le statut").click()
    expect(page.get_by_role("status").first).to_have_text("Statut enregistré.")
    assert page.request.get(live.url + "/api/v1/sites/paris-2").json()["status_reason"] == REASON
    assert_all_local(page)


def test_the_site_picker_filters_and_the_invitation_email(mailing_live, smtp, new_page):
    inbox, _ = smtp
    live = mailing_live
    page = new_page()
    log_in(page, live)
    keep_in_docs(screenshot(page, "admin-dashboard.png"), "admin-dashboard.png")
    expect(
        page.get_by_role(
            "button", name="Statut toujours exact pour Paris — AP-HP – Hôpital Saint-Louis"
        )
    ).to_have_count(1)
    page.get_by_role("link", name="Comptes").click()
    page.get_by_label("Adresse e-mail").fill("coordination@aphp-exemple.fr")
    page.get_by_label("Filtrer les centres").fill("saint louis")
    expect(page.locator("#invite-sites li:visible")).to_have_count(1)
    expect(page.locator("#invite-sites-count")).to_have_text("1 centre(s) sur 9")
    page.get_by_label("Paris — AP-HP – Hôpital Saint-Louis").check()
    page.get_by_label("Filtrer les centres").fill("")
    expect(page.locator("#invite-sites li:visible")).to_have_count(9)
    page.get_by_role("button", name="Envoyer l'invitation").click()
    expect(page.get_by_role("status").first).to_contain_text("Invitation envoyée")
    [message] = inbox.to("coordination@aphp-exemple.fr")
    mail = new_page()
    mail.set_content(message.get_body(preferencelist=("html",)).get_content())
    expect(mail.get_by_text("Paris — AP-HP – Hôpital Saint-Louis")).to_be_visible()
    expect(
        mail.get_by_role("link", name="Choisir mon mot de passe / choose my password")
    ).to_be_visible()
    keep_in_docs(screenshot(mail, "admin-invitation-mail.png"), "admin-invitation-mail.png")


def test_the_new_site_form_shows_the_commune_on_the_map(mailing_live, new_page):
    live = mailing_live
    page = new_page()
    log_in(page, live)
    page.get_by_role("link", name="Ajouter un centre").click()
    page.get_by_label("Identifiant du centre").fill("lyon-edouard-herriot")
    page.get_by_label("Ville de l'essai").fill("Lyon")
    page.get_by_label("Établissement (CHU de Lyon, AP-HP…)").fill("Hospices civils de Lyon")
    page.get_by_label("Hôpital ou site de l'établissement").fill("Hôpital Édouard-Herriot")
    page.get_by_label("Adresse (numéro et voie)").fill("5 place d'Arsonval")
    page.get_by_label("Code postal", exact=True).fill("69003")
    page.get_by_label("Commune de l'établissement").fill("Lyon 3e")
    page.get_by_role("button", name="Chercher la commune").click()
    expect(page.get_by_role("img", name=re.compile("Lyon 3e"))).to_be_visible()
    expect(page.get_by_label(re.compile("INSEE 69383"))).to_be_checked()
    keep_in_docs(screenshot(page, "admin-new-site.png"), "admin-new-site.png")
    page.get_by_role("button", name="Créer le centre").click()
    expect(page).to_have_url(live.url + "/admin/sites/lyon-edouard-herriot")
    expect(page.get_by_role("status").first).to_contain_text("Centre ajouté")
    assert_all_local(page)


@pytest.mark.parametrize(
    "path",
    ["/admin/", "/admin/accounts", "/admin/sites/paris-2", "/admin/hospitals/aphp-saint-louis"],
)
def test_no_accessibility_violations_on_the_coordinators_pages(
    short_session, page_factory, axe_source, path
):
    """With the session warning shown (sessions of 7 seconds here)."""
    live = short_session
    page = page_factory(bypass_csp=True, locale="fr-FR", viewport={"width": 1024, "height": 900})
    log_in(page, live, path)
    expect(page.locator("#session-warning")).to_be_visible()
    page.evaluate(axe_source)
    results = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    violations = [(v["id"], [n["target"] for n in v["nodes"]]) for v in results["violations"]]
    assert violations == []


def test_no_accessibility_violations_on_the_new_site_form(mailing_live, page_factory, axe_source):
    page = page_factory(bypass_csp=True, locale="fr-FR", viewport={"width": 1024, "height": 900})
    log_in(page, mailing_live, "/admin/sites/new")
    page.get_by_label("Identifiant du centre").fill("lyon")
    page.get_by_label("Ville de l'essai").fill("Lyon")
    page.get_by_label("Établissement (CHU de Lyon, AP-HP…)").fill("Hospices civils de Lyon")
    page.get_by_label("Commune de l'établissement").fill("Lyon 3e")
    page.get_by_role("button", name="Chercher la commune").click()
    expect(page.get_by_role("img", name=re.compile("Lyon 3e"))).to_be_visible()
    page.evaluate(axe_source)
    results = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    violations = [(v["id"], [n["target"] for n in v["nodes"]]) for v in results["violations"]]
    assert violations == []
