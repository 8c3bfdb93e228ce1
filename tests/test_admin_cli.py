"""`flask accounts ...` and `flask tokens ...`: the exact shapes the issue asks for."""

from datetime import timedelta

from sitedir.admin.models import Account, ApiToken, AuditEvent
from sitedir.extensions import db

PASSWORD = "un mot de passe assez long"


def _create(runner, *args, stdin=None):
    return runner.invoke(args=["accounts", "create", *args], input=stdin)


def _token(runner, email, *args):
    result = runner.invoke(args=["tokens", "create", email, *args])
    assert result.exit_code == 0, result.output
    return result.output.rstrip("\n").splitlines()[-1], result.output


def test_a_site_admin_without_password_uses_tokens_only(app, runner, client):
    result = _create(runner, "Coord@Example.org", "--role", "site_admin", "--site", "nantes")
    assert result.exit_code == 0, result.output
    assert "coord@example.org (site_admin: nantes)" in result.output
    with app.app_context():
        account = db.session.scalar(db.select(Account))
        assert account.email == "coord@example.org" and account.password_hash is None
        assert [s.slug for s in account.sites] == ["nantes"]

    token, output = _token(runner, "coord@example.org", "--days", "7", "--name", "script")
    # The token is alone on the last line, and nothing but its hash is stored.
    assert token.startswith("sd_") and " " not in token
    assert output.count(token) == 1
    with app.app_context():
        row = db.session.scalar(db.select(ApiToken))
        assert token not in (row.token_hash, row.name) and row.name == "script"
        assert row.expires_at - row.created_at == timedelta(days=7)
    response = client.post(
        "/api/v1/sites/nantes/confirm", headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 200


def test_tokens_expire_after_90_days_by_default(app, runner):
    _create(runner, "a@example.org", "--role", "network_admin")
    _token(runner, "a@example.org")
    with app.app_context():
        row = db.session.scalar(db.select(ApiToken))
        assert row.expires_at - row.created_at == timedelta(days=90)


def test_list_shows_tokens_but_never_a_token_and_revoke_stops_it(runner, client):
    _create(runner, "a@example.org", "--role", "network_admin")
    token, _ = _token(runner, "a@example.org", "--name", "tableau")
    auth = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/v1/audit", headers=auth).status_code == 200

    listing = runner.invoke(args=["tokens", "list", "a@example.org"]).output
    assert "tableau" in listing and "active" in listing and token not in listing
    assert "last used 20" in listing  # the request above was recorded

    token_id = listing.split("\t")[0]
    result = runner.invoke(args=["tokens", "revoke", token_id])
    assert result.exit_code == 0 and f"token {token_id} revoked" in result.output
    assert client.get("/api/v1/audit", headers=auth).status_code == 401
    assert "revoked" in runner.invoke(args=["tokens", "list", "a@example.org"]).output
    assert runner.invoke(args=["tokens", "revoke", "999"]).exit_code != 0


def test_revoking_a_revoked_token_writes_nothing(app, runner):
    _create(runner, "r@example.org", "--role", "network_admin")
    _token(runner, "r@example.org")
    assert runner.invoke(args=["tokens", "revoke", "1"]).exit_code == 0
    with app.app_context():
        first = db.session.get(ApiToken, 1).revoked_at
    again = runner.invoke(args=["tokens", "revoke", "1"])
    assert again.exit_code != 0 and "already revoked" in again.output
    with app.app_context():
        assert db.session.get(ApiToken, 1).revoked_at == first  # the first date is kept
        actions = db.session.scalars(db.select(AuditEvent.action)).all()
    assert actions.count("token.revoke") == 1


def test_disabling_a_disabled_account_writes_nothing(app, runner):
    _create(runner, "f@example.org", "--role", "network_admin")
    assert runner.invoke(args=["accounts", "disable", "f@example.org"]).exit_code == 0
    again = runner.invoke(args=["accounts", "disable", "f@example.org"])
    assert again.exit_code != 0 and "already disabled" in again.output
    with app.app_context():
        actions = db.session.scalars(db.select(AuditEvent.action)).all()
    assert actions.count("account.disable") == 1


def test_password_from_stdin_lets_the_admin_log_in(runner, client):
    result = _create(
        runner, "b@example.org", "--role", "network_admin", "--password-stdin", stdin=PASSWORD
    )
    assert result.exit_code == 0, result.output
    client.application.config["WTF_CSRF_ENABLED"] = False  # the page tests cover CSRF
    response = client.post("/admin/login", data={"email": "b@example.org", "password": PASSWORD})
    assert response.status_code == 302 and response.headers["Location"].endswith("/admin/")


def test_set_password_asks_twice_and_refuses_short_ones(app, runner):
    _create(runner, "c@example.org", "--role", "network_admin")
    args = ["accounts", "set-password", "c@example.org"]
    short = runner.invoke(args=args, input="court\ncourt\n")
    assert short.exit_code != 0 and "12 characters" in short.output
    # The page's rules, not a CLI's own: a common password is refused here too.
    common = runner.invoke(args=args, input="password1234\npassword1234\n")
    assert common.exit_code != 0 and "most common" in common.output
    result = runner.invoke(args=args, input=f"{PASSWORD}\n{PASSWORD}\n")
    assert result.exit_code == 0, result.output
    with app.app_context():
        stored = db.session.scalar(db.select(Account)).password_hash
        assert stored.startswith("$argon2") and PASSWORD not in stored


def test_mistakes_are_refused_with_a_message(runner):
    cases = [
        (["x@example.org", "--role", "site_admin"], "at least one --site"),
        (["x@example.org", "--role", "site_admin", "--site", "lyon"], "unknown site(s): lyon"),
        (["x@example.org", "--role", "king"], "Invalid value for '--role'"),
        (["not-an-email", "--role", "network_admin"], "not an email address"),
        (["a b@example.org", "--role", "network_admin"], "not an email address"),
    ]
    for args, message in cases:
        result = _create(runner, *args)
        assert result.exit_code != 0 and message in result.output, result.output
    _create(runner, "x@example.org", "--role", "network_admin")
    again = _create(runner, "X@example.org", "--role", "network_admin")
    assert again.exit_code != 0 and "already exists" in again.output
    short = _create(
        runner, "y@example.org", "--role", "network_admin", "--password-stdin", stdin="court"
    )
    assert short.exit_code != 0 and "12 characters" in short.output
    assert runner.invoke(args=["tokens", "create", "nobody@example.org"]).exit_code != 0


def test_every_cli_change_is_audited(app, runner):
    _create(runner, "d@example.org", "--role", "network_admin")
    _token(runner, "d@example.org")
    runner.invoke(args=["tokens", "revoke", "1"])
    with app.app_context():
        events = db.session.scalars(db.select(AuditEvent).order_by(AuditEvent.id)).all()
        assert [e.action for e in events] == ["account.create", "token.create", "token.revoke"]
        assert {e.via for e in events} == {"cli"}


def test_list_accounts_and_disable_one_who_left(runner, client):
    _create(
        runner, "e@example.org", "--role", "site_admin", "--site", "nantes", "--site", "bordeaux"
    )
    token, _ = _token(runner, "e@example.org")
    listing = runner.invoke(args=["accounts", "list"]).output
    assert "e@example.org\tsite_admin\tbordeaux,nantes\tactive\ttokens only" in listing
    result = runner.invoke(args=["accounts", "disable", "e@example.org"])
    assert result.exit_code == 0 and "1 token(s) revoked" in result.output
    assert "disabled" in runner.invoke(args=["accounts", "list"]).output
    response = client.post(
        "/api/v1/sites/nantes/confirm", headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 401
