"""The network admin adds a site (its hospital's commune found by the place search and
shown on the map) and corrects a hospital from the admin page, through the same writes as
the admin API: audit entries, feed events, CSRF, scope."""

import re

from sitedir.admin.models import AuditEvent
from sitedir.extensions import db
from tests.helpers import csrf, login

FORM = {
    "study": "cart-lupus",
    "id": "lyon-edouard-herriot",
    "city": "Lyon",
    "status": "not_yet_recruiting",
    "hospital_name": "Hospices civils de Lyon",
    "hospital_site": "Hôpital Édouard-Herriot",
    "address": "5 place d'Arsonval",
    "postcode": "69003",
    "place": "Lyon 3e",
    "website": "https://www.chu-lyon.fr",
    "switchboard": "+33 4 72 11 73 11",
}


def audited(app, action):
    with app.app_context():
        return db.session.scalars(
            db.select(AuditEvent.target).where(AuditEvent.action == action)
        ).all()


def test_only_network_admins_reach_the_pages(app, tokens, browser):
    login(browser)  # a site admin
    assert browser.get("/admin/sites/new").status_code == 403
    assert browser.get("/admin/hospitals/aphp-saint-louis").status_code == 403
    page = browser.get("/admin/")
    assert (
        browser.post("/admin/sites/new", data={**FORM, "csrf_token": csrf(page)}).status_code == 403
    )


def test_adding_a_site_and_its_hospital_from_the_page(app, tokens, browser):
    login(browser, "reseau@example.org")
    index = browser.get("/admin/").get_data(as_text=True)
    assert 'href="/admin/sites/new"' in index
    page = browser.get("/admin/sites/new")
    assert page.status_code == 200
    # First the place search: the commune and its point on the map, nothing written yet.
    found = browser.post("/admin/sites/new", data={**FORM, "csrf_token": csrf(page)})
    text = found.get_data(as_text=True)
    assert found.status_code == 200
    assert 'value="69383" checked' in text  # Lyon 3e arrondissement
    assert re.search(r'<g class="marker" transform="translate\([\d.]+ [\d.]+\)">', text)
    assert "Créer le centre" in text
    assert browser.get("/api/v1/sites/lyon-edouard-herriot").status_code == 404
    # Then the site is created with it.
    made = browser.post(
        "/admin/sites/new",
        data={**FORM, "insee": "69383", "step": "create", "csrf_token": csrf(found)},
    )
    assert made.status_code == 302
    assert made.headers["Location"] == "/admin/sites/lyon-edouard-herriot"
    site = browser.get("/api/v1/sites/lyon-edouard-herriot").get_json()
    assert site["name"] == "Hospices civils de Lyon – Hôpital Édouard-Herriot"
    assert site["insee"] == "69383" and site["department"] == "69" and site["region"] == "84"
    assert site["status"] == "not_yet_recruiting"
    assert audited(app, "site.create") == ["site:lyon-edouard-herriot"]
    events = browser.get("/api/v1/changes").get_json()["events"]
    assert [(e["type"], e["site"]) for e in events] == [("site.created", "lyon-edouard-herriot")]
    shown = browser.get("/admin/sites/lyon-edouard-herriot").get_data(as_text=True)
    assert "Lyon — Hospices civils de Lyon – Hôpital Édouard-Herriot" in shown
    # The same id again: 409 on the page, nothing more written.
    again = browser.post(
        "/admin/sites/new",
        data={**FORM, "insee": "69383", "step": "create", "csrf_token": csrf(found)},
    )
    assert again.status_code == 409 and "déjà" in again.get_data(as_text=True)
    assert audited(app, "site.create") == ["site:lyon-edouard-herriot"]


def test_a_refused_value_is_said_beside_its_field_and_nothing_is_written(app, tokens, browser):
    login(browser, "reseau@example.org")
    page = browser.get("/admin/sites/new")
    bad = {**FORM, "id": "Pas Un Id", "website": "ftp://x", "insee": "69383", "step": "create"}
    answer = browser.post("/admin/sites/new", data={**bad, "csrf_token": csrf(page)})
    text = answer.get_data(as_text=True)
    assert answer.status_code == 422
    assert 'id="new-id" aria-invalid="true"' in text.replace("aria-describedby", "x") or (
        'aria-invalid="true"' in text and 'id="new-id-error"' in text
    )
    assert 'id="new-website-error"' in text
    nowhere = browser.post(
        "/admin/sites/new", data={**FORM, "place": "Zzzzqqq", "csrf_token": csrf(page)}
    )
    assert nowhere.status_code == 422 and "Aucune commune" in nowhere.get_data(as_text=True)
    assert audited(app, "site.create") == []


def test_correcting_a_hospital_changes_its_sites_with_audit_and_events(app, tokens, browser):
    login(browser, "reseau@example.org")
    before = browser.get("/api/v1/sites/paris-2")
    site_page = browser.get("/admin/sites/paris-2").get_data(as_text=True)
    assert 'href="/admin/hospitals/aphp-saint-louis"' in site_page
    page = browser.get("/admin/hospitals/aphp-saint-louis")
    assert page.status_code == 200
    assert "Paris — AP-HP – Hôpital Saint-Louis" in page.get_data(as_text=True)
    refused = browser.post(
        "/admin/hospitals/aphp-saint-louis",
        data={
            "address": "1 avenue Claude-Vellefaux",
            "switchboard": "pas un numéro",
            "csrf_token": csrf(page),
        },
    )
    assert refused.status_code == 400 and 'id="hospital-switchboard-error"' in refused.text
    done = browser.post(
        "/admin/hospitals/aphp-saint-louis",
        data={
            "address": "1 avenue Claude-Vellefaux",
            "postcode": "75010",
            "website": "https://hopital-saintlouis.aphp.fr",
            "switchboard": "+33 1 42 49 49 49",
            "csrf_token": csrf(page),
        },
    )
    assert done.status_code == 302
    after = browser.get("/api/v1/sites/paris-2")
    body = after.get_json()["institution"]
    assert body["website"] == "https://hopital-saintlouis.aphp.fr"
    assert body["switchboard"] == "+33 1 42 49 49 49"
    assert after.headers["ETag"] != before.headers["ETag"]
    assert audited(app, "institution.update") == ["institution:aphp-saint-louis"]
    events = browser.get("/api/v1/changes").get_json()["events"]
    assert [(e["type"], e["site"]) for e in events] == [("site.hospital_changed", "paris-2")]
    assert events[0]["data"]["hospital"]["switchboard"] == "+33 1 42 49 49 49"
    # Saved again unchanged: nothing more to tell.
    browser.post(
        "/admin/hospitals/aphp-saint-louis",
        data={
            "address": "1 avenue Claude-Vellefaux",
            "postcode": "75010",
            "website": "https://hopital-saintlouis.aphp.fr",
            "switchboard": "+33 1 42 49 49 49",
            "csrf_token": csrf(page),
        },
    )
    assert len(browser.get("/api/v1/changes").get_json()["events"]) == 1
