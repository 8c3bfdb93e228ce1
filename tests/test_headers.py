"""Security headers on every response; a strict CSP on HTML."""


def test_api_responses_carry_nosniff_and_referrer_policy(client):
    response = client.get("/api/v1/sites")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert "Strict-Transport-Security" not in response.headers


def test_errors_carry_them_too(client):
    response = client.get("/api/v1/nope")
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_html_gets_a_strict_csp(client):
    response = client.get("/api/v1/docs")
    csp = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp
    assert "object-src 'none'" in csp


def test_hsts_when_configured(app, client):
    app.config["HSTS_SECONDS"] = 31536000
    # The header hook reads the setting at start-up: build a configured app.
    from sitedir.app import create_app

    other = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "HSTS_SECONDS": 31536000})
    response = other.test_client().get("/healthz")
    assert response.headers["Strict-Transport-Security"] == "max-age=31536000"
