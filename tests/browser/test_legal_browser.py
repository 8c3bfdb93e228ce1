"""The legal pages in Chromium (issue 23): lang, titles, landmarks, skip link, reflow at
320 px and at 200 % text, contrast in both themes, axe; and the footer on public pages."""

import pytest

from tests.browser.conftest import ARTIFACTS, assert_all_local
from tests.browser.rgaa import contrast, keep_in_docs, landmarks, scroll_width, text_at_200

PAGES = ("/accessibilite", "/mentions-legales", "/donnees-personnelles")


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_lang_titles_landmarks_and_skip_link(live, page_factory, lang):
    page = page_factory(viewport={"width": 1024, "height": 800})
    titles = set()
    for path in PAGES:
        page.goto(f"{live.url}{path}?lang={lang}")
        assert page.locator("html").get_attribute("lang") == lang
        titles.add(page.title())
        assert landmarks(page) == {"banner": 1, "main": 1, "contentinfo": 1}
        assert page.locator("h1").count() == 1
        # The skip link is the first stop, and lands in the main area.
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.className") == "skip-link"
        assert page.locator(".skip-link").is_visible()
        page.keyboard.press("Enter")
        assert page.evaluate("document.activeElement.id") == "content"
        assert_all_local(page)
    assert len(titles) == 3  # each page says what it is


@pytest.mark.parametrize("path", PAGES)
def test_no_sideways_scroll_at_320_px_or_200_percent_text(live, page_factory, path):
    page = page_factory(viewport={"width": 320, "height": 640})
    page.goto(live.url + path)
    assert scroll_width(page) <= 320
    wide = page_factory(viewport={"width": 1280, "height": 800})
    wide.goto(live.url + path)
    text_at_200(wide)
    assert scroll_width(wide) <= 1280


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_contrast_from_the_rendered_colours(live, page_factory, scheme):
    page = page_factory(color_scheme=scheme, viewport={"width": 1024, "height": 800})
    page.goto(live.url + "/mentions-legales")
    for selector in ("main p", "main h1", ".legal-footer a", ".placeholder", ".brand a"):
        assert contrast(page, selector) >= 4.5, selector
    page.goto(live.url + "/accessibilite")
    assert contrast(page, ".not-met td") >= 4.5


@pytest.mark.parametrize("path", [p + q for p in PAGES for q in ("?lang=fr", "?lang=en")])
@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_no_accessibility_violations(live, page_factory, axe_source, path, scheme):
    page = page_factory(bypass_csp=True, color_scheme=scheme)
    page.goto(live.url + path)
    page.evaluate(axe_source)
    results = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    assert [(v["id"], [n["target"] for n in v["nodes"]]) for v in results["violations"]] == []


def test_the_footer_and_the_widgets_about(live, page_factory, host_page):
    page = page_factory(locale="fr-FR", viewport={"width": 1024, "height": 800})
    page.goto(live.url + "/")
    footer = page.locator("footer.legal-footer")
    assert footer.locator("a").all_inner_texts() == [
        "Accessibilité : non conforme",
        "Mentions légales",
        "Données personnelles",
    ]
    footer.locator("a").first.click()
    page.wait_for_url("**/accessibilite?lang=fr")
    page.go_back()
    page.wait_for_url("**/")
    page.evaluate("scrollTo(0, 0)")  # bounding boxes are then page coordinates
    box = page.locator(".sources").bounding_box()
    end = page.locator("footer.legal-footer").bounding_box()
    ARTIFACTS.mkdir(exist_ok=True)
    shot = ARTIFACTS / "legal-footer.png"
    top = box["y"] - 8
    page.screenshot(
        path=str(shot),
        full_page=True,
        clip={"x": 0, "y": top, "width": 1024, "height": end["y"] + end["height"] - top + 8},
    )
    keep_in_docs(shot, "legal-footer.png")
    # In the frame: a small "À propos" that opens to the three, each in a new window.
    hosted = page_factory(viewport={"width": 900, "height": 900})
    hosted.goto(host_page)
    frame = hosted.frame_locator("iframe >> nth=0")
    about = frame.locator("details.about")
    assert not frame.locator("details.about a").first.is_visible()
    about.locator("summary").focus()
    hosted.keyboard.press("Enter")
    links = frame.locator("details.about a")
    assert links.first.is_visible()
    assert links.first.inner_text() == "Accessibilité : non conforme (nouvelle fenêtre)"
    with hosted.context.expect_page() as opened:
        links.nth(1).click()
    assert opened.value.url.endswith("/mentions-legales?lang=fr")
