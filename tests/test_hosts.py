"""The Host header is not trusted: a name outside TRUSTED_HOSTS is a 400 problem+json before
anything runs, and absolute URLs come from SITEDIR_PUBLIC_URL, else from a trusted host."""

import pytest
from werkzeug.test import EnvironBuilder, run_wsgi_app

from sitedir.admin.models import OneTimeLink
from sitedir.app import create_app
from sitedir.config import host_names
from sitedir.extensions import db
from tests.helpers import assert_problem, csrf, tear_down

PUBLIC = "https://annuaire.example.fr"
# Every kind of answer that holds, or may one day hold, an absolute URL; and the rest.
PATHS = [
    "/api/v1/changes.atom",
    "/api/v1/changes",
    "/fhir/metadata",
    "/fhir/Location?_count=1",
    "/api/v1/sites/clermont-ferrand/contacts.vcf",
    "/api/v1/sites?limit=2",
    "/api/v1/nearest?q=Vichy",
    "/",
    "/widget",
    "/admin/login",
]
# A light answer that checks the Host like every other (the probes do not: see below).
PAGE = "/api/v1/changes"
HOSTILE = [
    "evil.example",
    "evil.example:5000",
    "localhost.evil.example",
    "evil.example/localhost",
    "localhost@evil.example",
    "localhost.",  # a trailing dot names the same host, but is not the name trusted
    "LOCALHOST",  # compared exactly: lower case, as browsers send it
    "[::1]",  # werkzeug cannot match IPv6 literals: never trusted
    "[::1]:5000",
    "localhost:99999",
    "localhost:0",
    "",
    "evil.example, localhost",
]


@pytest.mark.parametrize("host", HOSTILE)
def test_an_untrusted_host_is_a_400_problem_that_does_not_echo_it(client, host):
    response = client.get("/api/v1/changes.atom", headers={"Host": host})
    body = assert_problem(response, 400)
    assert "Host" in body["detail"] and "hôte" in body["detail"]
    assert "evil" not in response.get_data(as_text=True)
    assert "ETag" not in response.headers


@pytest.mark.parametrize("path", PATHS)
def test_no_answer_is_made_for_another_host(client, path):
    response = client.get(path, headers={"Host": "evil.example"})
    assert_problem(response, 400)


def test_writes_and_preflights_from_another_host_are_refused(client, tokens):
    for response in (
        client.post(
            "/api/v1/sites/clermont-ferrand/confirm",
            headers={**tokens["own"], "Host": "evil.example"},
        ),
        client.options(
            "/api/v1/sites",
            headers={
                "Host": "evil.example",
                "Origin": "https://x.example",
                "Access-Control-Request-Method": "GET",
            },
        ),
    ):
        assert "Host" in assert_problem(response, 400)["detail"]


@pytest.mark.parametrize("host", ["localhost", "localhost:5000", "127.0.0.1", "127.0.0.1:5000"])
def test_dev_run_and_the_test_client_still_work(client, host):
    """`./dev run` serves http://127.0.0.1:5000; the test client says `localhost`."""
    response = client.get("/api/v1/changes.atom", headers={"Host": host})
    assert response.status_code == 200
    assert f"http://{host}/api/v1/changes.atom" in response.get_data(as_text=True)


def test_a_reset_mail_is_never_built_for_another_host(app, client):
    """The classic: `Host: evil.example` on "forgot password" mails the victim a link to
    the attacker's site. The request is refused before any link is made."""
    from tests.helpers import make_account

    with app.app_context():
        make_account("victime@example.org", "network_admin", password="x" * 12)
        db.session.commit()
    form = client.get("/admin/forgot")
    answer = client.post(
        "/admin/forgot",
        data={"email": "victime@example.org", "csrf_token": csrf(form)},
        headers={"Host": "evil.example"},
    )
    assert "Host" in assert_problem(answer, 400)["detail"]  # refused for its host, not CSRF
    with app.app_context():
        assert db.session.scalars(db.select(OneTimeLink)).all() == []


def test_links_in_mails_follow_the_public_url(app):
    from sitedir.admin import links

    app.config["PUBLIC_URL"] = PUBLIC
    with app.test_request_context("/", headers={"Host": "127.0.0.1:5000"}):
        assert links.absolute("reset", "t" * 30).startswith(f"{PUBLIC}/admin/password/")
    app.config["PUBLIC_URL"] = None
    with app.test_request_context("/", headers={"Host": "127.0.0.1:5000"}):
        assert links.absolute("reset", "t" * 30).startswith("http://127.0.0.1:5000/admin/")
    with app.app_context():  # the CLI: no request, no host to guess
        assert links.absolute("reset", "t" * 30) == "/admin/password/" + "t" * 30


