"""Browsers get pages, not JSON: a 404, a 403, a 429 and a 500 on a page route, asked for
as text/html, are short HTML pages with a way back; API routes keep problem+json."""

import pytest

from sitedir.admin.models import SITE_ADMIN
from sitedir.app import create_app
from sitedir.extensions import db
from tests.helpers import PASSWORD, assert_problem, login, make_account, tear_down

BROWSER = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}


def html_page(response, status):
    assert response.status_code == status
    assert response.mimetype == "text/html"
    return response.get_data(as_text=True)


def test_a_mistyped_url_is_a_french_page_with_a_way_back(client):
    html = html_page(client.get("/centres-lupus", headers=BROWSER), 404)
    assert '<html lang="fr">' in html and "Page introuvable" in html
    assert '<a href="/">Retour à la recherche d&#39;un centre</a>' in html
    assert "widget.css" in html  # the search page's layout


def test_in_english_on_request(client):
    html = html_page(client.get("/centres-lupus?lang=en", headers=BROWSER), 404)
    assert '<html lang="en">' in html and "Page not found" in html
    assert 'href="/?lang=en"' in html


def test_programs_and_api_routes_keep_problem_json(client):
    assert_problem(client.get("/centres-lupus"), 404)  # no Accept: a program
    assert_problem(client.get("/api/v1/nothing-here", headers=BROWSER), 404)
    assert_problem(client.get("/api/v1/sites/nowhere", headers=BROWSER), 404)
    fhir = client.get("/fhir/Nothing", headers=BROWSER)
    assert fhir.mimetype != "text/html"


def test_another_sites_admin_page_is_a_403_page_in_the_admin_layout(app, browser, tokens):
    login(browser)
    html = html_page(browser.get("/admin/sites/nantes", headers=BROWSER), 403)
    assert "Accès refusé" in html and "admin.css" in html
    assert '<a href="/admin">Retour à l&#39;administration</a>' in html
    assert_problem(browser.get("/admin/sites/nantes"), 403)


def test_an_unknown_admin_page_is_a_404_page_in_the_admin_layout(browser, tokens):
    login(browser)
    html = html_page(browser.get("/admin/sites/nowhere", headers=BROWSER), 404)
    assert "Page introuvable" in html and "admin.css" in html


@pytest.mark.parametrize("path", ["/admin/sites/nowhere", "/admin/no-such-page", "/admin/accounts"])
def test_an_admin_error_page_keeps_the_sessions_menu_and_logout(browser, tokens, path):
    # A site admin: /admin/accounts is a 403 (the network's page), the others 404s, one
    # from a view and one from the router (no blueprint).
    login(browser)
    response = browser.get(path, headers=BROWSER)
    assert response.status_code in (403, 404)
    html = response.get_data(as_text=True)
    assert 'aria-label="Menu de l\'administration"' in html and "Se déconnecter" in html
    assert "Mes centres" in html and "Comptes" not in html
    assert 'data-session-remaining="' in html


def test_an_admin_error_page_without_a_session_has_no_menu(client):
    html = html_page(client.get("/admin/no-such-page", headers=BROWSER), 404)
    assert "Page introuvable" in html and "Menu de l" not in html and "Se déconnecter" not in html


def test_an_unexpected_error_is_a_page_without_internals(app, client, monkeypatch):
    from sitedir.readmodel.snapshot import Snapshot

    def explode(*args, **kwargs):
        raise RuntimeError("secret internals")

    monkeypatch.setattr(Snapshot, "nearest", explode)
    app.config["PROPAGATE_EXCEPTIONS"] = False
    html = html_page(client.get("/?q=Vichy", headers=BROWSER), 500)
    assert "Erreur inattendue" in html and "secret" not in html
    assert_problem(client.get("/api/v1/nearest?q=Vichy", headers=BROWSER), 500)


@pytest.fixture
def limited_app(database_url):
    app = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": database_url,
            "SECRET_KEY": "test",
            "WTF_CSRF_ENABLED": False,
            "RATELIMIT_ENABLED": True,
            "RATELIMIT_STORAGE_URI": "memory://",
            "RATELIMIT_LOGIN": "2 per minute",
        }
    )
    with app.app_context():
        make_account("clermont@example.org", SITE_ADMIN, ["clermont-ferrand"], password=PASSWORD)
        db.session.commit()
    yield app
    tear_down(app, database_url)


def test_too_many_logins_is_a_429_page_with_the_wait(limited_app):
    client = limited_app.test_client()
    data = {"email": "clermont@example.org", "password": "mauvais mot de passe"}
    for _ in range(2):
        client.post("/admin/login", data=data, headers=BROWSER)
    response = client.post("/admin/login", data=data, headers=BROWSER)
    html = html_page(response, 429)
    assert "Trop de tentatives" in html and "admin.css" in html
    assert int(response.headers["Retry-After"]) > 0
    assert "Réessayez dans 60 secondes au plus." in html  # the limit's window


def test_a_network_admin_page_is_a_403_page_for_a_site_admin(browser, tokens):
    login(browser)
    html = html_page(browser.get("/admin/accounts", headers=BROWSER), 403)
    assert "Accès refusé" in html and "admin.css" in html
