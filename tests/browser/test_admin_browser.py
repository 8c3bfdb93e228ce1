"""The admin page in a real browser (Debian's Chromium): a site admin pauses their site,
a doctor's search on the home page shows it, the status is confirmed, the admin logs out.
Also: a form without its CSRF token and a wrong password are both refused.

Everything is done through labels, roles and the keyboard, as a person would.
"""

import re
from datetime import date

import pytest

from sitedir.admin.models import SITE_ADMIN
from sitedir.app import create_app
from sitedir.domain.clock import today_in_paris
from sitedir.extensions import db
from sitedir.models import Site, StatusChange
from tests.browser.conftest import LiveServer, assert_all_local, screenshot, search_with_keyboard
from tests.helpers import PASSWORD, make_account

expect = pytest.importorskip("playwright.sync_api").expect

EMAIL = "clermont@example.org"
SITE = "clermont-ferrand"
REASON = "Pause des inclusions le temps d'une mise à jour du protocole"
MONTHS = "janvier février mars avril mai juin juillet août septembre octobre novembre décembre"


@pytest.fixture
def admin_live(tmp_path):
    """sitedir, seeded, on localhost, with the Clermont-Ferrand site admin's account.

    Session cookies are Secure by default and the browser would not send them back over
    plain http://127.0.0.1; rate limits are off so that several logins never hit them.
    """
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'admin.sqlite3'}",
            "ACCESS_LOG": False,
            "SESSION_COOKIE_SECURE": False,
            "RATELIMIT_ENABLED": False,
        }
    )
    with app.app_context():
        make_account(EMAIL, SITE_ADMIN, [SITE], password=PASSWORD)
        db.session.commit()
    server = LiveServer(app)
    yield server
    server.stop()


def site_row(app):
    """Clermont-Ferrand's status fields and version, as stored."""
    with app.app_context():
        site = db.session.scalar(db.select(Site).where(Site.slug == SITE))
        changes = db.session.scalar(
            db.select(db.func.count())
            .select_from(StatusChange)
            .where(StatusChange.site_id == site.id)
        )
        return site.status, site.status_reason, site.version, changes


def log_in(page, live, password=PASSWORD):
    page.goto(live.url + "/admin/login")
    page.get_by_label("Adresse e-mail").fill(EMAIL)
    page.get_by_label("Mot de passe").fill(password)
    # Enter in the password box submits the form, as most people do it.
    page.get_by_label("Mot de passe").press("Enter")


