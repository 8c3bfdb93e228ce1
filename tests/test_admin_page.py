"""The admin page (/admin) through a test client, CSRF on: sessions, scope, forms, escaping."""

import re
from datetime import UTC, date, datetime, timedelta

from sitedir.domain.clock import today_in_paris
from tests.helpers import PASSWORD, csrf, login

SITE = "clermont-ferrand"
FUTURE = (date.today() + timedelta(days=30)).isoformat()


def site_form(client, site=SITE, **changes):
    page = client.get(f"/admin/sites/{site}")
    text = page.get_data(as_text=True)
    version = re.search(r'name="version"[^>]*value="(\d+)"', text)[1]
    return {"csrf_token": csrf(page), "version": version, "status": "recruiting", **changes}


def public_site(client, site=SITE):
    return client.get(f"/api/v1/sites/{site}").get_json()


def test_login_sets_a_strict_secure_httponly_session(browser, tokens):
    response = login(browser)
    assert response.status_code == 302 and response.headers["Location"].endswith("/admin/")
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith("sitedir_admin=")
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Strict" in cookie
    page = browser.get("/admin/")
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"


def test_pages_need_a_session(browser, tokens):
    for path in ("/admin/", f"/admin/sites/{SITE}"):
        response = browser.get(path)
        assert response.status_code == 302
        assert response.headers["Location"] == f"/admin/login?next={path}"


def test_a_wrong_password_or_unknown_account_does_not_log_in(browser, tokens):
    for email, password in [("clermont@example.org", "faux"), ("nobody@example.org", PASSWORD)]:
        response = login(browser, email, password)
        assert response.status_code == 200
        assert "Adresse ou mot de passe incorrect" in response.get_data(as_text=True)
        assert browser.get("/admin/").status_code == 302


def test_a_token_only_account_cannot_log_in(browser, tokens):
    assert login(browser, "nantes@example.org", "").status_code == 400  # password required
    assert login(browser, "nantes@example.org", PASSWORD).status_code == 200
    assert browser.get("/admin/").status_code == 302


def test_a_form_without_its_csrf_token_is_refused(browser, tokens):
    form = {"email": "clermont@example.org", "password": PASSWORD}
    # A form typed on this site's page comes back to it, as typed (never the password).
    refused = browser.post("/admin/login", data=form)
    assert refused.status_code == 303 and refused.headers["Location"] == "/admin/login"
    again = browser.get("/admin/login").text
    assert "rien n&#39;a été enregistré" in again and 'value="clermont@example.org"' in again
    assert PASSWORD not in again
    assert browser.get("/admin/").status_code == 302  # not logged in
    login(browser)
    before = public_site(browser)
    data = site_form(browser, status="suspended", status_reason="Sans jeton")
    del data["csrf_token"]
    assert browser.post(f"/admin/sites/{SITE}", data=data).status_code == 303
    # A button posted without its token: a page that says so, in French only.
    button = browser.post(f"/admin/sites/{SITE}/confirm")
    assert button.status_code == 400 and button.mimetype == "text/html"
    assert "rien n&#39;a été enregistré" in button.text and "CSRF" not in button.text
    assert public_site(browser) == before
    # From another site (no Origin, Referer or Sec-Fetch-Site of ours): nothing kept.
    cross = browser.post(
        f"/admin/sites/{SITE}",
        data=data,
        headers={"Referer": "https://evil.example/", "Sec-Fetch-Site": "cross-site"},
    )
    assert cross.status_code == 400 and "Set-Cookie" not in cross.headers


def test_a_site_admin_sees_and_changes_only_their_sites(browser, tokens):
    login(browser)
    index = browser.get("/admin/").get_data(as_text=True)
    assert "Clermont-Ferrand" in index and "Nantes" not in index
    assert browser.get("/admin/sites/nantes").status_code == 403
    data = site_form(browser)  # a valid token, posted at another site
    assert browser.post("/admin/sites/nantes", data=data).status_code == 403


def test_the_network_admin_sees_every_site(browser, tokens):
    login(browser, "reseau@example.org")
    index = browser.get("/admin/").get_data(as_text=True)
    for city in ("Bordeaux", "Clermont-Ferrand", "Marseille", "Nantes", "Strasbourg"):
        assert city in index


