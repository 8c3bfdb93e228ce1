"""Issue 19 in a real browser: the trust line on a card, the printed sheet with the nearer
sites that are not open and for the site the doctor chose, the towns asked for (with and
without JavaScript), and the HTML error page. Screenshots go to test-artifacts/, and to
docs/ with SITEDIR_DOCS_SCREENSHOTS=1."""

import io
import os
import shutil
import unicodedata
from datetime import date
from pathlib import Path

import pytest

from sitedir.extensions import db
from sitedir.models import Site
from tests.browser.conftest import ARTIFACTS, assert_all_local, screenshot, type_and_submit

DOCS = Path(__file__).resolve().parent.parent.parent / "docs"
REASON = "Pause des inclusions le temps d'une mise à jour du protocole"


def keep(path: Path, name: str):
    """Refresh docs/NAME from this run's screenshot when asked (SITEDIR_DOCS_SCREENSHOTS=1)."""
    if os.environ.get("SITEDIR_DOCS_SCREENSHOTS"):
        shutil.copyfile(path, DOCS / name)


def pdf_text(page, name: str) -> tuple[int, str]:
    """Print the page with its print stylesheet (A4) and read the PDF's text back."""
    pypdf = pytest.importorskip("pypdf")
    pdf = page.pdf(format="A4", print_background=False)
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / name).write_bytes(pdf)
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    text = " ".join(p.extract_text() for p in reader.pages)
    # NFKC: the PDF's "ﬁ" ligatures read back as "fi".
    return len(reader.pages), " ".join(unicodedata.normalize("NFKC", text).split())


@pytest.fixture
def clermont_paused(live):
    with live.app.app_context():
        site = db.session.scalar(db.select(Site).where(Site.slug == "clermont-ferrand"))
        site.status = "suspended"
        site.status_reason = REASON
        site.expected_reopening = date(2031, 3, 1)
        db.session.commit()
    return live


def test_the_sheet_shows_the_nearer_site_that_is_not_open(clermont_paused, page_factory):
    live = clermont_paused
    page = page_factory(locale="fr-FR", viewport={"width": 1280, "height": 900})
    page.goto(live.url + "/")
    type_and_submit(page, "Vichy")
    page.locator("#results .site").first.wait_for()
    pages, text = pdf_text(page, "referral-sheet-paused.pdf")
    assert pages == 1
    for expected in (
        "Commune du patient : Vichy (03)",
        "Plus proche, mais pas ouvert aux inclusions",
        "CHU de Clermont-Ferrand",
        "48,0 km à vol d'oiseau",
        "Inclusions suspendues",
        "mise à jour du protocole",
        "Réouverture prévue : 1er mars 2031",
        "Pitié-Salpêtrière",
        "311,9 km à vol d'oiseau",
        "Information à vérifier : jamais confirmée par le centre",
    ):
        assert expected in text, expected
    assert "Saint-Louis" not in text  # one site's sheet
    assert "Imprimer la fiche" not in text
    page.emulate_media(media="print")  # the sheet as printed, for the docs
    keep(screenshot(page, "sheet-paused.png"), "referral-sheet.png")


def test_imprimer_la_fiche_de_ce_centre_prints_that_site(live, page_factory):
    page = page_factory(locale="fr-FR", viewport={"width": 1280, "height": 900})
    page.goto(live.url + "/")
    type_and_submit(page, "Vichy")
    cards = page.locator("#results .site")
    cards.first.wait_for()
    page.evaluate("window.print = function () { window.printed = true; }")
    third = cards.nth(2)
    assert "Saint-Louis" in third.locator("h3").inner_text()
    third.get_by_role("link", name="Imprimer la fiche de ce centre").click()
    assert page.evaluate("window.printed") is True
    assert page.url.endswith("/?q=Vichy")  # printed from here, no navigation
    _, text = pdf_text(page, "referral-sheet-saint-louis.pdf")
    assert "Saint-Louis" in text and "1 avenue Claude-Vellefaux" in text
    assert "Gabriel-Montpied" not in text and "Pitié-Salpêtrière" not in text
    assert "/?q=Vichy&sheet=paris-2" in text  # the sheet's URL prints it again
    assert_all_local(page)


def test_a_card_with_its_trust_line(live, page_factory):
    page = page_factory(locale="fr-FR", viewport={"width": 900, "height": 900})
    page.goto(live.url + "/?q=Vichy")
    card = page.locator("#results .site").first
    trust = card.locator(".trust")
    assert trust.count() == 1
    assert trust.inner_text() == (
        "Information à vérifier : jamais confirmée par le centre "
        "(d'après le communiqué du CHU de Clermont-Ferrand)"
    )
    assert card.locator(".unverified").count() == 0
    path = ARTIFACTS / "card-trust-line.png"
    ARTIFACTS.mkdir(exist_ok=True)
    card.screenshot(path=str(path))
    keep(path, "card-trust-line.png")


@pytest.mark.parametrize("javascript", [True, False])
def test_saint_denis_is_asked_for(live, browser, javascript):
    context = browser.new_context(
        locale="fr-FR", java_script_enabled=javascript, viewport={"width": 1280, "height": 800}
    )
    page = context.new_page()
    page.goto(live.url + "/")
    type_and_submit(page, "Saint-Denis")
    choices = page.locator(".town-choices li")
    choices.first.wait_for()
    assert page.locator("#answer-title").inner_text() == (
        "Plusieurs communes s'appellent « Saint-Denis » : laquelle ?"
    )
    texts = choices.all_inner_texts()
    assert texts[0].startswith("Saint-Denis (974)") and "La Réunion" in texts[0]
    assert "Seine-Saint-Denis, Île-de-France" in texts[1]
    assert page.locator("#results").count() == 0
    if not javascript:
        keep(screenshot(page, "saint-denis-choices.png"), "saint-denis-choices.png")
    page.get_by_role("link", name="Saint-Denis (93)").click()
    page.locator("#results .site").first.wait_for()
    assert "Saint-Denis (93)" in page.locator("#answer-title").inner_text()
    assert "insee=93066" in page.url
    context.close()


def test_a_mistyped_url_is_a_page_with_a_way_back(live, page_factory):
    page = page_factory(locale="fr-FR")
    response = page.goto(live.url + "/centres")
    assert response.status == 404
    assert page.locator("h1").inner_text() == "Page introuvable"
    page.get_by_role("link", name="Retour à la recherche d'un centre").click()
    page.locator("#place").wait_for()


@pytest.mark.parametrize(
    "path",
    [
        "/?q=Saint-Denis",
        "/widget/frame?q=Valence&lang=en",
        "/?q=Vichy&sheet=paris-2",
        "/?q=Les+Menuires",
        "/centres",
        "/centres?lang=en",
        "/admin/nowhere",
    ],
)
@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_no_accessibility_violations(live, page_factory, axe_source, path, scheme):
    page = page_factory(
        bypass_csp=True, color_scheme=scheme, viewport={"width": 1024, "height": 900}
    )
    page.goto(live.url + path)
    page.evaluate(axe_source)
    results = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    violations = [(v["id"], [n["target"] for n in v["nodes"]]) for v in results["violations"]]
    assert violations == []
