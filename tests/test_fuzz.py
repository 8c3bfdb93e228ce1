"""Schemathesis fuzzes every endpoint from the app's own OpenAPI document, with every check.

Every generated request must get an answer that is not a server error and that matches the
documented status, content type, headers and schema; a request the document calls valid must
be accepted, one it calls invalid refused. First operation by operation as an anonymous client
(the admin operations must then all refuse), then the admin operations with a network admin's
token on the real sites, then stateful sequences (a created contact patched then deleted, a
site read then patched...) along the links schemathesis infers from the document, anonymously
and as a network admin. Writes carry an If-Match: half the real current ETag, read just
before through the same app, half a stale one.

FUZZ_EXAMPLES scales it: the generated cases per operation and the stateful sequences per
run (50 by default: over 3,000 calls in all, in about 2 minutes on 2 cores).
"""

import os
import re
import sqlite3
from collections import Counter
from datetime import date
from urllib.parse import quote

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import load_all_checks
from schemathesis.config import SchemathesisConfig
from schemathesis.core.parameters import ParameterLocation
from schemathesis.pytest.lazy import get_all_tests, run_subtest
from schemathesis.specs.openapi.checks import negative_data_rejection, positive_data_acceptance

from sitedir.admin.auth import issue_token
from sitedir.admin.models import NETWORK_ADMIN
from sitedir.app import create_app
from sitedir.domain.clock import today_in_paris
from sitedir.domain.vocabulary import SLUG_RE
from sitedir.extensions import db
from sitedir.places.online import Address
from sitedir.places.search import query_key
from tests.helpers import coverage_paused, make_account

# Minutes in all: started first (tests/conftest.py). On one pytest-xdist worker, in order:
# test_enough_cases_were_tried counts the calls the others made in its process.
pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("fuzz")]

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "50"))
SCENARIOS = EXAMPLES  # stateful sequences per run, each of up to STEPS calls
STEPS = 10
FUZZ_SETTINGS = settings(
    max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck)
)

CONFIG = SchemathesisConfig.from_dict(
    {
        "checks": {
            # RFC 6585: a write without If-Match is "428 Precondition Required".
            "missing_required_header": {"expected-statuses": [400, 401, 403, 406, 415, 422, 428]},
        }
    }
)


class OfflineGeocoder:
    """Stands in for the online service, so that `address` is fuzzed like the other origins:
    an address with a digit is found (in Vichy), any other is not (404)."""

    service = "offline"

    def locate(self, address: str) -> Address | None:
        return Address(address, 46.12, 3.42) if re.search(r"[0-9]", address) else None


class FuzzedApp:
    """The seeded app the fuzzer calls, a network admin's token, and the seeded database
    copied aside so that each stateful scenario starts from it."""

    def __init__(self):
        self.app = create_app(
            {
                "SQLALCHEMY_DATABASE_URI": "sqlite://",
                "TESTING": True,
                "ACCESS_LOG": False,
                "RATELIMIT_ENABLED": False,
            }
        )
        # As in production: an unexpected error becomes a 500 response, which the checks catch.
        self.app.config["PROPAGATE_EXCEPTIONS"] = False
        self.app.extensions["sitedir_geocoder"] = OfflineGeocoder()
        self.reader = self.app.test_client()
        with self.app.app_context():
            _, token = issue_token(make_account("fuzz@example.org", NETWORK_ADMIN))
            db.session.commit()
            self.sites = sorted(db.session.scalars(db.text("SELECT slug FROM site")))
            self.studies = sorted(db.session.scalars(db.text("SELECT slug FROM study")))
            # Copied with SQLite's backup API. Without a fresh start, one scenario's writes
            # changed the next one's answers, Hypothesis saw the same choices lead to
            # different rules, and gave up (Flaky).
            self.seeded = sqlite3.connect(":memory:")
            db.engine.raw_connection().driver_connection.backup(self.seeded)
        self.admin = {"Authorization": f"Bearer {token}"}

    def restore_seeded_database(self) -> None:
        """Put the database back as seeded, and drop what was cached from it."""
        with self.app.app_context():
            db.session.remove()
            self.seeded.backup(db.engine.raw_connection().driver_connection)
        # Answers cached per data fingerprint: after a restore, the same fingerprint may come
        # back for different data.
        for cache in ("sitedir_snapshot", "sitedir_nearest_cache", "sitedir_fhir"):
            self.app.extensions.pop(cache, None)


@pytest.fixture(autouse=True)
def _untraced_by_coverage():
    """Each fuzz test runs without coverage's tracer (pytest-cov), in its own thread.

    Over 3,000 calls repeat code the other tests cover: traced, they took about three times
    as long (113 s alone against 66), to count nothing new. The lines only the fuzzer
    used to reach have tests of their own (a port out of range, an unknown INSEE code, ids
    beyond PostgreSQL's integers, OPTIONS on nearest, a status filter); a line found
    untested by comparing this file's coverage with the rest's goes the same way."""
    with coverage_paused():
        yield


@pytest.fixture(scope="module")
def fuzzed() -> FuzzedApp:
    """The app under fuzzing, built once for this file (not when tests are collected)."""
    return FuzzedApp()