def test_a_site_admin_pauses_their_site_and_a_doctor_sees_it(admin_live, new_page):
    page = new_page()
    # Not logged in: the admin page sends to the login page.
    page.goto(admin_live.url + "/admin/")
    expect(page).to_have_url(admin_live.url + "/admin/login?next=/admin/")

    log_in(page, admin_live)
    expect(page).to_have_url(admin_live.url + "/admin/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Mes centres")
    expect(page.get_by_text(EMAIL)).to_be_visible()
    # A site admin sees their own site, and only it.
    rows = page.locator("tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first.get_by_role("rowheader")).to_contain_text("Clermont-Ferrand")
    expect(rows.first.get_by_role("cell").first).to_have_text("Ouvert aux inclusions")
    screenshot(page, "admin-index.png")

    # Pause the site, with a reason and the expected reopening.
    page.get_by_role("link", name=re.compile("^Clermont-Ferrand")).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Clermont-Ferrand")
    reopening = date(date.today().year + 1, 9, 1)
    page.get_by_label("Statut", exact=True).select_option(label="Inclusions suspendues")
    page.get_by_label("Motif").fill(REASON)
    page.get_by_label("Réouverture prévue").fill(reopening.isoformat())
    paused_on = today_in_paris().strftime("%d/%m/%Y")
    page.get_by_role("button", name="Enregistrer le statut").click()
    expect(page.get_by_role("status")).to_have_text("Statut enregistré.")
    expect(page.get_by_text("Statut actuel")).to_contain_text(
        f"Statut actuel : Inclusions suspendues ({REASON})."
    )
    expect(page.locator("ol.history li").first).to_contain_text(
        f"Ouvert aux inclusions → Inclusions suspendues ({REASON})"
    )
    expect(page.get_by_label("Statut", exact=True)).to_have_value("suspended")
    screenshot(page, "admin-site-paused.png")

    # In the same browser, a doctor's search from Vichy no longer leads to Clermont-Ferrand
    # first, and the notice says why and until when.
    page.goto(admin_live.url + "/")
    search_with_keyboard(page, page, "Vichy")
    expect(page.locator("#results .site").first.locator("h3")).not_to_contain_text(
        "Clermont-Ferrand"
    )
    notice = page.locator("#answer .notice")
    expect(notice).to_contain_text("Plus proche, mais pas ouvert aux inclusions")
    expect(notice).to_contain_text("Clermont-Ferrand")
    expect(notice).to_contain_text("Inclusions suspendues")
    expect(notice).to_contain_text(REASON)
    month = MONTHS.split()[reopening.month - 1]
    day = "1er" if reopening.day == 1 else reopening.day
    expect(notice).to_contain_text(f"Réouverture prévue : {day} {month} {reopening.year}")

    # Back to the admin page (the search had its own history entry): the paused site is
    # listed as such; confirm it is still right.
    page.go_back()
    page.go_back()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Clermont-Ferrand")
    page.get_by_role("link", name="← Mes centres").click()
    row = page.locator("tbody tr").first
    cells = row.get_by_role("cell")
    expect(cells.nth(0)).to_have_text("Inclusions suspendues")
    expect(cells.nth(1)).to_have_text(REASON)
    expect(cells.nth(2)).to_have_text(reopening.strftime("%d/%m/%Y"))
    # Setting the status was itself a confirmation (issue 19): dated today, in Paris time,
    # either side of a midnight crossed by the test.
    before = today_in_paris().strftime("%d/%m/%Y")
    expect(cells.nth(3)).to_have_text(re.compile(f"^({before}|{paused_on})$"))
    page.get_by_role("button", name="Statut toujours exact pour Clermont-Ferrand").click()
    expect(page.get_by_role("status")).to_have_text("Merci : statut confirmé aujourd'hui.")
    after = today_in_paris().strftime("%d/%m/%Y")
    expect(cells.nth(3)).to_have_text(re.compile(f"^({before}|{after})$"))

    # Log out: the admin page and the site page send back to the login page.
    page.get_by_role("button", name="Se déconnecter").click()
    expect(page).to_have_url(admin_live.url + "/admin/login")
    expect(page.get_by_role("heading", level=1)).to_have_text("Connexion")
    for path in ("/admin/", f"/admin/sites/{SITE}"):
        page.goto(admin_live.url + path)
        expect(page).to_have_url(re.compile(re.escape(admin_live.url + "/admin/login?next=")))
    assert_all_local(page)


def test_a_form_without_its_csrf_token_is_refused(admin_live, new_page):
    before = site_row(admin_live.app)
    page = new_page()
    log_in(page, admin_live)
    expect(page).to_have_url(admin_live.url + "/admin/")
    page.goto(f"{admin_live.url}/admin/sites/{SITE}")
    page.get_by_label("Statut", exact=True).select_option(label="Inclusions suspendues")
    page.get_by_label("Motif").fill(REASON)
    # What a forged cross-site form would lack: the token only the admin page knows.
    removed = page.evaluate(
        """() => {
            const form = document.querySelector("#status").form;
            const token = form.querySelector("input[name=csrf_token]");
            token.remove();
            return !form.querySelector("input[name=csrf_token]");
        }"""
    )
    assert removed
    with page.expect_response(lambda r: r.request.method == "POST") as answer:
        page.get_by_role("button", name="Enregistrer le statut").click()
    # Refused, and back on the page with what was typed, to check and send again.
    assert answer.value.status == 303
    expect(page.get_by_role("alert").filter(has_text="rien n'a été enregistré")).to_be_visible()
    expect(page.get_by_label("Motif")).to_have_value(REASON)
    screenshot(page, "admin-csrf-refused.png")
    # Nothing changed: not in the database, not on the admin page.
    assert site_row(admin_live.app) == before
    page.goto(f"{admin_live.url}/admin/sites/{SITE}")
    expect(page.get_by_text("Statut actuel")).to_contain_text("Ouvert aux inclusions")
    expect(page.locator("ol.history")).to_have_text("Aucun changement enregistré.")
    assert_all_local(page)


def test_a_wrong_password_is_refused_in_french(admin_live, new_page):
    page = new_page()
    with page.expect_response(lambda r: r.request.method == "POST") as answer:
        log_in(page, admin_live, password="not the right one")
    assert answer.value.status == 200
    expect(page.get_by_role("alert")).to_have_text("Adresse ou mot de passe incorrect.")
    expect(page).to_have_url(admin_live.url + "/admin/login")
    # The address is kept for another try; the password is not.
    expect(page.get_by_label("Adresse e-mail")).to_have_value(EMAIL)
    expect(page.get_by_label("Mot de passe")).to_have_value("")
    expect(page.get_by_role("button", name="Se déconnecter")).to_have_count(0)
    page.goto(admin_live.url + "/admin/")
    expect(page).to_have_url(admin_live.url + "/admin/login?next=/admin/")
    assert_all_local(page)
