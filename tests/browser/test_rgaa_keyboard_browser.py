"""The keyboard path, in Debian's Chromium, with nothing but keys (Tab, arrows, Enter,
typing): the search page, the widget in a host page, and the admin page from the login to a
status changed. At every stop of Tab the focus is shown (an outline of 2 px at least, or
the browser's own ring) on an element that is on screen (RGAA 10.7, 12.8)."""

import re

import pytest

from sitedir.admin.models import NETWORK_ADMIN
from sitedir.app import create_app
from sitedir.extensions import db
from tests.browser.conftest import LiveServer, screenshot
from tests.helpers import PASSWORD, make_account

expect = pytest.importorskip("playwright.sync_api").expect

NETWORK = "reseau@example.org"
SAINT_LOUIS = "Paris — AP-HP – Hôpital Saint-Louis"

FOCUSED = """() => {
  // A document keeps its activeElement when the focus moves to another one: ask first.
  if (!document.hasFocus()) return {elsewhere: true};
  const e = document.activeElement;
  if (!e || e === document.body || e.tagName === 'IFRAME') return {elsewhere: true};
  const s = getComputedStyle(e);
  const r = e.getBoundingClientRect();
  return {
    tag: e.tagName, id: e.id,
    name: (e.getAttribute('aria-label') || e.innerText || e.value || '').trim().slice(0, 80),
    outline: s.outlineStyle, width: parseFloat(s.outlineWidth), shadow: s.boxShadow,
    onscreen: r.width > 0 && r.height > 0 && r.bottom > 0 && r.top < innerHeight
      && r.right > 0 && r.left < innerWidth,
  };
}"""


def focused(scope) -> dict:
    """What has the focus in `scope` (a page or a frame), and how it is shown."""
    return scope.evaluate(FOCUSED)


def assert_shown(state: dict):
    ring = state["outline"] == "auto" or (state["outline"] != "none" and state["width"] >= 2)
    assert ring or state["shadow"] != "none", state
    assert state["onscreen"], state


def tab_to(page, scope, matches, limit=60) -> dict:
    """Press Tab until the focus in `scope` matches; every stop on the way shows its focus."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        state = focused(scope)
        if state.get("elsewhere"):
            continue  # the focus is in another document (the frame, or back to the host)
        assert_shown(state)
        if matches(state):
            return state
    raise AssertionError("never reached by Tab")


def named(text):
    return lambda state: state["name"] == text


@pytest.fixture
def admin_live(tmp_path):
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'keys.sqlite3'}",
            "ACCESS_LOG": False,
            "SESSION_COOKIE_SECURE": False,
            "RATELIMIT_ENABLED": False,
        }
    )
    with app.app_context():
        make_account(NETWORK, NETWORK_ADMIN, password=PASSWORD)
        db.session.commit()
    server = LiveServer(app)
    yield server
    server.stop()


def test_the_search_by_keyboard(live, new_page):
    page = new_page()
    page.goto(live.url + "/")
    first = tab_to(page, page, lambda s: True)
    assert first["name"] == "Aller au contenu"  # the skip link comes first
    tab_to(page, page, lambda s: s["id"] == "place")
    page.keyboard.type("vich", delay=40)
    page.locator("#suggestions [role=option]").first.wait_for()
    page.keyboard.press("ArrowDown")
    expect(page.locator("#suggestions [aria-selected=true]")).to_contain_text("Vichy")
    page.keyboard.press("Enter")
    page.locator("#results .site").first.wait_for()
    expect(page.locator("#status")).to_contain_text("Clermont-Ferrand")  # the live region
    # On to the answer's first link, then to the other language, by Tab and Shift+Tab.
    state = tab_to(page, page, lambda s: s["tag"] == "A" and "contact" in s["name"].lower())
    screenshot(page, "keyboard-search.png")
    assert state["onscreen"]
    page.keyboard.press("Shift+Tab")
    assert_shown(focused(page))


def test_the_widget_by_keyboard(live, host_page, new_page):
    page = new_page()
    page.goto(host_page)
    # The embed script is async: its frames may be added, and navigated, after the host
    # page's load (a loaded machine).
    for _ in range(200):
        frame = next(
            (f for f in page.frames if "/widget/frame" in f.url and "cart-lupus" in f.url), None
        )
        if frame:
            break
        page.wait_for_timeout(50)
    else:
        raise AssertionError("the first widget's frame never came")
    frame.wait_for_selector("#place")
    # From the host page's top, Tab reaches the first widget's field.
    for _ in range(20):
        page.keyboard.press("Tab")
        if frame.evaluate("document.activeElement && document.activeElement.id") == "place":
            break
    else:
        raise AssertionError("Tab never reached the widget")
    assert_shown(focused(frame))
    page.keyboard.type("vich", delay=40)
    frame.wait_for_selector("#suggestions [role=option]")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    frame.wait_for_selector("#results .site")
    # The frame's links and buttons, each with its focus shown, to the "À propos" footer.
    widget = page.frame_locator("iframe >> nth=0")
    for summary, details in (
        ("Qui peut être adressé ?", "details.study"),
        ("À propos", "details.about"),
    ):
        tab_to(page, frame, named(summary))
        page.keyboard.press("Enter")
        expect(widget.locator(details)).to_have_attribute("open", "")
    screenshot(page, "keyboard-widget.png")


def test_the_admin_page_by_keyboard(admin_live, new_page):
    page = new_page()
    page.goto(admin_live.url + "/admin/login")
    assert tab_to(page, page, lambda s: True)["name"] == "Aller au contenu"
    tab_to(page, page, lambda s: s["tag"] == "INPUT" and s["id"].endswith("email"))
    page.keyboard.type(NETWORK)
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    expect(page).to_have_url(admin_live.url + "/admin/")
    # The dashboard: the menu, then the site's link.
    tab_to(page, page, named("Comptes"))
    tab_to(page, page, named(SAINT_LOUIS))
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text(SAINT_LOUIS)
    # The status form: the status chosen with the arrows, a reason typed, saved with Enter.
    tab_to(page, page, lambda s: s["id"] == "status")
    for _ in range(5):
        if page.locator("#status").input_value() == "suspended":
            break
        page.keyboard.press("ArrowDown")
    expect(page.locator("#status")).to_have_value("suspended")
    page.keyboard.press("Tab")
    assert focused(page)["id"] == "status_reason"
    page.keyboard.type("Pause pour une mise à jour du protocole")
    tab_to(page, page, named("Enregistrer le statut"))
    screenshot(page, "keyboard-admin.png")
    page.keyboard.press("Enter")
    expect(page.get_by_role("status").first).to_have_text("Statut enregistré.")
    expect(page.get_by_text("Statut actuel")).to_contain_text(
        re.compile("Inclusions suspendues .Pause pour une mise à jour du protocole")
    )
