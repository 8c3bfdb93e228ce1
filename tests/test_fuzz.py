"""Schemathesis fuzzes every endpoint from the app's own OpenAPI document.

Every generated request must get an answer that is not a server error and that matches
the documented status, content type and schema: first as an anonymous client (the admin
operations must then all refuse), then the admin operations again with a network admin's
token, on the real sites. FUZZ_EXAMPLES sets the cases per operation (150 by default:
over 3,000 in all, in about a minute).
"""

import os

import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from sitedir.admin.auth import issue_token
from sitedir.admin.models import NETWORK_ADMIN
from sitedir.app import create_app
from sitedir.extensions import db
from tests.admin_fixtures import make_account

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "150"))

app = create_app(
    {
        "SQLALCHEMY_DATABASE_URI": "sqlite://",
        "TESTING": True,
        "ACCESS_LOG": False,
        "RATELIMIT_ENABLED": False,
    }
)
# As in production: an unexpected error becomes a 500 response, which the checks catch.
app.config["PROPAGATE_EXCEPTIONS"] = False
schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
with app.app_context():
    _, TOKEN = issue_token(make_account("fuzz@example.org", NETWORK_ADMIN))
    db.session.commit()
    SITES = sorted(db.session.scalars(db.text("SELECT slug FROM site")))


@schema.parametrize()
@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
def test_public_api_conforms_to_its_documentation(case):
    excluded = []
    if case.path == "/api/v1/nearest":
        # "Exactly one origin" (q, postcode, insee or lat+lon) cannot be said in OpenAPI
        # 3.0 query parameters: two origins are schema-valid there, and rightly refused.
        excluded.append(positive_data_acceptance)
    case.call_and_validate(excluded_checks=excluded)


@schema.include(method=["POST", "PATCH", "DELETE"]).parametrize()
@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
def test_admin_api_with_a_valid_token_conforms_to_its_documentation(case):
    if "site_id" in (case.path_parameters or {}):
        # Mostly real sites, so that writes get past the 404 and into validation.
        generated = case.path_parameters["site_id"]
        case.path_parameters["site_id"] = SITES[len(generated) % len(SITES)]
    headers = {**(case.headers or {}), "Authorization": f"Bearer {TOKEN}"}
    if len(headers.get("If-Match", "")) % 2 == 0:
        headers["If-Match"] = "*"  # half the writes pass the ETag check, half get 412
    # Schema-valid writes may rightly be refused: an unknown contact (404), a site that
    # already exists (409), a date that is schema-valid but in the past (422).
    case.call_and_validate(headers=headers, excluded_checks=[positive_data_acceptance])
