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
        "<style>body { font-family: Georgia, serif; }</style></head>"
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
    # The host page's stack, once the frame's stylesheet applies (the field can be in the
    # document before it does): to_have_css waits for it.
    expect(widget.locator("body")).to_have_css("font-family", re.compile("Georgia"))
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


HOME_TITLE = "Trouver un centre d'essai clinique"


def test_each_search_has_a_title_of_its_own(live, new_page):
    """RGAA 8.6, as the server writes it and as the script rewrites it after a live search."""
    page = new_page()
    page.goto(live.url + "/")
    base = page.title()
    expected = {
        "Vichy": re.compile(r"^Vichy .*— " + re.escape(base) + "$"),
        "zzqxw": re.compile("^Aucune commune « zzqxw » — " + re.escape(base) + "$"),
    }
    for typed, title in expected.items():
        page.goto(live.url + "/?q=" + typed)
        expect(page).to_have_title(title)
        served = page.title()
        page.goto(live.url + "/")
        type_and_submit(page, typed)
        page.locator("#answer-body").wait_for()
        expect(page).to_have_title(served)  # the same after a live search
    page.goto(live.url + "/?q=")
    expect(page).to_have_title("Erreur : commune du patient à saisir — " + base)
    page.goto(live.url + "/")
    page.locator("#place").press("Enter")
    expect(page).to_have_title("Erreur : commune du patient à saisir — " + base)
    # Every answer a page can show reads differently in the tab's title.
    titles = set()
    for query in ("", "?q=Vichy", "?q=Riom", "?q=zzqxw", "?q=", "?lat=0&lon=0"):
        page.goto(live.url + "/" + query)
        titles.add(page.title())
    assert len(titles) == 6, titles


def test_the_search_field_keeps_its_width_at_200_percent_text(live, page_factory):
    """RGAA 10.4: the field shrank to about 110 px beside the map and the button."""
    for width in (1280, 1024, 800, 320):
        page = page_factory(viewport={"width": width, "height": 900})
        page.goto(live.url + "/")
        text_at_200(page)
        box = page.locator("#place")
        size = box.evaluate(
            "b => [b.getBoundingClientRect().width, parseFloat(getComputedStyle(b).fontSize)]"
        )
        assert size[1] == 32  # the text did double
        room = page.locator(".combo").evaluate("c => c.clientWidth")
        # Room for "Clermont-Ferrand", or all the column when it is narrower than that.
        assert size[0] >= min(9 * size[1], room - 1), (width, size, room)
        if width > 320:  # 320 px is measured at 100 % text (RGAA 10.11), as the WCAG asks
            assert scroll_width(page) <= width, width
        # The suggestions hang from the field, as wide as it.
        box.press_sequentially("vich", delay=30)
        page.locator("#suggestions [role=option]").first.wait_for()
        field = box.bounding_box()
        listbox = page.locator("#suggestions").bounding_box()
        assert abs(listbox["x"] - field["x"]) < 1 and abs(listbox["width"] - field["width"]) < 1
        assert 0 <= listbox["y"] - (field["y"] + field["height"]) <= 4
        if width == 1280:
            screenshot(page, "search-200-percent.png")


def test_a_town_typed_again_gets_its_suggestions_back(live, new_page):
    page = new_page()
    page.goto(live.url + "/")
    box = page.locator("#place")
    box.focus()
    for _ in range(2):
        page.keyboard.type("Vichy", delay=40)
        page.locator("#suggestions [role=option]").first.wait_for()
        page.keyboard.press("ArrowDown")
        expect(page.locator("#suggestions [aria-selected=true]")).to_have_count(1)
        # Cleared as a person does: select all, delete.
        page.keyboard.press("Control+A")
        page.keyboard.press("Backspace")
        expect(page.locator("#suggestions")).to_be_hidden()
    page.keyboard.type("Vichy", delay=40)
    page.locator("#suggestions [role=option]").first.wait_for()
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    page.locator("#results .site").first.wait_for()
    expect(box).to_have_value(re.compile("^Vichy"))


def test_the_language_link_keeps_the_live_answer(live, new_page):
    page = new_page()
    page.goto(live.url + "/")
    link = page.locator("a.lang")
    search_with_keyboard(page, page, "Vichy")
    insee = re.search(r"insee=(\d+)", page.url)[1]
    assert f"insee={insee}" in link.get_attribute("href")
    assert "lang=en" in link.get_attribute("href")
    type_and_submit(page, "Riom")
    page.locator("#answer-body[data-label^=Riom]").wait_for()
    assert "q=Riom" in link.get_attribute("href")
    link.click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("#answer-title")).to_contain_text("Riom")
    # Back and forward: the link follows the address bar.
    page.go_back()
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    page.go_back()
    page.locator("#answer-body[data-label^=Vichy]").wait_for()
    assert f"insee={insee}" in page.locator("a.lang").get_attribute("href")