@pytest.mark.parametrize("path", ["/api/v1/changes.atom", "/fhir/metadata"])
def test_cached_answers_never_carry_another_hosts_urls(client, path):
    """Each trusted host gets its own URLs and its own ETag: the FHIR catalogue and the
    ETags are keyed by what the body holds, so no answer crosses from one to the other."""
    other = client.get(path, headers={"Host": "127.0.0.1:5000"})
    mine = client.get(path, headers={"If-None-Match": other.headers["ETag"]})
    assert mine.status_code == 200  # not a 304 to the other host's body
    assert "127.0.0.1:5000" not in mine.get_data(as_text=True)
    assert "http://localhost/" in mine.get_data(as_text=True)


def test_with_a_public_url_every_absolute_url_is_the_same_for_every_host(app, client):
    app.config["PUBLIC_URL"] = PUBLIC
    for path in ("/api/v1/changes.atom", "/fhir/metadata", "/widget"):
        answers = [client.get(path, headers={"Host": h}) for h in ("localhost", "127.0.0.1:5000")]
        texts = [a.get_data(as_text=True) for a in answers]
        assert texts[0] == texts[1] and PUBLIC in texts[0], path
        assert "localhost" not in texts[0] and "127.0.0.1" not in texts[0], path
    paged = client.get("/api/v1/sites?limit=2", headers={"Host": "127.0.0.1:5000"})
    assert paged.headers["Link"].startswith(f"<{PUBLIC}/api/v1/sites?")
    sheet = client.get("/?q=Vichy", headers={"Host": "127.0.0.1:5000"}).get_data(as_text=True)
    assert f"{PUBLIC}/?" in sheet and "127.0.0.1" not in sheet


def test_the_public_urls_host_is_trusted_and_an_empty_setting_is_not_everything(database_url):
    assert host_names("") == host_names(None) == ["localhost", "127.0.0.1"]
    assert host_names(" Annuaire.Example.fr , .chu.example ") == [
        "annuaire.example.fr",
        ".chu.example",
    ]
    app = _app(database_url, PUBLIC_URL=PUBLIC, TRUSTED_HOSTS=host_names(""))
    try:
        client = app.test_client()
        assert client.get(PAGE, headers={"Host": "annuaire.example.fr"}).status_code == 200
        assert client.get(PAGE, headers={"Host": "localhost"}).status_code == 200
        assert_problem(client.get(PAGE, headers={"Host": "evil.example"}), 400)
    finally:
        tear_down(app, database_url)


def test_subdomains_with_a_leading_dot(database_url):
    app = _app(database_url, TRUSTED_HOSTS=[".chu.example"])
    try:
        client = app.test_client()
        assert client.get(PAGE, headers={"Host": "annuaire.chu.example"}).status_code == 200
        assert client.get(PAGE, headers={"Host": "chu.example"}).status_code == 200
        assert_problem(client.get(PAGE, headers={"Host": "evilchu.example"}), 400)
        assert_problem(client.get(PAGE, headers={"Host": "localhost"}), 400)
        # The probes' trusted name, when every name is a suffix: the suffix itself.
        assert client.get("/healthz", headers={"Host": "10.0.3.7:8000"}).status_code == 200
    finally:
        tear_down(app, database_url)


def _http10(app, server_name: str):
    """A request without Host (HTTP/1.0): werkzeug falls back on the server's address."""
    environ = EnvironBuilder(path="/api/v1/changes.atom").get_environ()
    del environ["HTTP_HOST"]
    environ.update(SERVER_PROTOCOL="HTTP/1.0", SERVER_NAME=server_name, SERVER_PORT="8000")
    body, status, _ = run_wsgi_app(app, environ, buffered=True)
    return status, b"".join(body).decode()


def test_a_request_without_host_is_addressed_to_the_server_itself(app):
    status, body = _http10(app, "127.0.0.1")  # gunicorn's default bind
    assert status.startswith("200") and "http://127.0.0.1:8000/api/v1/changes.atom" in body
    status, body = _http10(app, "0.0.0.0")  # bound everywhere: no name to trust
    assert status.startswith("400") and '"status": 400' in body


def test_x_forwarded_host_is_never_read_even_behind_proxies(database_url):
    app = _app(database_url, PROXY_HOPS=1)
    try:
        headers = {"X-Forwarded-Host": "evil.example", "X-Forwarded-For": "203.0.113.9"}
        feed = app.test_client().get("/api/v1/changes.atom", headers=headers)
        assert feed.status_code == 200
        assert "evil" not in feed.get_data(as_text=True)
        assert "http://localhost/api/v1/changes.atom" in feed.get_data(as_text=True)
    finally:
        tear_down(app, database_url)


