"""Issue 13 in a real browser: answers at their own URL, the same answer with and without
JavaScript, back and forward, the printed referral sheet, "Ma position", the configurator's
tag on another origin, and the dark theme."""

import io
import re
import shutil
import unicodedata
from pathlib import Path
from urllib.parse import urlencode, urljoin

import pytest

from tests.browser.conftest import (
    ARTIFACTS,
    answer_text,
    assert_all_local,
    screenshot,
    search_with_keyboard,
    site_names,
    type_and_submit,
)

DOCS = Path(__file__).resolve().parent.parent.parent / "docs"
TOWNS = ["Vichy", "Brest", "Lyon", "Saint-Denis", "97400"]


def wait_answer(scope, **origin):
    scope.locator(f'#answer-body[data-query="{urlencode(origin)}"]').wait_for()


def wait_search(page, search: str):
    """Wait until the address bar's query is this (history moves without a page load)."""
    page.wait_for_function("s => location.search === s", arg=search)


def test_an_answer_url_opened_fresh_with_and_without_javascript(live, page_factory):
    page = page_factory(locale="fr-FR")
    page.goto(live.url + "/?q=Vichy")
    assert "Clermont-Ferrand" in site_names(page)[0]
    assert page.locator("#place").input_value() == "Vichy"
    with_js = site_names(page)
    plain = page_factory(locale="fr-FR", java_script_enabled=False)
    plain.goto(live.url + "/?q=Vichy")
    assert site_names(plain) == with_js
    assert "à vol d'oiseau" in plain.locator("#results .site").first.inner_text()
    # Without scripts the search box is a form: submitting it renders the answer.
    plain.locator("#place").fill("Brest")
    plain.locator("#place").press("Enter")
    plain.wait_for_url(re.compile(r".*\?q=Brest\Z"))
    assert plain.locator("#answer-title").inner_text().endswith("Brest (29)")
    assert_all_local(page)


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_server_and_script_render_the_same_answer(live, page_factory, lang):
    scripted = page_factory(locale="fr-FR")
    scripted.goto(f"{live.url}/?lang={lang}")
    plain = page_factory(locale="fr-FR", java_script_enabled=False)
    for town in TOWNS:
        type_and_submit(scripted, town)
        wait_answer(scripted, q=town)
        plain.goto(f"{live.url}/?{urlencode({'q': town, 'lang': lang})}")
        assert answer_text(scripted) == answer_text(plain), town
        assert scripted.url.endswith("?" + urlencode({"q": town, "lang": lang}))


def test_back_and_forward_show_each_answer_again(live, page_factory):
    page = page_factory(locale="fr-FR")
    page.goto(live.url + "/")
    type_and_submit(page, "Vichy")
    wait_answer(page, q="Vichy")
    vichy = answer_text(page)
    page.locator("#place").fill("")
    search_with_keyboard(page, page, "brest")
    wait_search(page, "?insee=29019")
    brest = answer_text(page)
    assert "Brest (29)" in brest and brest != vichy
    page.go_back()
    wait_search(page, "?q=Vichy")
    wait_answer(page, q="Vichy")
    assert answer_text(page) == vichy
    assert page.locator("#place").input_value() == "Vichy"
    page.go_forward()
    wait_answer(page, insee="29019")
    assert answer_text(page) == brest
    page.go_back()
    page.go_back()
    wait_search(page, "")
    page.locator("#answer").wait_for(state="hidden")
    assert page.locator("#answer").is_hidden()


def test_the_widget_opens_the_same_answer_in_the_directory(live, host_page, page_factory):
    page = page_factory(viewport={"width": 900, "height": 900})
    page.goto(host_page)
    french = page.frame_locator("iframe >> nth=0")
    french.locator("#place").wait_for()
    search_with_keyboard(french, page, "Vichy")
    link = french.locator("a.open-page")
    assert link.inner_text() == "Ouvrir dans l'annuaire (nouvelle fenêtre)"  # RGAA 13.2
    frame_url = page.frames[1].url
    href = urljoin(frame_url, link.get_attribute("href"))
    assert href.startswith(live.url + "/?insee=03310")
    in_frame = site_names(french)
    directory = page_factory()
    directory.goto(href)
    assert site_names(directory) == in_frame
    assert directory.locator("html").get_attribute("lang") == "fr"
    # The region the widget was limited to goes along.
    assert "region=84" in href and directory.locator(".marker").count() == 1
    assert_all_local(page)


