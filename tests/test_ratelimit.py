"""Rate limits: 429 problem+json with Retry-After; stricter on logins; never on probes."""

from sitedir.app import create_app
from tests.helpers import assert_problem


def _app(**config):
    return create_app(
        {
            "SQLALCHEMY_DATABASE_URI": "sqlite://",
            "RATELIMIT_ENABLED": True,
            "RATELIMIT_STORAGE_URI": "memory://",
            **config,
        }
    )


def test_public_reads_are_limited_with_a_problem_and_retry_after():
    client = _app(RATELIMIT_PUBLIC="3 per minute").test_client()
    for _ in range(3):
        assert client.get("/api/v1/sites").status_code == 200
    response = client.get("/api/v1/sites")
    body = assert_problem(response, 429)
    assert int(response.headers["Retry-After"]) > 0
    assert body["title"] == "Too Many Requests"  # the status phrase (RFC 9457)
    assert body["detail"]


def test_health_probes_are_never_limited():
    client = _app(RATELIMIT_PUBLIC="1 per minute").test_client()
    assert all(client.get("/healthz").status_code == 200 for _ in range(5))


def test_logins_are_limited_more_strictly():
    app = _app(RATELIMIT_LOGIN="2 per minute", WTF_CSRF_ENABLED=False)
    client = app.test_client()
    wrong = {"email": "x@example.org", "password": "nope"}
    first, second, third = (client.post("/admin/login", data=wrong) for _ in range(3))
    # Wrong credentials re-render the form with a message, until the limit is reached.
    assert first.status_code == second.status_code == 200
    assert "Adresse ou mot de passe incorrect" in second.get_data(as_text=True)
    assert_problem(third, 429)
    assert client.get("/admin/login").status_code == 200  # reading the form is not counted


def test_admin_api_has_its_own_stricter_limit():
    client = _app(RATELIMIT_ADMIN="2 per minute").test_client()
    codes = [
        client.get("/api/v1/audit").status_code,
        client.post("/api/v1/sites/nantes/confirm").status_code,
        client.get("/api/v1/audit").status_code,
    ]
    assert codes == [401, 401, 429]  # one budget for every admin route: guessing is limited
    assert client.get("/api/v1/sites").status_code == 200  # public reads count apart


def test_a_refused_request_still_has_its_request_id():
    client = _app(RATELIMIT_PUBLIC="1 per minute").test_client()
    client.get("/api/v1/sites")
    refused = client.get("/api/v1/sites", headers={"X-Request-ID": "appel-42"})
    # The id is always the server's (the client's is logged beside it, as client_request_id).
    assert refused.status_code == 429
    made = refused.headers["X-Request-ID"]
    assert len(made) == 32 and made != "appel-42" and int(made, 16) >= 0


def test_one_public_budget_per_client_across_routes():
    """Issue 21.5: the public limit is one budget per client, not one per route."""
    client = _app(RATELIMIT_PUBLIC="4 per minute").test_client()
    codes = [
        client.get(path).status_code
        for path in (
            "/api/v1/sites",
            "/api/v1/studies",
            "/fhir/metadata",
            "/api/v1/changes",
            "/api/v1/sites",
        )
    ]
    assert codes == [200, 200, 200, 200, 429]
    # Another client has its own budget.
    other = client.get("/api/v1/studies", environ_base={"REMOTE_ADDR": "192.0.2.9"})
    assert other.status_code == 200


def test_fhir_search_has_a_stricter_limit_inside_the_public_budget():
    client = _app(RATELIMIT_FHIR_SEARCH="2 per minute").test_client()
    codes = [client.get("/fhir/Location?_count=1").status_code for _ in range(3)]
    assert codes == [200, 200, 429]
    refused = client.get("/fhir/Location?_count=1")
    assert refused.get_json()["resourceType"] == "OperationOutcome"
    assert client.get("/fhir/metadata").status_code == 200  # reads count apart


def test_a_static_asset_leaves_the_shared_counters_in_use(caplog):
    """An asset's request must not switch the limiter to its per-process fallback.

    The fallback here allows far more than the shared limit: had the asset's request been
    taken for a storage failure (as a view without a name once made Flask-Limiter do), the
    fourth read below would be counted afresh by the fallback, and pass."""
    app = _app(RATELIMIT_PUBLIC="3 per minute", RATELIMIT_IN_MEMORY_FALLBACK="100 per minute")
    client = app.test_client()
    with app.test_request_context():
        from flask import url_for

        asset = url_for("widget.static", filename="widget.css")
    for _ in range(3):
        assert client.get("/api/v1/sites").status_code == 200
    assert client.get(asset).status_code == 200
    assert client.get("/api/v1/sites").status_code == 429
    assert not [r for r in caplog.records if r.name == "flask-limiter" and r.levelname != "INFO"]


def test_every_view_has_the_name_flask_limiter_reads():
    from flask_limiter.util import get_qualified_name

    app = _app()
    for endpoint, view in app.view_functions.items():
        assert get_qualified_name(view), endpoint