def test_pausing_from_the_page_reaches_the_public_answer_history_and_audit(browser, tokens):
    login(browser)
    data = site_form(
        browser, status="suspended", status_reason="Pause des inclusions", expected_reopening=FUTURE
    )
    response = browser.post(f"/admin/sites/{SITE}", data=data)
    assert response.status_code == 302
    assert "Statut enregistré" in browser.get(f"/admin/sites/{SITE}").get_data(as_text=True)
    site = public_site(browser)
    assert (site["status"], site["expected_reopening"]) == ("suspended", FUTURE)
    assert site["history"][0]["reason"] == "Pause des inclusions"
    nearest = browser.get("/api/v1/nearest?q=Vichy&limit=1").get_json()
    assert nearest["results"][0]["id"] != SITE
    audit = browser.get("/api/v1/audit", headers=tokens["network"]).get_json()
    assert audit[0]["via"] == "session" and audit[0]["account_email"] == "clermont@example.org"


def test_a_stale_form_is_409_and_keeps_the_other_change(browser, client, tokens):
    login(browser)
    stale = site_form(browser, status="suspended", status_reason="Mon changement")
    etag = client.get(f"/api/v1/sites/{SITE}").headers["ETag"]
    client.patch(
        f"/api/v1/sites/{SITE}",
        json={"status_reason": "Changement d'un autre"},
        headers={**tokens["network"], "If-Match": etag},
    )
    response = browser.post(f"/admin/sites/{SITE}", data=stale)
    assert response.status_code == 409
    assert "modifié entre-temps" in response.text and "Mon changement" in response.text
    # The form now shows the site as it is, to decide again from there.
    assert "Changement d&#39;un autre" in response.text
    site = public_site(browser)
    assert (site["status"], site["status_reason"]) == ("recruiting", "Changement d'un autre")


def test_invalid_values_are_refused_with_a_message_and_change_nothing(browser, tokens):
    login(browser)
    before = public_site(browser)
    cases = [
        (
            {"expected_reopening": "2001-01-01", "status": "suspended"},
            422,
            "La date de réouverture prévue est passée.",
        ),
        ({"status": "paused"}, 400, "pas un choix valide"),
        ({"status_reason": "x" * 501}, 400, "500"),
        ({"status_reason": "cloche\x07"}, 422, "Caractères de contrôle refusés."),
    ]
    for changes, status, message in cases:
        response = browser.post(f"/admin/sites/{SITE}", data=site_form(browser, **changes))
        assert response.status_code == status, changes
        assert message in response.get_data(as_text=True), changes
    assert public_site(browser) == before


def test_hostile_text_is_stored_and_shown_escaped(browser, tokens):
    login(browser)
    script = "<script>alert(1)</script>"
    data = site_form(browser, status="suspended", status_reason=script)
    assert browser.post(f"/admin/sites/{SITE}", data=data).status_code == 302
    assert public_site(browser)["status_reason"] == script  # nothing lost
    for path in (f"/admin/sites/{SITE}", "/admin/", "/"):
        page = browser.get(path).get_data(as_text=True)
        assert script not in page, path
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in browser.get(f"/admin/sites/{SITE}").text


def test_confirm_from_the_index(browser, tokens):
    login(browser)
    index = browser.get("/admin/")
    response = browser.post(f"/admin/sites/{SITE}/confirm", data={"csrf_token": csrf(index)})
    assert response.status_code == 302
    assert public_site(browser)["status_confirmed_at"].startswith(
        datetime.now(UTC).date().isoformat()
    )


def test_confirm_from_the_site_page_comes_back_to_it(browser, tokens):
    login(browser)
    page = browser.get(f"/admin/sites/{SITE}")
    assert "Dernière confirmation : jamais." in page.text
    response = browser.post(
        f"/admin/sites/{SITE}/confirm", data={"csrf_token": csrf(page), "back": "site"}
    )
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/admin/sites/{SITE}")
    again = browser.get(f"/admin/sites/{SITE}").text
    assert f"Dernière confirmation : {today_in_paris():%d/%m/%Y}." in again
    assert "Merci : statut confirmé aujourd&#39;hui." in again
    # Any other value of `back` goes to the index: the form never chooses a URL.
    response = browser.post(
        f"/admin/sites/{SITE}/confirm",
        data={"csrf_token": csrf(page), "back": "https://evil.example/"},
    )
    assert response.headers["Location"].endswith("/admin/")