def test_the_printed_sheet_is_one_a4_page(live, page_factory):
    pypdf = pytest.importorskip("pypdf")
    page = page_factory(locale="fr-FR")
    page.goto(live.url + "/")
    search_with_keyboard(page, page, "Vichy")
    assert page.locator("button.print").is_visible()
    assert page.locator("button.print").inner_text() == "Imprimer la fiche"
    pdf = page.pdf(format="A4", print_background=False)
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "referral-sheet.pdf").write_bytes(pdf)
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) == 1
    # NFKC: the PDF's "ﬁ" ligatures read back as "fi".
    text = " ".join(unicodedata.normalize("NFKC", reader.pages[0].extract_text()).split())
    for expected in (
        "Commune du patient : Vichy (03)",
        "CHU de Clermont-Ferrand",
        "58 rue Montalembert, 63000 Clermont-Ferrand",
        "48,0 km à vol d'oiseau",
        "Ouvert aux inclusions",
        "Information à vérifier : jamais confirmée par le centre",
        "d'après le communiqué du CHU de Clermont-Ferrand",
        "Ludovic Trefond",
        "coordonnées à confirmer",
        "Qui peut être adressé",
        "investigateur du centre qui décide",
        "Fiche imprimée le",
        live.url + "/?insee=03310",
    ):
        assert expected in text, expected
    # Only the chosen site, and no map, form or navigation.
    assert "Pitié-Salpêtrière" not in text
    assert "Rechercher" not in text and "English" not in text and "Carte" not in text


def test_my_position_granted_answers_for_riom(live, page_factory):
    page = page_factory(
        locale="fr-FR",
        geolocation={"latitude": 45.894, "longitude": 3.113},
        permissions=["geolocation"],
    )
    page.goto(live.url + "/")
    page.get_by_role("button", name="Ma position").click()
    wait_answer(page, insee="63300")
    assert page.locator("#answer-title").inner_text().endswith("près de Riom (63)")
    assert "Clermont-Ferrand" in site_names(page)[0]
    assert page.url.endswith("/?insee=63300")
    assert page.locator("#place").input_value() == "Riom (63)"
    assert_all_local(page)


def test_my_position_denied_says_so_and_keeps_the_field(live, page_factory):
    page = page_factory(locale="fr-FR", permissions=[])
    page.goto(live.url + "/")
    page.get_by_role("button", name="Ma position").click()
    status = page.locator("#status")
    status.filter(has_text="Position refusée").wait_for()
    assert status.is_visible()
    assert page.locator("#answer").is_hidden()
    box = page.locator("#place")
    assert box.is_enabled() and box.evaluate("el => el === document.activeElement")
    type_and_submit(page, "Vichy")
    wait_answer(page, q="Vichy")


def test_the_configurators_tag_makes_the_widget_it_previewed(live, page_factory, serve_host):
    page = page_factory(viewport={"width": 1200, "height": 1000}, locale="fr-FR")
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    page.goto(live.url + "/widget")
    page.select_option("#c-lang", "en")
    page.select_option("#c-region", "84")
    page.fill("#c-limit", "2")
    page.locator("#c-limit").dispatch_event("change")
    page.locator("#c-accent").fill("#6a1b9a")
    page.locator("#c-accent").dispatch_event("change")
    page.select_option("#c-theme", "dark")
    preview = page.frame_locator("#preview iframe")
    preview.locator("#place").wait_for()
    page.get_by_role("button", name="Copier la balise").click()
    page.locator("#copy-status", has_text="Balise copiée").wait_for()
    tag = page.evaluate("navigator.clipboard.readText()")
    assert tag == page.locator("#tag").inner_text()
    assert 'data-region="84"' in tag and 'data-lang="en"' in tag and 'data-theme="dark"' in tag
    assert "script-src " + live.url in page.locator("#csp").inner_text()

    def looks(frame):
        return frame.locator("html").evaluate(
            """html => ({lang: html.lang, theme: html.dataset.theme,
                         limit: document.getElementById('sitedir').dataset.limit,
                         region: document.getElementById('sitedir').dataset.region,
                         markers: document.querySelectorAll('.marker').length,
                         accent: getComputedStyle(html).getPropertyValue('--accent').trim(),
                         button: getComputedStyle(document.querySelector('button')).backgroundColor,
                         paper: getComputedStyle(html).backgroundColor})"""
        )

    previewed = looks(preview)
    host = serve_host(
        '<!doctype html><html lang="fr"><head><meta charset="utf-8"><title>Hôte</title></head>'
        f"<body><h1>Réseau</h1>{tag}</body></html>"
    )
    hosted = page_factory(viewport={"width": 1200, "height": 1000})
    hosted.goto(host)
    widget = hosted.frame_locator("iframe")
    widget.locator("#place").wait_for()
    got = looks(widget)
    assert got == previewed
    assert got["lang"] == "en" and got["theme"] == "dark" and got["limit"] == "2"
    assert got["markers"] == 1
    search_with_keyboard(widget, hosted, "Vichy")
    assert widget.locator("#results .site").count() == 1  # the one open site of region 84
    assert_all_local(hosted)