@pytest.fixture(scope="module")
def api_schema(fuzzed):
    """The app's own OpenAPI document, as schemathesis reads it."""
    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", fuzzed.app, config=CONFIG)


def _each_operation(api_schema, test, subtests, **fixtures) -> None:
    """Run `test` on every operation of the schema as `@schema.parametrize()` would (the same
    phases, settings and checks), each operation a subtest.

    schemathesis.pytest.from_fixture would do this, but the pinned version renames the test
    through pytest's Node._nodeid, which pytest 9 no longer has.
    """
    load_all_checks()
    schema = api_schema.clone(test_function=test)
    tests = list(get_all_tests(schema=schema, test_func=test, settings=None, given_kwargs={}))
    assert tests, "the document has no operation"
    for result in tests:
        operation, sub_test = result.ok()
        run_subtest(operation, fixtures, sub_test, subtests)


SLUG = re.compile(SLUG_RE)
CASES: Counter = Counter()  # calls made, per test


def _one_origin(query) -> bool:
    """Whether /nearest was given exactly one origin: q, address, postcode, insee or lat+lon."""
    query = query or {}
    origins = [k for k in ("q", "address", "postcode", "insee") if k in query]
    if "lat" in query or "lon" in query:
        origins.append("lat/lon")
    return len(origins) == 1 and ("lat" in query) == ("lon" in query)


