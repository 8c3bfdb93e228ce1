"""Patterns match whole values, and the OpenAPI document means what Python enforces.

Python's `$` also matches before a final newline, so marshmallow's Regexp took "nl-test\\n"
for a site id (every later read of that site failed) and "04 73 75 07 50\\n" for a phone.
The inputs tested here are found in the app's own OpenAPI document, query parameters and
JSON bodies alike, nested objects too: a new patterned field is tested without editing
this file.
"""

import re
import time
from urllib.parse import quote

import jsonschema_rs
import marshmallow as ma
import pytest

import sitedir.admin.schemas
import sitedir.contact.identifying
import sitedir.contact.schemas
import sitedir.schemas
import sitedir.seeding
from sitedir.admin.schemas import EMAIL_RE, LINE_RE, TEXT_RE, WEBSITE_RE
from sitedir.domain.vocabulary import (
    DEPARTMENT_RE,
    INSEE_RE,
    PHONE_RE,
    POSTCODE_RE,
    REGION_RE,
    SLUG_RE,
)
from sitedir.schemas import SEARCHABLE, Pattern

# One value each pattern accepts. A new pattern needs a line here (the test says so).
VALID = {
    INSEE_RE: "63113",
    REGION_RE: "84",
    DEPARTMENT_RE: "2A",
    SLUG_RE: "clermont-ferrand",
    POSTCODE_RE: "63000",
    PHONE_RE: "04 73 75 07 50",
    SEARCHABLE.regex.pattern: "Vichy",
    TEXT_RE: "Le lundi",  # short: a title takes 16 characters
    LINE_RE: "Le lundi",
    WEBSITE_RE: "https://www.chu-clermontferrand.fr/recherche?x=1",
    EMAIL_RE: "secretariat.mi@chu-clermontferrand.fr",
    r"^[A-Za-z0-9_-]{1,200}$": "Ym9yZGVhdXg",  # a sites page cursor: "bordeaux", base64url
    r"^[0-9a-z]{1,12}$": "0",  # a change-feed cursor (base 36)
    # A webhook target: a public address literal, so that no DNS is needed to accept it.
    r"^https?://[!-~]+$": "https://93.184.216.34/hook",
    # Contact requests (sitedir/contact): a form token, a French phone, an RPPS number.
    sitedir.contact.schemas.TOKEN_RE: "eyJzaXRlIjoiYSJ9.aw-J-A.EPYRmlRk",
    sitedir.contact.identifying.PHONE_RE: "+33 4 73 75 07 50",
    sitedir.contact.identifying.RPPS_RE: "10000000009",
}
# Free text may span lines: there only control characters are refused.
MULTILINE = {TEXT_RE}
PATH_VALUES = {"site_id": "clermont-ferrand", "contact_id": "999999", "slug": "cart-lupus"}


