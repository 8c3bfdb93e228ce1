"""Structured access logs with a request id, and no secrets in them."""

import json
import logging
import re


def _lines(caplog):
    return [r for r in caplog.records if r.name == "sitedir.access"]


def test_each_request_is_logged_as_json_with_an_id(client, caplog):
    caplog.set_level(logging.INFO, logger="sitedir.access")
    response = client.get("/api/v1/sites?region=84", headers={"X-Request-ID": "abc-123"})
    # The id is the server's (sent back to quote it); the client's is logged beside it.
    made = response.headers["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{32}", made)
    [record] = _lines(caplog)
    fields = record.fields
    assert fields["request_id"] == made
    assert fields["client_request_id"] == "abc-123"
    assert fields["method"] == "GET"
    assert fields["path"] == "/api/v1/sites"
    assert fields["status"] == 200
    assert fields["duration_ms"] >= 0
    from sitedir.web.request_log import JsonFormatter

    line = json.loads(JsonFormatter().format(record))
    assert line["request_id"] == made and line["message"] == "request"
    assert line["client_request_id"] == "abc-123"


def test_the_request_id_is_always_made_by_the_server(client, caplog):
    caplog.set_level(logging.INFO, logger="sitedir.access")
    ids = set()
    for given in (None, "abc-123", "abc-123", "<script> & spaces", "x" * 65):
        headers = {"X-Request-ID": given} if given else {}
        made = client.get("/healthz", headers=headers).headers["X-Request-ID"]
        assert re.fullmatch(r"[0-9a-f]{32}", made), given
        ids.add(made)
    assert len(ids) == 5  # a client sending the same id twice gets two ids
    kept = [r.fields["client_request_id"] for r in _lines(caplog)]
    assert kept == [None, "abc-123", "abc-123", None, None]  # only what looks like an id


def test_a_client_request_id_is_matched_whole():
    from sitedir.web.request_log import client_request_id

    assert client_request_id("appel-42") == "appel-42"
    assert client_request_id("a" * 64) == "a" * 64
    # A trailing newline would pass a pattern ending in "$": never here.
    for bad in ("appel-42\n", "appel-42\r\n", "a" * 65, "", "é", None, "a b"):
        assert client_request_id(bad) is None, repr(bad)


def test_no_query_string_or_authorization_is_logged(client, caplog):
    caplog.set_level(logging.INFO, logger="sitedir.access")
    client.get("/api/v1/nearest?q=Vichy", headers={"Authorization": "Bearer s3cr3t-token"})
    text = " ".join(json.dumps(r.fields) for r in _lines(caplog))
    assert "Vichy" not in text
    assert "s3cr3t" not in text


def test_an_emailed_links_token_is_never_logged(app, tokens, runner, caplog):
    """Invitation, reset and "still right" links carry their secret in the path: the log
    keeps the route, never the token (anyone reading logs could otherwise use it)."""
    caplog.set_level(logging.INFO, logger="sitedir.access")
    app.config["PUBLIC_URL"] = "http://localhost"  # a command that makes links needs it
    result = runner.invoke(args=["accounts", "resend", "nantes@example.org"])
    path = result.output.strip().splitlines()[-1].removeprefix("http://localhost")
    token = path.rsplit("/", 1)[1]
    client = app.test_client()
    assert client.get(path).status_code == 200
    assert client.get("/admin/password/" + token).status_code == 410
    assert client.get("/admin/still-right/" + token).status_code == 410
    logged = [r.fields["path"] for r in _lines(caplog)]
    assert logged == [
        "/admin/invitation/<token>",
        "/admin/password/<token>",
        "/admin/still-right/<token>",
    ]
    assert token not in " ".join(json.dumps(r.fields) for r in _lines(caplog))
