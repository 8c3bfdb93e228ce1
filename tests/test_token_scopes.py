"""Token scopes (issue 21, point 12): a token can be read-only, or limited to a site's
status and confirmation; `full` is every write its account may make."""

from sitedir.admin.auth import issue_token
from sitedir.admin.models import Account
from sitedir.extensions import db
from tests.helpers import assert_problem, etag


def _token(app, scope, email="clermont@example.org"):
    with app.app_context():
        account = db.session.scalar(db.select(Account).where(Account.email == email))
        _, token = issue_token(account, scope=scope)
        db.session.commit()
    return {"Authorization": f"Bearer {token}"}


def _patch(client, headers, body):
    return client.patch(
        "/api/v1/sites/clermont-ferrand",
        json=body,
        headers={**headers, "If-Match": etag(client)},
    )


def test_a_read_only_token_reads_and_writes_nothing(app, client, tokens):
    read = _token(app, "read")
    assert client.get("/api/v1/sites/clermont-ferrand/contacts", headers=read).status_code == 200
    assert_problem(_patch(client, read, {"status": "suspended"}), 403)
    assert_problem(client.post("/api/v1/sites/clermont-ferrand/confirm", headers=read), 403)


def test_a_status_token_changes_the_status_and_nothing_else(app, client, tokens):
    status = _token(app, "status")
    assert (
        _patch(client, status, {"status": "suspended", "status_reason": "Pause"}).status_code == 200
    )
    assert client.post("/api/v1/sites/clermont-ferrand/confirm", headers=status).status_code == 200
    assert_problem(_patch(client, status, {"lead_department": "Rhumatologie"}), 403)
    contact = client.post(
        "/api/v1/sites/clermont-ferrand/contacts",
        json={"role": "coordinator", "name": "X"},
        headers=status,
    )
    assert_problem(contact, 403)
    # A full token of the same account still may.
    assert _patch(client, tokens["own"], {"lead_department": "Rhumatologie"}).status_code == 200


def test_the_cli_makes_scoped_tokens(app, runner, tokens):
    result = runner.invoke(
        args=["tokens", "create", "clermont@example.org", "--scope", "read", "--name", "lecture"]
    )
    assert result.exit_code == 0, result.output
    token = result.output.strip().splitlines()[-1]
    client = app.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    assert_problem(_patch(client, headers, {"status": "suspended"}), 403)
