"""Schemathesis fuzzes every public endpoint from the app's own OpenAPI document.

Every generated request must get an answer that is not a server error and that matches
the documented status, content type and schema. FUZZ_EXAMPLES sets the cases per
operation (150 by default: over 1,000 in all, in well under a minute).
"""

import os

import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from sitedir import create_app

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


@schema.parametrize()
@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
def test_public_api_conforms_to_its_documentation(case):
    excluded = []
    if case.path == "/api/v1/nearest":
        # "Exactly one origin" (q, postcode, insee or lat+lon) cannot be said in OpenAPI
        # 3.0 query parameters: two origins are schema-valid there, and rightly refused.
        excluded.append(positive_data_acceptance)
    case.call_and_validate(excluded_checks=excluded)
