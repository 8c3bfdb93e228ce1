"""The contact request in Debian's Chromium: from a site card to the reference, on the
page and inside the widget's frame on another origin (no cookie); errors tied to their
fields; axe-core finds no violation on the form, its errors and its confirmation."""

import re

import pytest

from tests.browser.conftest import ARTIFACTS, screenshot, search_with_keyboard

REFERENCE = re.compile(r"DC-\d{4}-\d{6}")


@pytest.fixture
def quick(live):
    # A person in a test fills the form in well under the 3 seconds a real one takes.
    live.app.config["CONTACT_MIN_FILL_SECONDS"] = 0
    return live


def _fill(scope, page, phone=""):
    scope.locator("#f-doctor_name").fill("Dr Camille Exemple")
    scope.locator("#f-profession").select_option("rheumatologist")
    scope.locator("#f-place").focus()
    page.keyboard.type("Vichy (03)", delay=20)
    # The place search sends the chosen town's INSEE code with the form.
    scope.locator("#f-place_insee[value='03310']").wait_for(state="attached")
    scope.locator("#f-email").fill("camille.exemple@example.org")
    if phone:
        scope.locator("#f-phone").fill(phone)
    scope.locator("#f-message").fill("Patiente de 38 ans, lupus réfractaire.")


def test_from_a_card_to_a_reference_on_the_page(quick, new_page):
    page = new_page()
    page.goto(quick.url + "/?q=Vichy")
    card = page.locator("#results .site").first
    link = card.get_by_role("link", name=re.compile("^Demander à être recontacté"))
    assert link.is_visible()
    ARTIFACTS.mkdir(exist_ok=True)
    card.screenshot(path=str(ARTIFACTS / "contact-card.png"))
    link.click()
    page.wait_for_url(re.compile(r"/contact/clermont-ferrand\?"))
    assert "Ne donnez aucun détail qui identifie le patient" in page.inner_text("main")
    _fill(page, page)
    screenshot(page, "contact-form.png")
    page.get_by_role("button", name="Envoyer la demande").click()
    page.locator(".done-reference").wait_for()
    assert REFERENCE.search(page.inner_text(".done-reference"))
    assert page.context.cookies() == []


def test_a_refused_phone_is_announced_and_focused_with_its_expected_format(quick, new_page):
    page = new_page()
    page.goto(quick.url + "/contact/clermont-ferrand")
    _fill(page, page, phone="12 34")
    page.get_by_role("button", name="Envoyer la demande").click()
    page.locator("#error-summary").wait_for()
    assert page.title().startswith("Erreur : ")
    assert page.evaluate("document.activeElement.id") == "f-phone"
    described = page.locator("#f-phone").get_attribute("aria-describedby").split()
    error = page.locator("#f-phone-error").inner_text()
    assert "f-phone-error" in described and "01 23 45 67 89 ou +33 1 23 45 67 89" in error
    assert page.locator("#f-phone").get_attribute("aria-invalid") == "true"
    # What was typed is still there, to correct.
    assert page.locator("#f-doctor_name").input_value() == "Dr Camille Exemple"


def test_inside_the_widget_the_form_stays_in_the_frame_and_sets_no_cookie(
    quick, page_factory, serve_host
):
    host = serve_host(
        '<!doctype html><html lang="fr"><head><meta charset="utf-8"><title>Hôte</title></head>'
        f'<body><script src="{quick.url}/widget/embed.js" data-lang="fr" async></script>'
        "</body></html>"
    )
    page = page_factory(locale="fr-FR", viewport={"width": 1024, "height": 900})
    page.goto(host)
    frame = page.frame_locator("iframe")
    search_with_keyboard(frame, page, "Vichy")
    frame.locator("#results .site").first.get_by_role(
        "link", name=re.compile("^Demander à être recontacté")
    ).click()
    frame.locator("#f-doctor_name").wait_for()
    _fill(frame, page)
    frame.get_by_role("button", name="Envoyer la demande").click()
    frame.locator(".done-reference").wait_for()
    assert REFERENCE.search(frame.locator(".done-reference").inner_text())
    assert page.url == host  # the host page never left
    assert page.context.cookies() == []


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_no_accessibility_violations_on_the_form_its_errors_and_its_confirmation(
    quick, page_factory, axe_source, scheme
):
    page = page_factory(
        bypass_csp=True,
        color_scheme=scheme,
        locale="fr-FR",
        viewport={"width": 1024, "height": 900},
    )

    def violations():
        page.evaluate(axe_source)
        results = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
        return [(v["id"], [n["target"] for n in v["nodes"]]) for v in results["violations"]]

    page.goto(quick.url + "/contact/clermont-ferrand?q=Vichy")
    assert violations() == []
    page.locator("#f-email").fill("pas-un-email")
    page.get_by_role("button", name="Envoyer la demande").click()
    page.locator("#error-summary").wait_for()
    assert violations() == []
    page.goto(quick.url + "/contact/clermont-ferrand?kind=error_report&view=frame&lang=en")
    assert violations() == []
    page.goto(quick.url + "/contact/clermont-ferrand")
    _fill(page, page)
    page.get_by_role("button", name="Envoyer la demande").click()
    page.locator(".done-reference").wait_for()
    assert violations() == []


