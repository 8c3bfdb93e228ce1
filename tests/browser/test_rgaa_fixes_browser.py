"""Issue 23's small RGAA fixes on the search page, measured in Chromium: the placeholder's
contrast in both themes (3.2), the button's outline in forced-colours mode, and the link
that opens a new window saying so (13.2)."""

import pytest

from tests.browser.conftest import search_with_keyboard
from tests.browser.rgaa import contrast


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
