"""Accounts, tokens and a browser for the admin tests, made with the app's own functions."""

import re
from datetime import timedelta

import pytest
from flask.testing import FlaskClient

from sitedir.admin.auth import hash_password, issue_token
from sitedir.admin.models import NETWORK_ADMIN, SITE_ADMIN, Account
from sitedir.clock import utc_now as now
from sitedir.extensions import db
from sitedir.models import Site

PASSWORD = "correct horse battery staple"

# A site that joins the study (POST /api/v1/sites): Lyon is not one of the nine.
NEW_SITE = {
    "id": "lyon",
    "study": "cart-lupus",
    "city": "Lyon",
    "status": "not_yet_recruiting",
    "institution": {
        "name": "Hospices civils de Lyon",
        "city": "Lyon",
        "insee": "69383",
        "department": "69",
        "region": "84",
        "latitude": 45.74,
        "longitude": 4.88,
    },
}


def make_account(email, role, site_slugs=(), password=None):
    sites = db.session.scalars(db.select(Site).where(Site.slug.in_(site_slugs))).all()
    account = Account(
        email=email,
        role=role,
        created_at=now(),
        sites=list(sites),
        password_hash=hash_password(password) if password else None,
    )
    db.session.add(account)
    return account


@pytest.fixture
def tokens(app):
    """Bearer headers for each kind of caller the permission matrix needs."""
    with app.app_context():
        network = make_account("reseau@example.org", NETWORK_ADMIN, password=PASSWORD)
        clermont = make_account(
            "clermont@example.org", SITE_ADMIN, ["clermont-ferrand"], password=PASSWORD
        )
        nantes = make_account("nantes@example.org", SITE_ADMIN, ["nantes"])
        made = {
            "network": issue_token(network)[1],
            "own": issue_token(clermont)[1],
            "other": issue_token(nantes)[1],
        }
        expired_row, made["expired"] = issue_token(clermont)
        expired_row.expires_at = now() - timedelta(minutes=1)
        revoked_row, made["revoked"] = issue_token(clermont)
        revoked_row.revoked_at = now()
        db.session.commit()
    headers = {name: {"Authorization": f"Bearer {token}"} for name, token in made.items()}
    headers["none"] = {}
    headers["bad"] = {"Authorization": "Bearer sd_not-a-real-token"}
    return headers


def etag(client, site="clermont-ferrand"):
    """The site's current ETag, as a writer reads it."""
    return client.get(f"/api/v1/sites/{site}").headers["ETag"]


def contact_etag(client, headers, contact_id, site="clermont-ferrand"):
    """The contact's current ETag, as a writer reads it (an admin read)."""
    response = client.get(f"/api/v1/sites/{site}/contacts/{contact_id}", headers=headers)
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.headers["ETag"]


# --- the admin page through a browser-like client ----------------------------------------


def csrf(page) -> str:
    """The CSRF token of the first form of a page."""
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page.get_data(as_text=True))[1]


class HttpsClient(FlaskClient):
    """A client over HTTPS, as in production, where the session cookie is Secure."""

    def open(self, *args, **kwargs):
        kwargs.setdefault("base_url", "https://localhost")
        # Browsers send the page's address; CSRF checks it over HTTPS.
        kwargs.setdefault("headers", {}).setdefault("Referer", "https://localhost/admin/")
        return super().open(*args, **kwargs)


@pytest.fixture
def browser(app):
    """A browser on the admin page (CSRF on, HTTPS)."""
    app.test_client_class = HttpsClient
    return app.test_client()


def login(client, email="clermont@example.org", password=PASSWORD):
    """Log in through the login form, as a person does."""
    form = client.get("/admin/login")
    return client.post(
        "/admin/login", data={"email": email, "password": password, "csrf_token": csrf(form)}
    )
