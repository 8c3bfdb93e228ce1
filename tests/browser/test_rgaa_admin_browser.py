"""Issue 23 on the admin page, measured in Debian's Chromium: the skip link (RGAA 12.7), one
menu on every page (12.1, 12.3), a title of its own for each page (8.6), the Comptes form's
errors tied to their field (11.10), the warning before the session's end, which can be
extended and is announced (13.1), reflow at 320 px and at 200 % text (10.10, 10.4), the
landmarks (12.6) and axe-core."""

import re

import pytest

from sitedir.admin import sessions
from sitedir.admin.models import NETWORK_ADMIN, SITE_ADMIN
from sitedir.app import create_app
from sitedir.extensions import db
from tests.browser.conftest import LiveServer, assert_all_local, screenshot
from tests.browser.rgaa import landmarks, scroll_width, text_at_200
from tests.helpers import PASSWORD, make_account

expect = pytest.importorskip("playwright.sync_api").expect

NETWORK = "reseau@example.org"
CLERMONT = "clermont@example.org"
# Every page a network admin reaches from the menu, and a page of each kind below them.
NETWORK_PAGES = (
    "/admin/",
    "/admin/accounts",
    "/admin/to-confirm",
    "/admin/webhooks",
    "/admin/sites/new",
    "/admin/contact-requests",
    "/admin/contact-requests?status=handled",
    "/admin/sites/paris-1",
    "/admin/sites/paris-2",
    "/admin/hospitals/aphp-saint-louis",
)
NETWORK_MENU = [
    "Tous les centres",
    "Comptes",
    "À confirmer",
    "Webhooks",
    "Ajouter un centre",
    "Demandes de contact",
]


@pytest.fixture
def admin_live(tmp_path):
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'rgaa-admin.sqlite3'}",
            "ACCESS_LOG": False,
            "SESSION_COOKIE_SECURE": False,
            "RATELIMIT_ENABLED": False,
        }
    )
    with app.app_context():
        make_account(NETWORK, NETWORK_ADMIN, password=PASSWORD)
        make_account(CLERMONT, SITE_ADMIN, ["clermont-ferrand"], password=PASSWORD)
        db.session.commit()
    server = LiveServer(app)
    yield server
    server.stop()


def log_in(page, live, email=NETWORK, path="/admin/"):
    page.goto(live.url + "/admin/login?next=" + path)
    page.get_by_label("Adresse e-mail").fill(email)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_label("Mot de passe").press("Enter")
    expect(page.get_by_role("button", name="Se déconnecter")).to_be_visible()
    # admin.js (deferred) has run and set its timers: the button can show before, and a
    # test moving the page's clock then would move it before the timers exist.
    page.wait_for_load_state("domcontentloaded")


def menu(page) -> list[str]:
    return (
        page.get_by_role("navigation", name="Menu de l'administration")
        .get_by_role("link")
        .all_inner_texts()
    )


def axe_violations(page, axe_source) -> list:
    page.evaluate(axe_source)
    results = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    return [(v["id"], [n["target"] for n in v["nodes"]]) for v in results["violations"]]


def test_every_admin_page_has_the_skip_link_the_menu_and_a_title_of_its_own(
    admin_live, page_factory, axe_source
):
    page = page_factory(bypass_csp=True, locale="fr-FR", viewport={"width": 1024, "height": 800})
    log_in(page, admin_live)
    titles = {}
    for path in NETWORK_PAGES:
        page.goto(admin_live.url + path)
        # 12.7: the first Tab reaches the skip link, shown; Enter takes the focus to <main>.
        page.keyboard.press("Tab")
        skip = page.get_by_role("link", name="Aller au contenu")
        expect(skip).to_be_focused()
        box = skip.bounding_box()
        assert box["y"] >= 0 and box["height"] > 0, path  # on screen once focused
        page.keyboard.press("Enter")
        assert page.evaluate("document.activeElement.tagName") == "MAIN", path
        # 12.1 / 12.3: the same menu, in the same order, its current page said as such.
        assert menu(page) == NETWORK_MENU, path
        current = page.locator(".admin-nav [aria-current=page]").all_inner_texts()
        assert len(current) <= 1, path
        # 8.6: the title starts with what the page's heading says.
        heading = page.get_by_role("heading", level=1).inner_text()
        title = page.title()
        assert title.startswith(heading) or heading in title, (path, title, heading)
        titles[path] = title
        # 12.6: one banner (the bar), one main, a navigation.
        assert landmarks(page)["banner"] == 1 and landmarks(page)["main"] == 1, path
        assert axe_violations(page, axe_source) == [], path
    # 8.6: no two pages share a title (the two Paris sites included).
    assert len(set(titles.values())) == len(titles), titles
    assert "Hôpital Pitié-Salpêtrière" in titles["/admin/sites/paris-1"]
    assert "Hôpital Saint-Louis" in titles["/admin/sites/paris-2"]
    page.goto(admin_live.url + "/admin/sites/paris-2")
    screenshot(page, "admin-menu-site.png")
    assert_all_local(page)


