"""Issue 23's small RGAA fixes on the search page, measured in Chromium: the placeholder's
contrast in both themes (3.2), the button's outline in forced-colours mode, and the link
that opens a new window saying so (13.2); the configurator's reflow (10.11, 10.4)."""

import pytest

from tests.browser.conftest import screenshot, search_with_keyboard
from tests.browser.rgaa import contrast, keep_in_docs, landmarks, scroll_width, text_at_200


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_the_placeholder_reads_at_4_5_to_1(live, page_factory, scheme):
    page = page_factory(color_scheme=scheme)
    page.goto(live.url + "/")
    assert contrast(page, "#place", "::placeholder") >= 4.5  # 3.84:1 in dark before


def test_the_search_button_keeps_an_outline_in_forced_colours(live, page_factory):
    page = page_factory()
    page.emulate_media(forced_colors="active")
    page.goto(live.url + "/")
    border = page.locator(".combo button").evaluate(
        "b => { const s = getComputedStyle(b); return [s.borderTopStyle, s.borderTopWidth]; }"
    )
    assert border == ["solid", "2px"]


def test_the_frames_link_to_the_directory_says_it_opens_a_window(live, host_page, page_factory):
    page = page_factory(viewport={"width": 900, "height": 900})
    page.goto(host_page)
    english = page.frame_locator("iframe >> nth=1")
    english.locator("#place").wait_for()
    search_with_keyboard(english, page, "Vichy")
    link = english.locator("a.open-page")
    assert link.get_attribute("target") == "_blank"
    assert link.inner_text().endswith("(new window)")


def test_the_configurator_reflows_at_320_px_and_200_percent_text(live, page_factory):
    page = page_factory(viewport={"width": 320, "height": 800})
    page.goto(live.url + "/widget")
    page.frame_locator("#preview iframe").locator("#place").wait_for()
    assert scroll_width(page) <= 320  # 943 px before (RGAA 10.11)
    # The tag's box is named by its heading through a role that allows it.
    assert page.locator("pre[aria-labelledby=tag-title]").get_attribute("role") == "region"
    page.set_viewport_size({"width": 375, "height": 800})
    shot = screenshot(page, "configurator-375.png")
    keep_in_docs(shot, "configurator-375.png")
    wide = page_factory(viewport={"width": 1280, "height": 800})
    wide.goto(live.url + "/widget")
    text_at_200(wide)
    assert scroll_width(wide) <= 1280  # 1,862 px before (RGAA 10.4)


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_an_empty_search_is_told_next_to_the_field(live, page_factory, axe_source, scheme):
    page = page_factory(bypass_csp=True, color_scheme=scheme, locale="fr-FR")
    page.goto(live.url + "/")
    assert not page.locator("#place-error").is_visible()
    page.locator("#place").focus()
    page.keyboard.press("Enter")
    error = page.locator("#place-error")
    assert error.is_visible() and "Saisissez la commune" in error.inner_text()
    box = page.locator("#place")
    assert box.get_attribute("aria-invalid") == "true"
    assert box.get_attribute("aria-describedby").split() == ["place-error", "place-hint"]
    assert page.evaluate("document.activeElement.id") == "place"
    assert contrast(page, "#place-error") >= 4.5
    page.evaluate(axe_source)
    results = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    assert [(v["id"], [n["target"] for n in v["nodes"]]) for v in results["violations"]] == []
    # Typing a town and searching takes the message away.
    box.fill("Vichy")
    page.keyboard.press("Enter")
    page.locator("#results .site").first.wait_for()
    assert not error.is_visible() and box.get_attribute("aria-invalid") is None


@pytest.mark.parametrize("path", ["/", "/widget", "/widget/frame"])
def test_banner_and_contentinfo_sit_outside_main(live, page_factory, path):
    page = page_factory()
    page.goto(live.url + path)
    expected = {"banner": 0 if path == "/widget/frame" else 1, "main": 1, "contentinfo": 1}
    assert landmarks(page) == expected  # banner 0 and no contentinfo before (RGAA 12.6)
