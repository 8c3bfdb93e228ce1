"""Issue 23 in Chromium: the widget tells its webmaster when its settings are wrong (a
notice in the frame, a warning in the host's console), frame titles that differ and say
their language, data-font="inherit", and data-theme="auto" on a dark host."""

import pytest

from tests.browser.conftest import ARTIFACTS, search_with_keyboard
from tests.browser.rgaa import contrast, keep_in_docs

expect = pytest.importorskip("playwright.sync_api").expect

HOST = """<!doctype html>
<html lang="fr"><head><meta charset="utf-8"><title>Réseau — page hôte</title>
<meta http-equiv="Content-Security-Policy"
      content="default-src 'self'; script-src 'self' {app}; frame-src {app};
               style-src 'self' 'unsafe-inline'">
<style>body {{ {style} }}</style>
</head><body>
<h1>Un réseau régional</h1>
{tags}
</body></html>
"""


def host(serve_host, live, tags: str, style: str = "font-family: serif;") -> str:
    return serve_host(HOST.format(app=live.url, tags=tags.format(app=live.url), style=style))


def test_a_wrong_setting_gets_a_notice_and_a_console_warning(live, page_factory, serve_host):
    url = host(
        serve_host,
        live,
        '<script src="{app}/widget/embed.js" data-region="99" data-regoin="84" async></script>',
    )
    page = page_factory(locale="fr-FR", viewport={"width": 600, "height": 700})
    warnings = []
    page.on("console", lambda m: warnings.append(m.text) if m.type == "warning" else None)
    page.goto(url)
    frame = page.frame_locator("iframe")
    notice = frame.locator("#invalid-settings")
    notice.wait_for()
    assert "Réglage du widget invalide : data-region=99" in notice.inner_text()
    assert frame.locator("#place").count() == 0  # no broken search
    page.wait_for_function("() => document.querySelector('iframe').style.height !== '480px'")
    assert any('data-region="99" is not valid' in w and "84" in w for w in warnings), warnings
    assert any('data-regoin="84" is not valid' in w for w in warnings), warnings
    ARTIFACTS.mkdir(exist_ok=True)
    shot = ARTIFACTS / "widget-invalid.png"
    page.screenshot(path=str(shot), full_page=True)
    keep_in_docs(shot, "widget-invalid.png")


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_the_notice_passes_axe_and_contrast(live, page_factory, axe_source, scheme):
    page = page_factory(bypass_csp=True, color_scheme=scheme)
    page.goto(live.url + "/widget/frame?study=nope&theme=pink")
    assert page.locator("#invalid-settings li").count() == 2
    assert contrast(page, "#invalid-settings li") >= 4.5
    page.evaluate(axe_source)
    results = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    assert [(v["id"], [n["target"] for n in v["nodes"]]) for v in results["violations"]] == []


def test_frame_titles_differ_and_say_their_language(live, page_factory, serve_host):
    url = host(
        serve_host,
        live,
        '<script src="{app}/widget/embed.js" data-region="84" async></script>'
        '<script src="{app}/widget/embed.js" async></script>'
        '<script src="{app}/widget/embed.js" data-lang="en" async></script>'
        '<script src="{app}/widget/embed.js" data-title="Centres près de Lyon" async></script>',
    )
    page = page_factory(viewport={"width": 900, "height": 900})
    page.goto(url)
    for i in range(4):
        page.frame_locator(f"iframe >> nth={i}").locator("#place").wait_for()
    page.wait_for_function(
        "() => [...document.querySelectorAll('iframe')].slice(0, 3)"
        ".every(f => f.title.includes(':'))"
    )
    titles = page.locator("iframe").evaluate_all("fs => fs.map(f => [f.title, f.lang])")
    assert titles[0] == [
        "Trouver un centre : Lupus érythémateux systémique — Auvergne-Rhône-Alpes",
        "fr",
    ]
    assert titles[1] == ["Trouver un centre : Lupus érythémateux systémique", "fr"]
    assert titles[2] == ["Find a site: Systemic lupus erythematosus", "en"]
    assert titles[3] == ["Centres près de Lyon", "fr"]  # the host's own
    assert len({t for t, _ in titles}) == 4


def test_data_font_inherit_uses_the_hosts_font(live, page_factory, serve_host):
    url = host(
        serve_host,
        live,
        '<script src="{app}/widget/embed.js" data-font="inherit" async></script>',
        style='font-family: Georgia, "DejaVu Serif", serif;',
    )
    page = page_factory(viewport={"width": 900, "height": 900})
    page.goto(url)
    frame = page.frame_locator("iframe")
    font = 'Georgia, "DejaVu Serif", serif'
    # Once the frame's stylesheet applies (the field can be in the document before it does).
    expect(frame.locator("#place")).to_have_css("font-family", font)
    search_with_keyboard(frame, page, "Vichy")  # carried along: the answer keeps it
    assert frame.locator("h1").evaluate("e => getComputedStyle(e).fontFamily") == font


def test_auto_theme_follows_a_dark_hosts_background(live, page_factory, serve_host):
    url = host(
        serve_host,
        live,
        '<script src="{app}/widget/embed.js" data-theme="auto" async></script>',
        style="background: #101418; color: #e6edf3;",
    )
    page = page_factory(color_scheme="light", viewport={"width": 900, "height": 900})
    page.goto(url)
    frame = page.frame_locator("iframe")
    frame.locator("#place").wait_for()
    assert frame.locator("html").evaluate("h => getComputedStyle(h).backgroundColor") == (
        "rgb(16, 20, 24)"
    )
    assert contrast(frame, "label[for=place]") >= 4.5
    assert contrast(frame, "h1") >= 4.5