def test_contacts_are_added_checked_and_removed(browser, tokens):
    login(browser)
    page = browser.get(f"/admin/sites/{SITE}")
    token = csrf(page)
    count = len(public_site(browser)["contacts"])
    bad = {"csrf_token": token, "role": "referral_desk", "email": "pas un e-mail", "public": "y"}
    refused = browser.post(f"/admin/sites/{SITE}/contacts", data=bad)
    assert len(public_site(browser)["contacts"]) == count
    # Shown again as typed, the faulty field marked, so that nothing typed is lost.
    assert refused.status_code == 400 and "Contact refusé" in refused.text
    field = re.search(r'<input[^>]*id="new-email"[^>]*>', refused.text)[0]
    assert 'value="pas un e-mail"' in field and 'aria-invalid="true"' in field
    bad_phone = {**bad, "email": "", "phone": "appelez-moi", "name": "Dr Exemple"}
    refused = browser.post(f"/admin/sites/{SITE}/contacts", data=bad_phone)
    assert refused.status_code == 400 and 'value="Dr Exemple"' in refused.text
    good = {**bad, "email": "essai@example.org", "name": "Secrétariat <b>essai</b>"}
    assert browser.post(f"/admin/sites/{SITE}/contacts", data=good).status_code == 302
    contacts = public_site(browser)["contacts"]
    added = next(c for c in contacts if c["email"] == "essai@example.org")
    assert added["name"] == "Secrétariat <b>essai</b>"
    assert "<b>essai</b>" not in browser.get(f"/admin/sites/{SITE}").text
    delete = f"/admin/sites/{SITE}/contacts/{added['id']}/delete"
    assert browser.post(delete, data={"csrf_token": token, "version": "1"}).status_code == 302
    assert len(public_site(browser)["contacts"]) == count


def test_logout_ends_the_session(browser, tokens):
    login(browser)
    index = browser.get("/admin/")
    response = browser.post("/admin/logout", data={"csrf_token": csrf(index)})
    assert response.status_code == 302
    assert browser.get("/admin/").status_code == 302


def test_a_write_that_loses_a_race_is_a_409_page_not_a_500(app, tokens, browser, monkeypatch):
    """The site changed between reading it and writing (found at flush or commit)."""
    from sitedir.directory import changes

    def lost(*args, **kwargs):
        raise changes.StaleWrite

    login(browser)
    page = browser.get("/admin/")
    monkeypatch.setattr(changes, "confirm_site", lost)
    answer = browser.post("/admin/sites/clermont-ferrand/confirm", data={"csrf_token": csrf(page)})
    assert answer.status_code == 409 and answer.mimetype == "text/html"
    assert "rien n'a été" in answer.get_data(as_text=True)


def test_a_still_right_link_that_loses_a_race_answers_409_and_still_works(
    app, tokens, browser, monkeypatch
):
    from sitedir.admin import links
    from sitedir.admin.models import LINK_CONFIRM, Account
    from sitedir.directory import changes
    from sitedir.extensions import db
    from sitedir.models import Site

    with app.app_context():
        account = db.session.scalar(
            db.select(Account).where(Account.email == "clermont@example.org")
        )
        site = db.session.scalar(db.select(Site).where(Site.slug == "clermont-ferrand"))
        _, token = links.issue(LINK_CONFIRM, account, site)
        db.session.commit()
    path = f"/admin/still-right/{token}"
    page = browser.get(path)

    def lost(*args, **kwargs):
        raise changes.StaleWrite

    with monkeypatch.context() as patched:
        patched.setattr(changes, "confirm_site", lost)
        answer = browser.post(path, data={"csrf_token": csrf(page)})
    assert answer.status_code == 409 and "rien n'a été" in answer.get_data(as_text=True)
    page = browser.get(path)
    assert page.status_code == 200  # not spent: the change was rolled back
    assert browser.post(path, data={"csrf_token": csrf(page)}).status_code == 200