@pytest.fixture
def admin_live(tmp_path):
    """sitedir on localhost with a Clermont-Ferrand site admin and one request for each of
    Clermont-Ferrand and Nantes (plain http: session cookies not Secure here)."""
    from sitedir.admin.models import SITE_ADMIN
    from sitedir.app import create_app
    from sitedir.extensions import db
    from tests.browser.conftest import LiveServer
    from tests.helpers import PASSWORD, make_account

    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'contact-admin.sqlite3'}",
            "ACCESS_LOG": False,
            "SESSION_COOKIE_SECURE": False,
            "RATELIMIT_ENABLED": False,
            "CONTACT_MIN_FILL_SECONDS": 0,
        }
    )
    with app.app_context():
        make_account("clermont@example.org", SITE_ADMIN, ["clermont-ferrand"], password=PASSWORD)
        db.session.commit()
    client = app.test_client()
    made = []
    for site in ("clermont-ferrand", "nantes"):
        token = client.get(f"/api/v1/sites/{site}/contact-form").get_json()["token"]
        answer = client.post(
            f"/api/v1/sites/{site}/contact-requests",
            json={
                "token": token,
                "doctor_name": "Dr Camille Exemple",
                "profession": "other",
                "place": "Vichy",
                "email": "camille.exemple@example.org",
            },
        )
        made.append(answer.get_json()["reference"])
    server = LiveServer(app)
    server.references = made
    yield server
    server.stop()


def test_a_site_admin_handles_a_request_with_the_keyboard(admin_live, page_factory, axe_source):
    from tests.helpers import PASSWORD

    page = page_factory(bypass_csp=True, locale="fr-FR", viewport={"width": 1280, "height": 900})
    page.goto(admin_live.url + "/admin/login")
    page.get_by_label("Adresse e-mail").fill("clermont@example.org")
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.keyboard.press("Enter")
    page.get_by_role("link", name="Demandes de contact").click()
    mine, other = admin_live.references
    assert mine in page.inner_text("main") and other not in page.inner_text("main")

    def violations():
        page.evaluate(axe_source)
        results = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
        return [(v["id"], [n["target"] for n in v["nodes"]]) for v in results["violations"]]

    assert violations() == []
    page.get_by_role("link", name=mine).click()
    assert violations() == []
    page.get_by_label(re.compile("^Note interne")).fill("Rappelée le jour même.")
    page.get_by_role("button", name="Marquer comme traitée").focus()
    page.keyboard.press("Enter")
    page.get_by_text("marquée traitée").wait_for()
    assert "par clermont@example.org" in page.inner_text("main")
    assert violations() == []


def test_the_printed_sheet_gives_the_forms_address_instead_of_its_links(quick, new_page):
    page = new_page()
    page.goto(quick.url + "/?q=Vichy")
    page.emulate_media(media="print")
    card = page.locator("#results .site").first
    assert not card.locator(".contact-request").is_visible()
    line = card.locator(".contact-print")
    assert line.is_visible()
    assert (
        f"Demander à être recontacté : {quick.url}/contact/clermont-ferrand?" in line.inner_text()
    )
    assert card.locator(".channels").is_visible()  # the hospital's website, printed
