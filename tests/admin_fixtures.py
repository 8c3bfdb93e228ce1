"""Fixtures for the admin tests: tokens for every kind of caller, and a browser.

Accounts are made with the app's own functions (tests/helpers.py).
"""

from datetime import timedelta

import pytest

from sitedir.admin.auth import issue_token
from sitedir.admin.models import NETWORK_ADMIN, SITE_ADMIN
from sitedir.clock import utc_now as now
from sitedir.extensions import db
from tests.helpers import PASSWORD, HttpsClient, make_account


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


# --- the admin page through a browser-like client ----------------------------------------


@pytest.fixture
def browser(app):
    """A browser on the admin page (CSRF on, HTTPS)."""
    app.test_client_class = HttpsClient
    return app.test_client()