def _resolve(spec, schema):
    while "$ref" in schema:
        schema = spec["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return schema


def _body_fields(spec, schema, prefix=()):
    """(dotted name, property schema) for each patterned property, nested objects included."""
    schema = _resolve(spec, schema)
    for option in schema.get("anyOf", []):  # a nullable nested object
        yield from _body_fields(spec, option, prefix)
    for name, prop in schema.get("properties", {}).items():
        if "pattern" in prop:
            yield (*prefix, name), prop
        else:
            yield from _body_fields(spec, prop, (*prefix, name))


def patterned_inputs(spec):
    """(method, path, location, name, schema) for every input the document gives a pattern."""
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            if method == "parameters":
                continue
            for parameter in item.get("parameters", []) + operation.get("parameters", []):
                schema = parameter.get("schema", {})
                if "pattern" in schema:
                    assert parameter["in"] == "query", f"{path}: teach this test {parameter['in']}"
                    yield method, path, "query", (parameter["name"],), schema
            body = operation.get("requestBody", {}).get("content", {}).get("application/json")
            if body:
                for name, schema in _body_fields(spec, body["schema"]):
                    yield method, path, "json", name, schema


@pytest.fixture
def spec(client):
    return client.get("/api/v1/openapi.json").get_json()


def _send(client, headers, method, path, location, name, value):
    for parameter, filler in PATH_VALUES.items():
        path = path.replace(f"{{{parameter}}}", quote(filler))
    if location == "query":
        return client.open(
            path, method=method.upper(), headers=headers, query_string={name[0]: value}
        )
    body = value
    for part in reversed(name):
        body = {part: body}
    return client.open(path, method=method.upper(), headers=headers, json=body)


def _refuses(response, location, name) -> bool:
    """Whether the answer is a 422 naming this very input."""
    if response.status_code != 422:
        return False
    dotted = ".".join(name)
    return any(
        p["in"] == location and p["name"] == dotted for p in response.get_json()["invalid_params"]
    )


def test_the_walk_finds_the_inputs_we_know_of(spec):
    found = {(method, path, ".".join(name)) for method, path, _, name, _ in patterned_inputs(spec)}
    assert {
        ("get", "/api/v1/nearest", "postcode"),
        ("get", "/api/v1/nearest", "insee"),
        ("get", "/api/v1/nearest", "study"),
        ("get", "/api/v1/nearest", "region"),
        ("get", "/api/v1/nearest", "q"),
        ("get", "/api/v1/places", "q"),
        ("get", "/api/v1/sites", "department"),
        ("get", "/api/v1/audit", "site"),
        ("post", "/api/v1/sites", "id"),
        ("post", "/api/v1/sites", "institution.insee"),
        ("post", "/api/v1/sites", "institution.website"),
        ("post", "/api/v1/sites/{site_id}/contacts", "phone"),
        ("patch", "/api/v1/sites/{site_id}/contacts/{contact_id}", "phone"),
        ("patch", "/api/v1/sites/{site_id}", "status_reason"),
    } <= found


def test_a_trailing_newline_is_refused_wherever_a_pattern_is(client, tokens, spec):
    # A network admin, so that admin writes get to validation; a stale If-Match, so that a
    # write whose body is valid changes nothing.
    headers = {**tokens["network"], "If-Match": '"stale-v0"'}
    wrong = []
    for method, path, location, name, schema in patterned_inputs(spec):
        where = f"{method.upper()} {path} {location} {'.'.join(name)}"
        pattern = schema["pattern"]
        assert pattern in VALID, f"{where}: add a valid value for {pattern!r} to VALID"
        value = VALID[pattern]

        def refused(sent, method=method, path=path, location=location, name=name, where=where):
            response = _send(client, headers, method, path, location, name, sent)
            assert response.status_code < 500, (where, sent)
            return _refuses(response, location, name)

        if refused(value):
            wrong.append(f"{where}: refuses the valid {value!r}")
        if pattern in MULTILINE:
            if refused(value + "\n"):
                wrong.append(f"{where}: refuses a line break in free text")
            if not refused(value + "\x07"):
                wrong.append(f"{where}: takes a control character")
        elif not refused(value + "\n"):
            wrong.append(f"{where}: takes {value + chr(10)!r}")
    assert not wrong, "\n".join(wrong)


def _schemas():
    for module in (sitedir.schemas, sitedir.admin.schemas, sitedir.seeding):
        for thing in vars(module).values():
            if isinstance(thing, type) and issubclass(thing, ma.Schema) and thing is not ma.Schema:
                yield thing


def _validators(field):
    yield from field.validators
    for inner in (getattr(field, "inner", None), getattr(field, "value_field", None)):
        if inner is not None:
            yield from _validators(inner)


def test_every_pattern_in_every_schema_is_a_whole_value_pattern():
    """Seed files included: a plain Regexp anywhere would take a final newline again."""
    plain = [
        f"{schema.__module__}.{schema.__name__}.{name}"
        for schema in _schemas()
        for name, field in schema().fields.items()
        for validator in _validators(field)
        if isinstance(validator, ma.validate.Regexp) and not isinstance(validator, Pattern)
    ]
    assert not plain


@pytest.mark.parametrize("pattern", sorted(VALID))
def test_the_document_and_python_read_each_pattern_alike(pattern):
    """jsonschema-rs reads the published pattern as an OpenAPI client would (ECMA-like)."""
    published = jsonschema_rs.validator_for({"type": "string", "pattern": pattern})
    python = Pattern(pattern)
    valid = VALID[pattern]
    for value in (
        valid,
        valid + "\n",
        "\n" + valid,
        valid + "\r",
        valid + "\x00",
        valid + "\u2028",
        "٦٣٠٠٠",  # Arabic-Indic digits: Python's \d takes them, ECMA's does not
        "",
        " ",
    ):
        try:
            python(value)
            accepted = True
        except ma.ValidationError:
            accepted = False
        assert published.is_valid(value) == accepted, (pattern, value)


@pytest.mark.parametrize("pattern", sorted(VALID))
def test_each_pattern_refuses_a_long_value_in_linear_time(pattern):
    """Validators all run, Length's refusal or not, and a 64 KB body holds a long string:
    `^[^C]*[a-z][^C]*$` took a minute on 60,000 letters and a control character."""
    check = Pattern(pattern)
    valid = VALID[pattern]
    for filler in (valid, valid[0], valid[-1], "-", " "):
        value = filler * (60_000 // len(filler)) + "\x01"
        started = time.perf_counter()
        with pytest.raises(ma.ValidationError):
            check(value)
        assert time.perf_counter() - started < 0.5, (pattern, filler)


def test_a_pattern_must_be_anchored_at_both_ends():
    with pytest.raises(ValueError):
        Pattern(r"^[a-z]+")
    assert Pattern(r"^[a-z]+$").regex.flags & re.ASCII


def test_a_text_pattern_refuses_bytes_as_invalid_not_with_a_type_error():
    # Regexp's signature also takes bytes; a Pattern is made from text, so bytes never match.
    slug = Pattern(SLUG_RE)
    assert slug("clermont-ferrand") == "clermont-ferrand"
    with pytest.raises(ma.ValidationError):
        slug(b"clermont-ferrand")
