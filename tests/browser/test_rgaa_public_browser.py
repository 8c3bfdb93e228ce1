"""Issue 23 on the public pages, measured in Debian's Chromium: the configurator's data-title
and data-font and a tag that is never wrong; page titles (RGAA 8.6); the search field at
200 % text (10.4); reflow, landmarks (12.6) and axe-core on every public page, in both
themes; the search's fixes (a town typed again, the language link, "Ma position")."""

import re

import pytest

from tests.browser.conftest import screenshot, search_with_keyboard, type_and_submit
from tests.browser.rgaa import landmarks, scroll_width, text_at_200

expect = pytest.importorskip("playwright.sync_api").expect


def host_with(serve_host, tag: str) -> str:
    return serve_host(
        '<!doctype html><html lang="fr"><head><meta charset="utf-8"><title>Hôte</title>'
        '<style>body { font-family: Georgia, serif; }</style></head>'
        f"<body><h1>Réseau</h1>{tag}</body></html>"
    )


def load_tag(page_factory, serve_host, tag: str):
    """The tag on a host page: the warnings of its console, and the widget's frame."""
    page = page_factory(viewport={"width": 900, "height": 900})
    warnings = []
    page.on("console", lambda m: warnings.append(m.text) if m.type == "warning" else None)
    page.goto(host_with(serve_host, tag))
    frame = page.frame_locator("iframe")
    frame.locator("#place, .invalid-settings").first.wait_for()
    return page, frame, warnings


def test_the_configurator_sets_the_frame_title_and_font(live, page_factory, serve_host):
    page = page_factory(viewport={"width": 1200, "height": 1000}, locale="fr-FR")
    page.goto(live.url + "/widget")
    # A title with the characters an attribute must escape, and spaces to fold.
    page.get_by_label("Titre du cadre (facultatif)").fill('  Essais "lupus" &   Auvergne <1> ')
    page.get_by_label("Titre du cadre (facultatif)").press("Enter")
    page.get_by_label("Police").select_option(label="Celle de votre page")
    tag = page.locator("#tag").inner_text()
    assert 'data-title="Essais &quot;lupus&quot; &amp; Auvergne &lt;1&gt;"' in tag
    assert tag.endswith(' data-font="inherit" async></script>')
    # The preview is that tag: its frame is titled so, and uses the configurator's font.
    frame = page.locator("#preview iframe")
    expect(frame).to_have_attribute("title", 'Essais "lupus" & Auvergne <1>')
    screenshot(page, "configurator-title-font.png")

    host, widget, warnings = load_tag(page_factory, serve_host, tag)
    expect(host.locator("iframe")).to_have_attribute("title", 'Essais "lupus" & Auvergne <1>')
    widget.locator("#place").wait_for()
    font = widget.locator("body").evaluate("b => getComputedStyle(b).fontFamily")
    assert "Georgia" in font  # the host page's stack
    assert warnings == []
    # Back to the defaults: neither attribute is written.
    page.get_by_label("Titre du cadre (facultatif)").fill("   ")
    page.get_by_label("Titre du cadre (facultatif)").press("Enter")
    page.get_by_label("Police").select_option(label="Celle du widget (polices du système)")
    tag = page.locator("#tag").inner_text()
    assert "data-title" not in tag and "data-font" not in tag


@pytest.mark.parametrize(
    "query",
    [
        "",
        "?region=99&study=nope&limit=50&theme=neon&font=comic",
        "?title=" + "x" * 300 + "&font=inherit&limit=0",
        "?title=%20%20%20&wlang=en&region=84&limit=10&theme=dark",
    ],
)
def test_the_configurators_tag_is_never_a_wrong_one(live, page_factory, serve_host, query):
    page = page_factory(viewport={"width": 1200, "height": 1000}, locale="fr-FR")
    page.goto(live.url + "/widget" + query)
    server_tag = page.locator("#tag").inner_text()
    # The script rewrites the tag as it starts: both must give a widget that loads, with
    # no notice and no warning in the host page's console.
    page.locator("#preview iframe").wait_for()
    for tag in (server_tag, page.locator("#tag").inner_text()):
        _, widget, warnings = load_tag(page_factory, serve_host, tag)
        expect(widget.locator("#place")).to_be_visible()
        assert warnings == [], tag
    # Typed values out of range are clamped or cut, never written as they are.
    page.get_by_label("Nombre de centres ouverts listés (1 à 10)").fill("99")
    page.get_by_label("Titre du cadre (facultatif)").fill("y" * 250)  # maxlength: 200
    page.get_by_label("Titre du cadre (facultatif)").press("Enter")
    tag = page.locator("#tag").inner_text()
    assert 'data-limit="10"' in tag and f'data-title="{"y" * 200}"' in tag
    _, widget, warnings = load_tag(page_factory, serve_host, tag)
    expect(widget.locator("#place")).to_be_visible()
    assert warnings == []