def _app(database_url, **config):
    return create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": database_url,
            "SECRET_KEY": "test",
            "RATELIMIT_ENABLED": False,
            **config,
        }
    )


def test_a_forwarded_scheme_other_than_http_or_https_is_refused(database_url):
    """Behind SITEDIR_PROXY_HOPS, a proxy that does not set X-Forwarded-Proto passes the
    client's on: it may say https, never `javascript` or a host of its own."""
    app = _app(database_url, PROXY_HOPS=1)
    try:
        client = app.test_client()
        for proto in ("javascript", "evil.example/x", "http, evil"):
            for path in ("/api/v1/changes.atom", "/fhir/metadata"):
                response = client.get(path, headers={"X-Forwarded-Proto": proto})
                assert response.status_code == 400, (proto, path)
                assert "evil" not in response.get_data(as_text=True)
        feed = client.get("/api/v1/changes.atom", headers={"X-Forwarded-Proto": "https"})
        assert "https://localhost/api/v1/changes.atom" in feed.get_data(as_text=True)
        app.config["PUBLIC_URL"] = PUBLIC  # then the request's scheme is not read at all
        feed = client.get("/api/v1/changes.atom", headers={"X-Forwarded-Proto": "javascript"})
        assert feed.status_code == 200 and f"{PUBLIC}/api/v1/changes.atom" in feed.get_data(True)
    finally:
        tear_down(app, database_url)


@pytest.mark.parametrize(
    "path", ["/api/v1/nearest?q=Vichy", "/api/v1/sites/clermont-ferrand", "/api/v1/sites"]
)
def test_answers_cached_across_hosts_hold_no_host(client, path):
    """The nearest-answer cache and the site's version ETag are shared by every host: what
    they hold must be the same whatever the Host, so it holds no absolute URL."""
    answers = [client.get(path, headers={"Host": h}) for h in ("127.0.0.1:5000", "localhost")]
    assert answers[0].get_data() == answers[1].get_data()
    assert answers[0].headers["ETag"] == answers[1].headers["ETag"]
    assert b"127.0.0.1" not in answers[1].get_data() and b"localhost" not in answers[1].get_data()


@pytest.mark.parametrize("path", ["/healthz", "/readyz"])
@pytest.mark.parametrize("host", ["10.0.3.7:8000", "10.0.3.7", "evil.example", "[::1]", ""])
def test_probes_are_answered_whatever_the_host(client, path, host):
    """A load balancer or Kubernetes probes each instance by its address, which no list of
    trusted names can hold: the probes answer it, and their answers hold no host."""
    response = client.get(path, headers={"Host": host})
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.get_json()["status"] in ("ok", "ready")
    assert "evil" not in response.get_data(as_text=True)
    assert client.head(path, headers={"Host": host}).status_code == 200


@pytest.mark.parametrize("host", ["10.0.3.7:8000", "evil.example"])
def test_only_the_probes_are_answered_whatever_the_host(client, host):
    for path in ("/healthz/", "/healthzz", "/api/v1/changes", "/readyz?x=1"):
        response = client.get(path, headers={"Host": host})
        if path.startswith("/readyz"):  # the query string is not the path: still a probe
            assert response.status_code == 200
        else:
            assert_problem(response, 400)
    assert_problem(client.post("/healthz", headers={"Host": host}), 400)


@pytest.mark.parametrize(
    "name", ["https://annuaire.example.fr", "*.example.fr", "annuaire.example.fr/", "a b", "[::1]"]
)
def test_a_trusted_name_werkzeug_cannot_match_stops_the_start(database_url, name):
    """Else every request would be a 400 and nothing would say why."""
    with pytest.raises(ValueError, match="not a host name"):
        create_app({"SQLALCHEMY_DATABASE_URI": database_url, "TRUSTED_HOSTS": [name]})


def test_trusted_hosts_given_as_text_are_names_not_letters(database_url):
    app = _app(database_url, TRUSTED_HOSTS="annuaire.chu.example, localhost")
    try:
        assert app.config["TRUSTED_HOSTS"] == ["annuaire.chu.example", "localhost"]
        client = app.test_client()
        assert client.get(PAGE, headers={"Host": "annuaire.chu.example"}).status_code == 200
        assert_problem(client.get(PAGE, headers={"Host": "a"}), 400)
    finally:
        tear_down(app, database_url)
