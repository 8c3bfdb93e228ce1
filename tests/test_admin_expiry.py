"""Sessions that end: what was typed in a form refused for an ended session comes back
after the login (never a password); the login returns to the page a link asked for, and
to nothing outside the admin site."""

import re

import pytest

from sitedir.admin import sessions
from tests.helpers import PASSWORD, csrf, login

SITE = "paris-2"


def status_form(browser):
    page = browser.get(f"/admin/sites/{SITE}")
    version = re.search(r'name="version"[^>]*value="(\d+)"', page.get_data(as_text=True))[1]
    return page, {
        "csrf_token": csrf(page),
        "version": version,
        "status": "suspended",
        "status_reason": "Pause : le bloc est en travaux jusqu'en mars",
        "expected_reopening": "2099-03-01",
    }


def test_a_form_sent_after_the_session_ended_comes_back_as_typed(tokens, browser, monkeypatch):
    login(browser, "reseau@example.org")
    _, typed = status_form(browser)
    # Nine hours later: the session has ended, the browser dropped its cookie.
    later = sessions.epoch_now() + 9 * 3600
    monkeypatch.setattr(sessions, "epoch_now", lambda: later)
    browser.delete_cookie("sitedir_admin", domain="localhost")
    refused = browser.post(f"/admin/sites/{SITE}", data=typed)
    assert refused.status_code == 303 and refused.headers["Location"] == f"/admin/sites/{SITE}"
    to_login = browser.get(f"/admin/sites/{SITE}")
    assert to_login.headers["Location"] == f"/admin/login?next=/admin/sites/{SITE}"
    login_page = browser.get(to_login.headers["Location"]).get_data(as_text=True)
    assert "votre saisie est conservée" in login_page and "Reconnectez-vous" in login_page
    assert "CSRF" not in login_page and "do not match" not in login_page
    form = browser.get(to_login.headers["Location"])
    back = browser.post(
        to_login.headers["Location"],
        data={"email": "reseau@example.org", "password": PASSWORD, "csrf_token": csrf(form)},
    )
    assert back.headers["Location"] == f"/admin/sites/{SITE}"
    page = browser.get(f"/admin/sites/{SITE}").get_data(as_text=True)
    assert "Voici ce que vous aviez saisi" in page
    assert "Pause : le bloc est en travaux jusqu&#39;en mars</textarea>" in page
    assert 'value="2099-03-01"' in page and '<option selected value="suspended">' in page
    # Shown once, and nothing saved until it is sent again.
    assert "Voici ce que vous aviez saisi" not in browser.get(f"/admin/sites/{SITE}").text
    assert browser.get(f"/api/v1/sites/{SITE}").get_json()["status"] == "recruiting"


def test_a_password_is_never_kept(tokens, browser):
    refused = browser.post(
        "/admin/login", data={"email": "reseau@example.org", "password": PASSWORD}
    )
    assert refused.status_code == 303
    assert PASSWORD not in str(browser.get_cookie("sitedir_admin").value)
    page = browser.get("/admin/login").get_data(as_text=True)
    assert 'value="reseau@example.org"' in page and PASSWORD not in page


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example/admin/",
        "//evil.example/admin/",
        "/\\evil.example/",
        "/admin/\\\\evil.example",
        "javascript:alert(1)",
        "/widget/",
        "/admin/login?next=https://evil.example",
    ],
)
def test_login_never_sends_anyone_off_the_admin_site(tokens, browser, target):
    form = browser.get("/admin/login", query_string={"next": target})
    answer = browser.post(
        "/admin/login",
        query_string={"next": target},
        data={"email": "reseau@example.org", "password": PASSWORD, "csrf_token": csrf(form)},
    )
    assert answer.status_code == 302 and answer.headers["Location"] == "/admin/"


def test_the_session_endpoint_says_how_long_is_left(tokens, browser, monkeypatch):
    assert browser.get("/admin/session").get_json() == {"remaining": 0}
    login(browser)
    remaining = browser.get("/admin/session").get_json()["remaining"]
    assert 8 * 3600 - 60 < remaining <= 8 * 3600
    page = browser.get("/admin/").get_data(as_text=True)
    assert re.search(r'data-session-remaining="(\d+)"', page)
    # The warning's live region is in place and empty from the start (announced when
    # admin.js fills it), never hidden: a hidden region is not announced when it appears.
    assert re.search(r'<div id="session-warning" class="flash error" role="alert">\s*</div>', page)


def test_logging_in_again_before_the_end_keeps_the_open_forms_valid(tokens, browser, app):
    """The warning's "log in again in another tab": the forms of the first tab still go."""
    login(browser, "reseau@example.org")
    _, typed = status_form(browser)
    assert login(browser, "reseau@example.org").status_code == 302  # the second tab
    saved = browser.post(f"/admin/sites/{SITE}", data=typed)
    assert saved.status_code == 302
    assert browser.get(f"/api/v1/sites/{SITE}").get_json()["status"] == "suspended"


def test_a_login_as_another_account_does_not_keep_the_csrf_secret(tokens, browser):
    login(browser, "reseau@example.org")
    _, typed = status_form(browser)
    login(browser, "clermont@example.org")
    login(browser, "reseau@example.org")
    refused = browser.post(f"/admin/sites/{SITE}", data=typed)
    assert refused.status_code == 303  # refused, kept as a draft, nothing saved
    assert browser.get(f"/api/v1/sites/{SITE}").get_json()["status"] == "recruiting"