@pytest.mark.parametrize(
    "path",
    [
        "/?lang=fr",
        "/?lang=en",
        "/widget/frame?lang=fr",
        "/widget/frame?lang=en&region=84",
        "/widget?lang=fr",
        "/widget?lang=en",
    ],
)
@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_no_accessibility_violations_in_either_theme(live, page_factory, axe_source, path, scheme):
    page = page_factory(
        bypass_csp=True, color_scheme=scheme, viewport={"width": 1024, "height": 900}
    )
    page.goto(live.url + path)
    if "/widget?" not in path:
        search_with_keyboard(page, page, "Vichy")
    else:
        page.frame_locator("#preview iframe").locator("#place").wait_for()
    page.evaluate(axe_source)
    results = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    violations = [(v["id"], [n["target"] for n in v["nodes"]]) for v in results["violations"]]
    assert violations == []


DARK_HOST = """<!doctype html>
<html lang="fr"><head><meta charset="utf-8"><title>Réseau lupus — page hôte sombre</title>
<meta name="color-scheme" content="dark">
<meta http-equiv="Content-Security-Policy"
      content="default-src 'self'; script-src 'self' {app}; frame-src {app};
               style-src 'self' 'unsafe-inline'">
<style>body {{ background: #101418; color: #e6edf3; font-family: sans-serif; }}</style>
</head><body>
<h1>Un réseau régional, en sombre</h1>
<script src="{app}/widget/embed.js" data-lang="fr" data-region="84" data-theme="dark"
        async></script>
<p>Fin de la page hôte.</p>
</body></html>
"""


def test_dark_theme_screenshots_and_the_frame_matches_its_host(
    live, page_factory, serve_host, host_page
):
    page = page_factory(
        color_scheme="dark", locale="fr-FR", viewport={"width": 1280, "height": 900}
    )
    page.goto(live.url + "/?q=Vichy")
    assert page.locator("html").evaluate("h => getComputedStyle(h).backgroundColor") != (
        "rgb(255, 255, 255)"
    )
    _keep(screenshot(page, "home-dark.png"), "home-dark.png")
    light = page_factory(
        color_scheme="light", locale="fr-FR", viewport={"width": 1280, "height": 900}
    )
    light.goto(live.url + "/?q=Vichy")
    _keep(screenshot(light, "home.png"), "home.png")
    host = serve_host(DARK_HOST.format(app=live.url))
    hosted = page_factory(color_scheme="light", viewport={"width": 900, "height": 900})
    hosted.goto(host)
    widget = hosted.frame_locator("iframe")
    search_with_keyboard(widget, hosted, "Vichy")
    # The host's own background is the frame's: no seam, no white flash.
    assert widget.locator("html").evaluate("h => getComputedStyle(h).backgroundColor") == (
        "rgb(16, 20, 24)"
    )
    assert hosted.locator("iframe").evaluate("f => f.style.colorScheme") == "dark"
    _keep(screenshot(hosted, "host-page-dark.png"), "widgets-dark.png")
    two = page_factory(viewport={"width": 900, "height": 900})
    two.goto(host_page)
    for i in (0, 1):
        search_with_keyboard(two.frame_locator(f"iframe >> nth={i}"), two, "Vichy")
    _keep(screenshot(two, "host-page-two-widgets.png"), "widgets.png")


def _keep(path: Path, name: str):
    """Refresh docs/NAME from this run's screenshot when asked (SITEDIR_DOCS_SCREENSHOTS=1)."""
    import os

    if os.environ.get("SITEDIR_DOCS_SCREENSHOTS"):
        shutil.copyfile(path, DOCS / name)


def test_a_position_far_from_any_commune_stays_out_of_the_address_bar(live, page_factory):
    page = page_factory(
        locale="fr-FR",
        geolocation={"latitude": 45.0, "longitude": -10.0},  # the Atlantic
        permissions=["geolocation"],
    )
    page.goto(live.url + "/?q=Vichy")
    wait_answer(page, q="Vichy")
    page.get_by_role("button", name="Ma position").click()
    wait_answer(page, lat="45.0000", lon="-10.0000")
    assert "Aucune commune" in page.locator("#answer").inner_text()
    assert page.url.endswith("/?q=Vichy")
    assert "lat" not in page.evaluate("location.href")
