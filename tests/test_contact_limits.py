"""Contact requests are rate-limited per client address (the API and the page's form share
one budget) and per doctor's email, on the limiter's shared storage: two apps on one Redis
count together, as two processes or instances do."""

import os
import re
import uuid

import pytest
import redis

from sitedir.app import create_app
from tests.helpers import assert_problem

SITE = "clermont-ferrand"
URL = f"/api/v1/sites/{SITE}/contact-requests"


def _app(**config):
    return create_app(
        {
            "SQLALCHEMY_DATABASE_URI": "sqlite://",
            "RATELIMIT_ENABLED": True,
            "RATELIMIT_STORAGE_URI": "memory://",
            "CONTACT_MIN_FILL_SECONDS": 0,
            "SECRET_KEY": "limits",
            "ACCESS_LOG": False,
            **config,
        }
    )


def _body(client, email="camille.exemple@example.org"):
    return {
        "token": client.get(f"/api/v1/sites/{SITE}/contact-form").get_json()["token"],
        "doctor_name": "Dr Camille Exemple",
        "profession": "internist",
        "place": "Vichy",
        "email": email,
    }


def test_one_address_gets_a_few_requests_across_the_api_and_the_form():
    client = _app(
        RATELIMIT_CONTACT="3 per hour", RATELIMIT_CONTACT_EMAIL="50 per day"
    ).test_client()
    assert client.post(URL, json=_body(client, "a@example.org")).status_code == 201
    # A refused request counts too: a robot's guesses spend the budget.
    assert client.post(URL, json={"token": "x"}).status_code == 422
    page = client.get(f"/contact/{SITE}")
    token = re.search(r'name="token" value="([^"]+)"', page.get_data(as_text=True))[1]
    form = {
        "token": token,
        "doctor_name": "Dr B",
        "profession": "other",
        "place": "Riom",
        "email": "b@example.org",
    }
    assert client.post(f"/contact/{SITE}", data=form).status_code == 201
    refused = client.post(URL, json=_body(client, "c@example.org"))
    assert_problem(refused, 429)
    assert int(refused.headers["Retry-After"]) > 0
    # Reading the form and the rest of the API are not counted by this limit.
    assert client.get(f"/contact/{SITE}").status_code == 200
    assert client.get("/api/v1/sites").status_code == 200


def test_one_email_gets_a_few_requests_whatever_the_address():
    app = _app(RATELIMIT_CONTACT="50 per hour", RATELIMIT_CONTACT_EMAIL="2 per day")
    client = app.test_client()
    for address in ("192.0.2.1", "192.0.2.2"):
        made = client.post(URL, json=_body(client), environ_base={"REMOTE_ADDR": address})
        assert made.status_code == 201
    third = client.post(
        URL,
        json=_body(client, "Camille.Exemple@EXAMPLE.org"),
        environ_base={"REMOTE_ADDR": "192.0.2.3"},
    )
    problem = assert_problem(third, 429)
    assert "Trop de demandes" in problem["detail"] and int(third.headers["Retry-After"]) > 3600
    # Another doctor is not held back.
    assert client.post(URL, json=_body(client, "autre@example.org")).status_code == 201


def test_the_form_says_when_an_email_sent_too_many():
    client = _app(
        RATELIMIT_CONTACT="50 per hour", RATELIMIT_CONTACT_EMAIL="1 per day"
    ).test_client()
    assert client.post(URL, json=_body(client)).status_code == 201
    page = client.get(f"/contact/{SITE}")
    token = re.search(r'name="token" value="([^"]+)"', page.get_data(as_text=True))[1]
    form = {
        "token": token,
        "doctor_name": "Dr Camille Exemple",
        "profession": "other",
        "place": "Riom",
        "email": "camille.exemple@example.org",
    }
    refused = client.post(f"/contact/{SITE}", data=form)
    assert refused.status_code == 429 and "Retry-After" in refused.headers
    assert "Trop de demandes envoyées" in refused.get_data(as_text=True)


REDIS = "redis://127.0.0.1:6379/14"


def _redis_up() -> bool:
    try:
        return redis.Redis.from_url(REDIS, socket_timeout=1).ping()
    except redis.RedisError:
        return False


def test_two_processes_on_one_redis_count_together():
    if not _redis_up():
        if os.environ.get("CI"):
            pytest.fail("Redis is not reachable at 127.0.0.1:6379")
        pytest.skip("Redis is not reachable at 127.0.0.1:6379")
    # A prefix of this run's own: the shared Redis holds other counters.
    settings = {
        "RATELIMIT_STORAGE_URI": REDIS,
        "RATELIMIT_KEY_PREFIX": f"contact-test-{uuid.uuid4().hex}",
        "RATELIMIT_CONTACT": "50 per hour",
        "RATELIMIT_CONTACT_EMAIL": "2 per day",
    }
    first, second = _app(**settings).test_client(), _app(**settings).test_client()
    assert first.post(URL, json=_body(first)).status_code == 201
    assert second.post(URL, json=_body(second)).status_code == 201
    assert_problem(first.post(URL, json=_body(first)), 429)
