"""No two sites can be confused: the two Paris sites (AP-HP Pitié-Salpêtrière and
Saint-Louis) are named by their hospital wherever the admin page names a site, for
screen readers too; status forms say what doctors read."""

import re

from tests.helpers import csrf, login

PITIE = "Paris — AP-HP – Hôpital Pitié-Salpêtrière"
SAINT_LOUIS = "Paris — AP-HP – Hôpital Saint-Louis"


def test_the_dashboards_buttons_name_the_hospital(tokens, browser):
    login(browser, "reseau@example.org")
    text = browser.get("/admin/").get_data(as_text=True)
    labels = re.findall(r'aria-label="Statut toujours exact pour ([^"]+)"', text)
    assert f"{PITIE}" in labels and f"{SAINT_LOUIS}" in labels
    assert len(labels) == len(set(labels))  # no two buttons read the same
    assert 'Statut toujours exact pour Paris"' not in text


def test_page_titles_name_the_hospital(tokens, browser):
    login(browser, "reseau@example.org")
    for slug, name in (("paris-1", PITIE), ("paris-2", SAINT_LOUIS)):
        text = browser.get(f"/admin/sites/{slug}").get_data(as_text=True)
        assert f"<title>{name} — sitedir</title>" in text
        assert f"<h1>{name}</h1>" in text


def test_the_site_picker_is_a_checkbox_list_named_by_hospital(tokens, browser):
    login(browser, "reseau@example.org")
    text = browser.get("/admin/accounts").get_data(as_text=True)
    assert "<select" not in text.split("<h2>Inviter</h2>")[1].split('name="role"')[1]
    boxes = dict(
        re.findall(
            r'<input type="checkbox" name="sites" value="([^"]+)"[^>]*> ([^<]+)</label>', text
        )
    )
    assert boxes["paris-1"] == PITIE and boxes["paris-2"] == SAINT_LOUIS
    assert len(boxes) == 9 and len(set(boxes.values())) == 9
    # The filter is there for scripts to show; without them every box is in view.
    assert 'class="picker-filter" hidden' in text
    # Two boxes ticked: one invitation for both sites.
    page = browser.get("/admin/accounts")
    answer = browser.post(
        "/admin/accounts",
        data={
            "email": "paris@example.org",
            "role": "site_admin",
            "sites": ["paris-1", "paris-2"],
            "csrf_token": csrf(page),
        },
    )
    assert answer.status_code == 200  # no SMTP here: the link is shown
    listed = answer.get_data(as_text=True)
    assert f"{PITIE} ; {SAINT_LOUIS}" in listed


def test_the_status_form_says_what_doctors_read(tokens, browser):
    login(browser, "reseau@example.org")
    page = browser.get("/admin/sites/paris-2")
    text = page.get_data(as_text=True)
    assert "Public : le statut, le motif et la réouverture" in text
    assert 'aria-describedby="status-public"' in text
    version = re.search(r'name="version"[^>]*value="(\d+)"', text)[1]
    browser.post(
        "/admin/sites/paris-2",
        data={
            "csrf_token": csrf(page),
            "version": version,
            "status": "suspended",
            "status_reason": "Pause des inclusions",
            "expected_reopening": "2099-03-01",
        },
    )
    text = browser.get("/admin/sites/paris-2").get_data(as_text=True)
    preview = re.search(r'<p id="public-preview"[^>]*>([^<]+)</p>', text)[1]
    assert preview == (
        "AP-HP – Hôpital Saint-Louis — Inclusions suspendues. Motif : Pause des inclusions. "
        "Réouverture prévue : 1er mars 2099"
    )


def test_the_to_confirm_list_links_to_each_sites_form(tokens, browser):
    login(browser, "reseau@example.org")
    text = browser.get("/admin/to-confirm").get_data(as_text=True)
    links = re.findall(r'href="(/admin/sites/[^"]+)">([^<]+)</a>', text)
    assert ("/admin/sites/paris-1#changer-le-statut", PITIE) in links
    assert ("/admin/sites/paris-2#changer-le-statut", SAINT_LOUIS) in links
    assert 'id="changer-le-statut"' in browser.get("/admin/sites/paris-1").get_data(as_text=True)