def test_a_site_admin_has_the_same_menu_on_every_page(admin_live, new_page):
    page = new_page()
    log_in(page, admin_live, CLERMONT)
    for path in ("/admin/", "/admin/sites/clermont-ferrand", "/admin/contact-requests"):
        page.goto(admin_live.url + path)
        assert menu(page) == ["Mes centres", "Demandes de contact"], path
    page.goto(admin_live.url + "/admin/")
    expect(page.locator(".admin-nav [aria-current=page]")).to_have_text("Mes centres")


@pytest.mark.parametrize("path", NETWORK_PAGES)
def test_admin_pages_reflow_at_320_px_and_200_percent_text(admin_live, page_factory, path):
    page = page_factory(locale="fr-FR", viewport={"width": 320, "height": 700})
    log_in(page, admin_live, path=path)
    assert scroll_width(page) <= 320, path
    wide = page_factory(locale="fr-FR", viewport={"width": 1280, "height": 800})
    log_in(wide, admin_live, path=path)
    text_at_200(wide)
    assert scroll_width(wide) <= 1280, path


def test_the_login_pages_have_the_skip_link_and_no_menu(admin_live, new_page):
    page = new_page()
    for path in ("/admin/login", "/admin/forgot"):
        page.goto(admin_live.url + path)
        page.keyboard.press("Tab")
        expect(page.get_by_role("link", name="Aller au contenu")).to_be_focused()
        expect(page.locator(".admin-nav")).to_have_count(0)


def test_a_site_admin_without_a_site_is_told_at_the_site_picker(
    admin_live, page_factory, axe_source
):
    page = page_factory(bypass_csp=True, locale="fr-FR", viewport={"width": 1024, "height": 900})
    log_in(page, admin_live, path="/admin/accounts")
    page.get_by_label("Adresse e-mail").fill("nouveau@example.org")
    page.get_by_label("Rôle").select_option(label="Administrateur de centre")
    with page.expect_response(lambda r: r.request.method == "POST") as answer:
        page.get_by_role("button", name="Envoyer l'invitation").click()
    assert answer.value.status == 422
    # Not a banner: the message sits in the site picker, tied to each box.
    expect(page.locator("p.flash.error")).to_have_count(0)
    error = page.locator("#invite-sites-error")
    expect(error).to_have_text("Un administrateur de centre a besoin d'au moins un centre.")
    assert page.locator(".site-picker #invite-sites-error").count() == 1
    boxes = page.locator("#invite-sites input[type=checkbox]")
    assert boxes.count() == 9
    for i in range(boxes.count()):
        assert boxes.nth(i).get_attribute("aria-invalid") == "true"
        assert boxes.nth(i).get_attribute("aria-describedby") == "invite-sites-error"
    # The focus is on the first box, and its description is the message.
    expect(boxes.first).to_be_focused()
    described = page.evaluate(
        "() => document.getElementById(document.activeElement.getAttribute('aria-describedby'))"
        ".textContent"
    )
    assert "besoin d'au moins un centre" in described
    assert page.title().startswith("Erreur : Comptes")
    # The address typed is kept.
    expect(page.get_by_label("Adresse e-mail")).to_have_value("nouveau@example.org")
    assert axe_violations(page, axe_source) == []
    screenshot(page, "admin-accounts-site-error.png")

    # An address that has an account already: said at the address field.
    page.get_by_label("Adresse e-mail").fill(CLERMONT)
    page.get_by_label("Rôle").select_option(label="Administration du réseau")
    page.get_by_role("button", name="Envoyer l'invitation").click()
    email = page.locator("#invite-email")
    expect(page.locator("#invite-email-error")).to_have_text(
        f"Un compte existe déjà pour {CLERMONT}."
    )
    assert email.get_attribute("aria-invalid") == "true"
    assert email.get_attribute("aria-describedby") == "invite-email-error"
    expect(email).to_be_focused()
    expect(page.locator("p.flash.error")).to_have_count(0)