def _beyond_openapi(case, studies: list[str]) -> bool:
    """Whether the case breaks a rule OpenAPI 3.0 cannot state, so a 422 is right though the
    document calls the request valid."""
    if case.path == "/api/v1/nearest" and not _one_origin(case.query):
        # "Exactly one origin" ties query parameters together; 3.0 has no way to say so.
        return True
    town = (case.query or {}).get("q")
    if case.path in ("/api/v1/places", "/api/v1/nearest") and isinstance(town, str):
        try:
            query_key(town)
        except ValueError:
            # At most 15 words (runs of letters and digits): JSON Schema cannot count them;
            # the document says so, and declares the 400.
            return True
    body = case.body if isinstance(case.body, dict) else {}
    reopening = body.get("expected_reopening")
    if isinstance(reopening, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", reopening):
        try:
            if date.fromisoformat(reopening) < today_in_paris():
                return True  # "not in the past" moves with the calendar; a schema cannot
        except ValueError:
            pass
    if case.path == "/api/v1/sites" and case.method == "POST" and body.get("study") not in studies:
        return True  # a study that exists is data, not syntax
    paged = ("/api/v1/sites", "/api/v1/studies")
    if case.path in paged and case.method == "GET" and "cursor" in (case.query or {}):
        return True  # a page cursor is one this API handed out: server state, not syntax
    if case.path == "/api/v1/webhooks" and case.method == "POST":
        return True  # whether a URL names a public address is DNS data, not syntax
    if case.path.endswith("/contact-requests") and case.method == "POST":
        # A form token this API handed out (and a few seconds ago), a town the gazetteer
        # knows, an RPPS number's check digit, a message's content: not syntax.
        return True
    if case.method == "PATCH" and "status_reason" in body and "status" not in body:
        return True  # clearing a reason: refused when the site's status needs one (state)
    return False


def _steer(case, fuzzed: FuzzedApp) -> None:
    """Point generated site ids and studies at real ones, so that writes get past the 404
    and the unknown study into the code behind them. A valid value is only replaced by a
    valid one (a negative case stays negative), and an existing site (one a link carried
    from an earlier answer) is kept."""
    path = case.path_parameters or {}
    site = path.get("site_id")
    if isinstance(site, str) and site:
        with fuzzed.app.app_context():
            exists = db.session.scalar(db.text("SELECT 1 FROM site WHERE slug = :s"), {"s": site})
        if not exists:
            path["site_id"] = fuzzed.sites[len(site) % len(fuzzed.sites)]
    body = case.body if isinstance(case.body, dict) else {}
    study = body.get("study")
    if case.path == "/api/v1/sites" and isinstance(study, str) and SLUG.fullmatch(study):
        if len(study) % 4:
            body["study"] = fuzzed.studies[0]  # mostly a real study, to reach the creation


def _current_etag(case, fuzzed: FuzzedApp) -> str | None:
    """The ETag of the resource a write targets, read now through the same app."""
    site = (case.path_parameters or {}).get("site_id")
    if site is None:
        return None
    url = f"/api/v1/sites/{quote(str(site), safe='')}"
    contact = case.path_parameters.get("contact_id")
    if contact is not None:
        url += f"/contacts/{quote(str(contact), safe='')}"
    return fuzzed.reader.get(url, headers=fuzzed.admin).headers.get("ETag")


def _stale(etag: str | None) -> str:
    """An older version of the same tag, or a tag no resource has."""
    found = re.fullmatch(r'"(.*)-v(\d+)"', etag or "")
    return f'"{found[1]}-v{int(found[2]) - 1}"' if found else '"stale-v0"'


def _admin_headers(case, fuzzed: FuzzedApp) -> tuple[dict, bool]:
    """The token, and an If-Match where the operation takes one: half the writes the current
    ETag, half a stale one. Returns the headers and whether the tag sent is current."""
    headers = {**(case.headers or {}), **fuzzed.admin}
    documented = any(p.name == "If-Match" for p in case.operation.headers)
    if not documented or "If-Match" not in headers:
        return headers, False  # a probe without the header keeps it missing (428)
    etag = _current_etag(case, fuzzed)
    fresh = etag is not None and len(headers["If-Match"]) % 2 == 0
    headers["If-Match"] = etag if fresh else _stale(etag)
    return headers, fresh


def _required_headers_put_back(case, sent: dict | None) -> bool:
    """Whether a case generated with its headers negative (a required one left out) went
    out with every required header anyway: the harness adds the token, and a stateful link
    the If-Match, so the request sent is no longer the schema-violating one generated."""
    meta = case.meta
    info = meta.components.get(ParameterLocation.HEADER) if meta is not None else None
    if info is None or not info.mode.is_negative or sent is None:
        return False
    required = {p.name.lower() for p in case.operation.headers if p.is_required}
    return required <= {name.lower() for name in sent}


def _exclusions(case, response, fresh: bool, studies: list[str], sent: dict | None = None):
    """Every check runs, but positive_data_acceptance where a refusal is right for a reason
    the document cannot carry, and negative_data_rejection where the harness made the
    request valid again."""
    if fresh:
        # The tag was read just before: a precondition failure here is a server bug.
        assert response.status_code not in (412, 428), (case.path, response.status_code)
    excluded = []
    if _required_headers_put_back(case, sent):
        excluded.append(negative_data_rejection)
    documented = {p.name for p in case.operation.query}
    if set(case.query or {}) - documented:
        # A query parameter the document does not name is ignored, as on every web API
        # (cache busters, trackers): not a violation the server must refuse.
        excluded.append(negative_data_rejection)
    if _beyond_openapi(case, studies) or (response.status_code == 412 and not fresh):
        excluded.append(positive_data_acceptance)  # (a stale tag is sent on purpose)
    return excluded


@FUZZ_SETTINGS
def _anonymous_call_conforms(case, fuzzed):
    CASES["anonymous"] += 1
    response = case.call()
    excluded = _exclusions(case, response, False, fuzzed.studies)
    case.validate_response(response, excluded_checks=excluded)


def test_every_operation_anonymously_conforms_to_its_documentation(api_schema, fuzzed, subtests):
    _each_operation(api_schema, _anonymous_call_conforms, subtests, fuzzed=fuzzed)


def _takes_a_token(context) -> bool:
    return bool(context.operation.definition.raw.get("security"))


@FUZZ_SETTINGS
def _admin_call_conforms(case, fuzzed):
    CASES["admin"] += 1
    _steer(case, fuzzed)
    headers, fresh = _admin_headers(case, fuzzed)
    response = case.call(headers=headers)
    excluded = _exclusions(case, response, fresh, fuzzed.studies, headers)
    case.validate_response(response, excluded_checks=excluded, headers=headers)


def test_admin_operations_with_a_network_admin_token_conform_to_their_documentation(
    api_schema, fuzzed, subtests
):
    admin_operations = api_schema.include(_takes_a_token)
    _each_operation(admin_operations, _admin_call_conforms, subtests, fuzzed=fuzzed)


def _workflow(api_schema, fuzzed: FuzzedApp, token: bool):
    """A state machine over every operation, following the links inferred from the document."""

    class Workflow(api_schema.as_state_machine()):
        def setup(self):
            fuzzed.restore_seeded_database()

        def get_call_kwargs(self, case):
            CASES["stateful admin" if token else "stateful anonymous"] += 1
            _steer(case, fuzzed)
            if not token:
                return {}
            headers, self._fresh = _admin_headers(case, fuzzed)
            return {"headers": headers}

        def validate_response(self, response, case, additional_checks=None, **kwargs):
            fresh = token and self._fresh
            case.validate_response(
                response,
                additional_checks=additional_checks,
                excluded_checks=_exclusions(
                    case, response, fresh, fuzzed.studies, dict(response.request.headers)
                ),
                headers=kwargs.get("headers"),
                transport_kwargs=kwargs or None,
                recorder=self.recorder,
            )

    return Workflow


STATEFUL_SETTINGS = settings(
    max_examples=SCENARIOS,
    stateful_step_count=STEPS,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)


def test_anonymous_sequences_conform_to_the_documentation(api_schema, fuzzed):
    _workflow(api_schema, fuzzed, token=False).run(settings=STATEFUL_SETTINGS)


def test_network_admin_sequences_conform_to_the_documentation(api_schema, fuzzed):
    _workflow(api_schema, fuzzed, token=True).run(settings=STATEFUL_SETTINGS)


def test_enough_cases_were_tried():
    """The runs above together make thousands of calls (when the whole file runs)."""
    if len(CASES) < 4:
        return  # a single test was picked
    total = sum(CASES.values())
    print(f"fuzz cases: {total} {dict(CASES)}")
    assert total >= 40 * EXAMPLES, CASES
