"""Helpers the tests share: the test database, problem answers, admin accounts and pages.

Plain functions and constants, imported by the tests that need them; the fixtures are in
conftest.py (and admin_fixtures.py, a plugin it loads).
"""

import os
import re
import sys
import threading
from collections.abc import Callable
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

from flask.testing import FlaskClient

from sitedir.admin.accounts import new_account
from sitedir.admin.auth import issue_token
from sitedir.admin.models import NETWORK_ADMIN, SITE_ADMIN
from sitedir.app import create_app
from sitedir.config import normalise_database_url
from sitedir.domain.clock import utc_now
from sitedir.extensions import db
from sitedir.models import Site
from sitedir.web.problems import status_phrase
from tests.seeded_db import app_config, close_app, drop_everything

# ---- servers a test starts --------------------------------------------------------------

# socketserver's serve_forever looks for a shutdown request every 0.5 s by default: each
# test that stopped one of its servers waited a quarter of a second, on average, for that.
SHUTDOWN_POLL = 0.02


def serve_in_thread(server) -> Callable[[], None]:
    """Serve `server` (a socketserver, or Werkzeug's) from a daemon thread, started; return
    what stops it: the loop ended, the listening socket closed, the thread joined."""
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": SHUTDOWN_POLL}, daemon=True
    )
    thread.start()

    def stop() -> None:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)

    return stop


# ---- the test database --------------------------------------------------------------------

TEST_DATABASE_URL = normalise_database_url(os.environ.get("SITEDIR_TEST_DATABASE_URL", "sqlite://"))
ON_POSTGRES = TEST_DATABASE_URL.startswith("postgresql")

# The seeds the tests load: a frozen copy of seeds/ as it was when the tests were written.
# seeds/ itself is the product's data, corrected as centres confirm theirs.
REPO = Path(__file__).resolve().parent.parent
TEST_SEEDS = REPO / "tests" / "data" / "seeds"
SHIPPED_SEEDS = REPO / "seeds"


@contextmanager
def coverage_paused():
    """Run a block in this thread without coverage's tracer, if one is on (pytest-cov).

    For a loop that repeats, thousands of times, code that other tests cover: under the
    tracer it takes three times as long, and counts no line that they do not count
    already. The tracer is the thread's trace function; `Coverage.current().stop()` missed
    it under pytest-xdist, where another Coverage object is the one tracing.
    """
    tracer = sys.gettrace()
    sys.settrace(None)
    try:
        yield
    finally:
        sys.settrace(tracer)


def seeded_app(url: str):
    """A seeded app on this database, rate limits off: migrated and seeded at its start.

    The `app` fixture copies a seeded template instead (tests/seeded_db.py): faster, same data.
    """
    return create_app(app_config(url))


def tear_down(app, database_url):
    """Close every connection the app holds, then empty PostgreSQL for the next test."""
    close_app(app)
    if ON_POSTGRES:
        drop_everything(database_url)


# ---- answers ------------------------------------------------------------------------------


def assert_problem(response, status):
    """Assert the response is an RFC 9457 problem with this status, and return its body."""
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/problem+json"
    body = response.get_json()
    assert body["status"] == status
    if body.get("type", "about:blank") == "about:blank":
        # RFC 9457 §4.2.1: the title is the status phrase; the sentence is in detail.
        assert body["title"] == status_phrase(status)
    assert body["detail"]
    return body


# ---- admin accounts and the admin page ---------------------------------------------------

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
    """An account for these sites' slugs, added to the session as `flask accounts create` does."""
    sites = db.session.scalars(db.select(Site).where(Site.slug.in_(site_slugs))).all()
    return new_account(email, role, sites, password)


def make_tokens(app):
    """The accounts and tokens of the `tokens` fixture, on this app's database."""
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
        expired_row.expires_at = utc_now() - timedelta(minutes=1)
        revoked_row, made["revoked"] = issue_token(clermont)
        revoked_row.revoked_at = utc_now()
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


def login(client, email="clermont@example.org", password=PASSWORD):
    """Log in through the login form, as a person does."""
    form = client.get("/admin/login")
    return client.post(
        "/admin/login", data={"email": email, "password": password, "csrf_token": csrf(form)}
    )


# ---- contacts -----------------------------------------------------------------------------


def private_contact():
    """A referral-desk contact that is not public: no public answer may show it."""
    from sitedir.models import Contact

    return Contact(
        role="referral_desk",
        name="Secret Person",
        phone="+33 4 00 00 00 01",
        email="prive@example.org",
        public=False,
        source="test",
    )
