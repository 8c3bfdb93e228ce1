"""The home page and the embedded widget, in a real browser (Debian's Chromium)."""

import json
from datetime import date

import pytest

from sitedir.extensions import db
from sitedir.models import Institution, Site
from tests.browser.conftest import ARTIFACTS, assert_all_local, screenshot, search_with_keyboard


def test_home_page_answers_a_keyboard_search(live, page_factory):
    page = page_factory(viewport={"width": 1280, "height": 900}, locale="fr-FR")
    page.goto(live.url + "/")
    assert page.locator("html").get_attribute("lang") == "fr"
    search_with_keyboard(page, page)
    first = page.locator("#results .site").first
    assert "Clermont-Ferrand" in first.locator("h3").inner_text()
    assert "48,0 km" in first.inner_text() or "48,1 km" in first.inner_text()
    assert "Ludovic Trefond" in first.inner_text()
    assert "coordonnées à confirmer" in first.inner_text()
    assert page.locator("#patient").is_visible()
    screenshot(page, "home-desktop.png")
    page.set_viewport_size({"width": 375, "height": 800})
    screenshot(page, "home-375.png")
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    assert_all_local(page)


def test_home_page_in_english(live, page_factory):
    page = page_factory(locale="en-GB")
    page.goto(live.url + "/?lang=en")
    assert page.locator("html").get_attribute("lang") == "en"
    assert "Patient's town or postcode" in page.inner_text("body")
    search_with_keyboard(page, page, "Vichy")
    assert page.locator("#answer-title").inner_text().startswith("Open sites nearest to")
    assert_all_local(page)


def test_two_widgets_on_a_host_page(live, host_page, page_factory):
    page = page_factory(viewport={"width": 900, "height": 900})
    page.goto(host_page)
    frames = page.locator("iframe")
    frames.nth(1).wait_for()
    assert frames.count() == 2
    french, english = page.frame_locator("iframe >> nth=0"), page.frame_locator("iframe >> nth=1")
    french.locator("#place").wait_for()
    english.locator("#place").wait_for()
    # data-region limits the sites shown, never the places one can type.
    assert french.locator(".marker").count() == 1
    assert english.locator(".marker").count() == 9
    page.wait_for_function(
        "() => [...document.querySelectorAll('iframe')].every(f => f.style.height !== '480px')"
    )
    before = frames.nth(0).bounding_box()["height"]
    search_with_keyboard(french, page)
    search_with_keyboard(english, page)
    assert "Clermont-Ferrand" in french.locator("#results .site h3").first.inner_text()
    assert "Clermont-Ferrand" in english.locator("#results .site h3").first.inner_text()
    assert english.locator("#answer-title").inner_text().startswith("Open sites nearest to")
    # The frame grew to show the answer: no inner scroll bar.
    page.wait_for_function(
        f"() => document.querySelector('iframe').getBoundingClientRect().height > {before}"
    )
    for frame in page.frames[1:]:
        inner = frame.evaluate("document.documentElement.scrollHeight")
        outer = frame.evaluate("window.innerHeight")
        assert inner <= outer + 1
    screenshot(page, "host-page-two-widgets.png")
    # A town outside the region is still found; the answer stays in the region.
    french.locator("#place").fill("")
    search_with_keyboard(french, page, "brest")
    french.locator("#answer-title", has_text="Brest").wait_for()
    assert french.locator("#results .site").count() == 1
    assert "Clermont-Ferrand" in french.locator("#results .site h3").inner_text()
    assert french.locator(".region.focus title").text_content() == "Auvergne-Rhône-Alpes"
    assert_all_local(page)


def test_an_overseas_town_is_drawn_in_its_inset(live, page_factory):
    page = page_factory(locale="fr-FR", viewport={"width": 1100, "height": 900})
    page.goto(live.url + "/")
    search_with_keyboard(page, page, "97400")
    assert "Saint-Denis" in page.locator("#answer-title").inner_text()
    patient = page.locator("#patient").bounding_box()
    reunion = page.locator(".inset", has_text="La Réunion").bounding_box()
    assert reunion["x"] <= patient["x"] and patient["x"] + patient["width"] <= (
        reunion["x"] + reunion["width"]
    )
    assert reunion["y"] <= patient["y"] <= reunion["y"] + reunion["height"]
    assert_all_local(page)


def test_a_suspended_site_nearer_than_the_first_open_one(live, page_factory):
    with live.app.app_context():
        site = db.session.scalar(db.select(Site).where(Site.slug == "clermont-ferrand"))
        site.status = "suspended"
        site.status_reason = "Pause des inclusions le temps d'une mise à jour du protocole"
        site.expected_reopening = date(2031, 9, 1)
        db.session.commit()
    # A doctor in Martinique (UTC-4): the reopening date is still the 1st, not 31 August.
    page = page_factory(locale="fr-FR", timezone_id="America/Martinique")
    page.goto(live.url + "/")
    search_with_keyboard(page, page, "Vichy")
    notice = page.locator("#answer .notice")
    assert "Plus proche, mais pas ouvert aux inclusions" in notice.inner_text()
    assert "Inclusions suspendues" in notice.inner_text()
    assert "mise à jour du protocole" in notice.inner_text()
    assert "1er septembre 2031" in notice.inner_text()
    assert "Paris" in page.locator("#results .site").first.inner_text()
    screenshot(page, "home-suspended.png")
    assert_all_local(page)


def test_a_hostile_site_name_is_shown_as_text(live, page_factory):
    hostile = "<img src=x onerror=alert(1)>"
    with live.app.app_context():
        site = db.session.scalar(db.select(Site).where(Site.slug == "clermont-ferrand"))
        institution = db.session.get(Institution, site.institution_id)
        institution.site_name = hostile
        site.status_reason = None  # any change to the site row: a new snapshot
        db.session.commit()
    page = page_factory(locale="fr-FR")
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.goto(live.url + "/")
    search_with_keyboard(page, page, "Vichy")
    assert hostile in page.locator("#results .site h3").first.inner_text()
    assert hostile in page.locator(".sites").inner_text()
    assert page.locator("img").count() == 0
    assert dialogs == []
    assert_all_local(page)


@pytest.mark.parametrize(
    "path", ["/?lang=fr", "/?lang=en", "/widget/frame?lang=fr", "/widget/frame?lang=en&region=84"]
)
def test_no_accessibility_violations(live, page_factory, axe_source, path):
    # axe is injected by the test, so this one page may run a script the CSP does not list.
    page = page_factory(bypass_csp=True, viewport={"width": 1024, "height": 900})
    page.goto(live.url + path)
    search_with_keyboard(page, page, "Vichy")
    page.evaluate(axe_source)
    results = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    violations = [(v["id"], [n["target"] for n in v["nodes"]]) for v in results["violations"]]
    assert violations == []


def test_first_search_transfers_at_most_150_kb(live, page_factory):
    page = page_factory(locale="fr-FR")
    responses = []
    page.on("requestfinished", lambda request: responses.append(request))
    page.goto(live.url + "/")
    search_with_keyboard(page, page, "Vichy")
    page.wait_for_load_state("networkidle")
    total = 0
    for request in responses:
        sizes = request.sizes()
        total += sizes["responseBodySize"] + sizes["responseHeadersSize"]
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "first-search-transfer.json").write_text(
        json.dumps({"bytes": total, "requests": [r.url for r in responses]}, indent=1)
    )
    assert 0 < total <= 150_000
