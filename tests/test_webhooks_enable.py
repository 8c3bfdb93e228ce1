"""`flask webhooks enable`: an endpoint gone (410) is re-enabled and receives, in order,
every event it missed, including those written while it was off (issue 24.15)."""

from sitedir.events.delivery import deliver_due
from sitedir.events.models import WebhookEndpoint
from sitedir.extensions import db
from tests.test_webhooks import private_ok, receiver, register, set_status, verified  # noqa: F401


def test_an_endpoint_gone_is_enabled_and_replays_what_it_missed(
    private_ok,  # noqa: F811
    client,
    tokens,
    receiver,  # noqa: F811
):
    app = private_ok
    hook = receiver(answers=[200, 410])
    secret = register(client, tokens, hook.url, ["site.status_changed"]).get_json()["secret"]
    set_status(client, tokens, "suspended", "one")  # delivered
    set_status(client, tokens, "recruiting", "two")  # 410: the endpoint goes off
    with app.app_context():
        deliver_due()
        endpoint = db.session.scalar(db.select(WebhookEndpoint))
        assert endpoint.disabled_reason == "410 Gone"
        endpoint_id = endpoint.id
    set_status(client, tokens, "suspended", "three")  # written while it is off
    result = app.test_cli_runner().invoke(args=["webhooks", "enable", str(endpoint_id)])
    assert result.exit_code == 0, result.output
    assert "2 event(s) queued" in result.output
    with app.app_context():
        deliver_due()
    reasons = [verified(secret, h, b)["data"]["reason"] for h, b in hook.received]
    assert reasons == ["one", "two", "two", "three"]  # the 410'd one again, then the new
    # Enabling again finds nothing more to send.
    again = app.test_cli_runner().invoke(args=["webhooks", "enable", str(endpoint_id)])
    assert "0 event(s) queued" in again.output


def test_a_deleted_endpoint_is_not_enabled(private_ok, client, tokens, receiver):  # noqa: F811
    hook = receiver()
    made = register(client, tokens, hook.url).get_json()
    client.delete(f"/api/v1/webhooks/{made['id']}", headers=tokens["network"])
    result = private_ok.test_cli_runner().invoke(args=["webhooks", "enable", str(made["id"])])
    assert result.exit_code != 0 and "deleted" in result.output
