"""Structured access logs with a request id, and no secrets in them."""

import json
import logging


def _lines(caplog):
    return [r for r in caplog.records if r.name == "sitedir.access"]


def test_each_request_is_logged_as_json_with_an_id(client, caplog):
    caplog.set_level(logging.INFO, logger="sitedir.access")
    response = client.get("/api/v1/sites?region=84", headers={"X-Request-ID": "abc-123"})
    assert response.headers["X-Request-ID"] == "abc-123"
    [record] = _lines(caplog)
    fields = record.fields
    assert fields["request_id"] == "abc-123"
    assert fields["method"] == "GET"
    assert fields["path"] == "/api/v1/sites"
    assert fields["status"] == 200
    assert fields["duration_ms"] >= 0
    from sitedir.request_log import JsonFormatter

    line = json.loads(JsonFormatter().format(record))
    assert line["request_id"] == "abc-123" and line["message"] == "request"


def test_a_made_up_request_id_when_none_or_a_bad_one_is_given(client):
    made = client.get("/healthz").headers["X-Request-ID"]
    assert len(made) == 32
    bad = client.get("/healthz", headers={"X-Request-ID": "<script> & spaces"})
    assert len(bad.headers["X-Request-ID"]) == 32


def test_no_query_string_or_authorization_is_logged(client, caplog):
    caplog.set_level(logging.INFO, logger="sitedir.access")
    client.get("/api/v1/nearest?q=Vichy", headers={"Authorization": "Bearer s3cr3t-token"})
    text = " ".join(json.dumps(r.fields) for r in _lines(caplog))
    assert "Vichy" not in text
    assert "s3cr3t" not in text