def alert_regions(page) -> list[dict]:
    """The page's role=alert nodes as Chromium's accessibility tree holds them."""
    cdp = page.context.new_cdp_session(page)
    nodes = cdp.send("Accessibility.getFullAXTree")["nodes"]
    found = []
    for node in nodes:
        if node.get("ignored") or node.get("role", {}).get("value") != "alert":
            continue
        props = {p["name"]: p["value"].get("value") for p in node.get("properties", [])}
        found.append(props)
    cdp.detach()
    return found


class ServerClock:
    """The admin's session clock (sitedir.admin.sessions.epoch_now), moved forward at will."""

    def __init__(self, monkeypatch):
        self.offset = 0.0
        real = sessions.epoch_now
        monkeypatch.setattr(sessions, "epoch_now", lambda: real() + self.offset)


def test_the_session_end_is_announced_and_can_be_put_off(admin_live, new_page, monkeypatch):
    clock = ServerClock(monkeypatch)
    page = new_page()
    page.clock.install()  # the page's timers, moved with the server's clock
    log_in(page, admin_live, path="/admin/sites/paris-2")
    warning = page.locator("#session-warning")
    # 8 hours ahead of the end: nothing shown, but the live region is already in place
    # (a region added with its words is not reliably read out).
    expect(warning).to_have_text("")
    assert alert_regions(page) == [
        {"live": "assertive", "atomic": True, "relevant": "additions text"}
    ]
    page.get_by_label("Motif").fill("Pause d'une semaine")

    # 7 h 56 later: the warning fills the live region, and says what to do.
    clock.offset = 8 * 3600 - 4 * 60
    page.clock.fast_forward("07:56:00")
    expect(warning).to_contain_text("Votre session prend fin dans moins de 5 minutes")
    assert [r.get("live") for r in alert_regions(page)] == ["assertive"]
    screenshot(page, "admin-session-warning.png")
    # Asked again while it shows (every 20 s), the server says the same: the region is
    # not rewritten, so it is not read out again.
    page.evaluate(
        """() => { window.rewrites = 0; new MutationObserver(() => { window.rewrites += 1; })
            .observe(document.getElementById('session-warning'),
                     {childList: true, characterData: true, subtree: true}); }"""
    )
    for _ in range(3):
        with page.expect_response(re.compile(r"/admin/session$")) as asked:
            page.clock.fast_forward("00:20")
        assert asked.value.json()["remaining"] < 4 * 60
    assert page.evaluate("window.rewrites") == 0

    # Put off: a login in another tab (the page keeps what was typed), then back here.
    relogin = warning.get_by_role("link", name="Se reconnecter dans un nouvel onglet")
    expect(relogin).to_have_attribute("target", "_blank")
    with page.context.expect_page() as opened:
        relogin.click()
    other = opened.value
    other.get_by_label("Adresse e-mail").fill(NETWORK)
    other.get_by_label("Mot de passe").fill(PASSWORD)
    other.get_by_label("Mot de passe").press("Enter")
    expect(other.get_by_role("heading", level=1)).to_have_text(
        "Paris — AP-HP – Hôpital Saint-Louis"
    )
    other.close()
    page.bring_to_front()
    # The page asks the server again (every 20 s while the warning shows, and when the
    # tab comes back to the front): 8 hours left, the warning goes.
    page.clock.fast_forward("00:21")
    expect(warning).to_have_text("")

    # 10 minutes on, past the first session's end: no "has ended", and saving works.
    clock.offset += 10 * 60
    page.clock.fast_forward("10:00")
    expect(warning).to_have_text("")
    expect(page.get_by_label("Motif")).to_have_value("Pause d'une semaine")
    page.get_by_label("Statut", exact=True).select_option(label="Inclusions suspendues")
    page.get_by_role("button", name="Enregistrer le statut").click()
    expect(page.get_by_role("status").first).to_have_text("Statut enregistré.")
    expect(page.get_by_text("Statut actuel")).to_contain_text("Pause d'une semaine")


def test_an_unextended_session_says_it_has_ended(admin_live, new_page, monkeypatch):
    clock = ServerClock(monkeypatch)
    page = new_page()
    page.clock.install()
    log_in(page, admin_live, path="/admin/")
    clock.offset = 8 * 3600 + 1
    page.clock.fast_forward("08:00:01")
    expect(page.locator("#session-warning")).to_contain_text("Votre session a pris fin")
    # A tab left open after the end stops asking the server.
    asked = []
    page.on("request", lambda r: asked.append(r.url) if r.url.endswith("/admin/session") else None)
    page.clock.fast_forward("02:00")
    page.wait_for_timeout(200)
    assert asked == []
    page.reload()
    expect(page).to_have_url(re.compile(re.escape(admin_live.url + "/admin/login")))