def test_my_position_says_whose_position_it_is(live, page_factory):
    page = page_factory(locale="fr-FR")
    page.goto(live.url + "/")
    button = page.get_by_role("button", name="Ma position")
    described = button.evaluate(
        "b => document.getElementById(b.getAttribute('aria-describedby')).textContent"
    )
    assert "votre position" in described and "non de celle du patient" in described
    expect(page.locator("#locate-hint")).to_be_visible()
    english = page_factory(locale="en-GB")
    english.goto(live.url + "/?lang=en")
    hint = english.locator("#locate-hint")
    expect(hint).to_have_text(
        "Searches around your own position (this device's), not the patient's."
    )


# Every public page, and each state a page can be in (an answer, none, a question back,
# an empty search, a wrong widget setting).
PUBLIC_PAGES = (
    "/",
    "/?q=Vichy",
    "/?q=zzqxw",
    "/?q=Saint-Denis",
    "/?q=",
    "/?lang=en&q=Riom",
    "/etudes",
    "/etudes?town=Vichy",
    "/etudes/cart-lupus",
    "/etudes/cart-lupus?q=Vichy",
    "/etudes/no-such-study",
    "/widget",
    "/widget/frame",
    "/widget/frame?q=Vichy",
    "/widget/frame?region=99",
    "/contact/clermont-ferrand",
    "/contact/clermont-ferrand?kind=error_report",
    "/contact/clermont-ferrand?view=frame",
    "/accessibilite",
    "/mentions-legales",
    "/donnees-personnelles",
    "/no-such-page",
)
SAME_PAGE = {
    "/etudes/cart-lupus": "/",
    "/etudes/cart-lupus?q=Vichy": "/?q=Vichy",
    "/widget/frame": "/",
    "/widget/frame?q=Vichy": "/?q=Vichy",
    "/contact/clermont-ferrand?view=frame": "/contact/clermont-ferrand",
}


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_every_public_page_in_both_themes(live, page_factory, axe_source, scheme):
    """axe-core at 0, the landmarks (12.6), one title each (8.6), reflow at 320 px and at
    200 % text (10.10, 10.4), a skip link on the full pages (12.7)."""
    page = page_factory(bypass_csp=True, color_scheme=scheme, locale="fr-FR")
    narrow = page_factory(color_scheme=scheme, viewport={"width": 320, "height": 700})
    titles = {}
    for path in PUBLIC_PAGES:
        page.set_viewport_size({"width": 1280, "height": 900})
        page.goto(live.url + path)
        page.evaluate(axe_source)
        results = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
        violations = [(v["id"], [n["target"] for n in v["nodes"]]) for v in results["violations"]]
        assert violations == [], path
        framed = path.startswith("/widget/frame") or "view=frame" in path
        found = landmarks(page)
        assert found["main"] == 1 and found["contentinfo"] == 1, (path, found)
        assert found["banner"] == (0 if framed else 1), (path, found)
        if not framed:
            page.keyboard.press("Tab")
            assert page.evaluate("document.activeElement.className") == "skip-link", path
            page.keyboard.press("Enter")
            assert page.evaluate("document.activeElement.tagName") == "MAIN", path
        titles[path] = page.title()
        text_at_200(page)
        assert scroll_width(page) <= 1280, path
        narrow.goto(live.url + path)
        assert scroll_width(narrow) <= 320, path
    # The same page shown another way (the default study's own page, a frame) reads the
    # same; any two other pages differ.
    for path, same in SAME_PAGE.items():
        assert titles.pop(path) == titles[same], path
    assert len(set(titles.values())) == len(titles), titles


def test_every_public_page_reflows_at_320_px_with_200_percent_text(live, page_factory):
    """Both at once (beyond 10.11 and 10.4 taken one by one): a long French word breaks
    rather than widen the page, and the configurator's preview keeps to the screen."""
    page = page_factory(locale="fr-FR", viewport={"width": 320, "height": 700})
    wide = {}
    for path in PUBLIC_PAGES:
        page.goto(live.url + path)
        text_at_200(page)
        if (width := scroll_width(page)) > 320:
            wide[path] = width
    assert wide == {}
