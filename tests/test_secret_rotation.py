"""Rotating SECRET_KEY (docs/OPERATIONS.md): with the old key in SECRET_KEY_FALLBACKS,
admin sessions and contact-form tokens signed before the rotation stay valid; without
it, every admin must log in again (and API tokens, stored hashed, are not affected)."""

from sitedir.contact import form_token
from tests.helpers import HttpsClient, login


def _browser(app):
    return HttpsClient(app, app.response_class)


def _logged_in(client) -> bool:
    return client.get("/admin/").status_code == 200


def test_sessions_survive_a_rotation_with_the_old_key_as_fallback(app, tokens):
    app.config["SECRET_KEY"] = "old-key-" + "a" * 40
    browser = _browser(app)
    login(browser)
    assert _logged_in(browser)
    with app.test_request_context():
        issued = form_token.issue("clermont-ferrand")
    app.config["SECRET_KEY"] = "new-key-" + "b" * 40
    app.config["SECRET_KEY_FALLBACKS"] = ["old-key-" + "a" * 40]
    assert _logged_in(browser)
    with app.test_request_context():
        assert form_token._serializer().loads(issued)["site"] == "clermont-ferrand"
    # Once the fallback is dropped (after the sessions' lifetime), the old ones end.
    app.config["SECRET_KEY_FALLBACKS"] = []
    assert not _logged_in(browser)
    # API tokens are stored hashed, not signed: a rotation leaves them valid.
    response = app.test_client().post(
        "/api/v1/sites/clermont-ferrand/confirm", headers=tokens["own"]
    )
    assert response.status_code == 200
