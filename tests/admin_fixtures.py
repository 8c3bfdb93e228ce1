"""Fixtures for the admin tests: tokens for every kind of caller, and a browser.

Accounts are made with the app's own functions (tests/helpers.py).
"""

import pytest

from tests.helpers import HttpsClient, make_tokens


@pytest.fixture
def tokens(app):
    """Bearer headers for each kind of caller the permission matrix needs."""
    return make_tokens(app)


# --- the admin page through a browser-like client ----------------------------------------


@pytest.fixture
def browser(app):
    """A browser on the admin page (CSRF on, HTTPS)."""
    app.test_client_class = HttpsClient
    return app.test_client()
