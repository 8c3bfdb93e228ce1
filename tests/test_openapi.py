"""The OpenAPI document and its interactive docs, served by the app itself."""

import hashlib
import json
import re


def test_openapi_document_lists_every_public_endpoint(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    assert spec["openapi"].startswith("3.")
    for path in (
        "/api/v1/studies",
        "/api/v1/studies/{slug}",
        "/api/v1/sites",
        "/api/v1/sites/{site_id}",
        "/api/v1/reference-centres",
        "/api/v1/places",
        "/api/v1/nearest",
    ):
        assert path in spec["paths"], path
    assert "Problem" in spec["components"]["schemas"]
    nearest = spec["paths"]["/api/v1/nearest"]["get"]
    names = {p["name"] for p in nearest["parameters"]}
    assert {
        "q",
        "postcode",
        "insee",
        "lat",
        "lon",
        "study",
        "limit",
        "radius_km",
        "region",
    } <= names


def test_docs_page_loads_its_assets_from_the_app(client):
    page = client.get("/api/v1/docs").get_data(as_text=True)
    assert "/api/v1/docs/assets/swagger-ui-bundle.js" in page
    assert "http://" not in page and "https://" not in page
    for asset in ("swagger-ui-bundle.js", "swagger-ui.css", "swagger-ui-standalone-preset.js"):
        response = client.get(f"/api/v1/docs/assets/{asset}")
        assert response.status_code == 200, asset
        response.close()


def test_docs_page_has_the_strict_csp_and_no_inline_script(client):
    response = client.get("/api/v1/docs")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self';" in csp and "style-src 'self';" in csp
    assert "unsafe-inline" not in csp
    page = response.get_data(as_text=True)
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", page, re.S)
    assert len(scripts) == 2
    assert all("src=" in attributes and not body.strip() for attributes, body in scripts)
    assert "style=" not in page and "<style" not in page
    start = client.get("/api/v1/docs/start.js")
    assert start.status_code == 200 and "SwaggerUIBundle" in start.get_data(as_text=True)


def test_vendored_swagger_ui_is_the_recorded_release_with_a_current_dompurify():
    """The files served are swagger-ui-dist's as SOURCE.json records them (a hand edit or a
    partial re-vendoring fails here), and the DOMPurify inside is 3 or later (2.x has
    public advisories)."""
    from sitedir.web.api_docs import ASSETS
    from tools.vendor_swagger_ui import FILES, dompurify_version

    source = json.loads((ASSETS / "SOURCE.json").read_text(encoding="utf-8"))
    assert source["package"] == "swagger-ui-dist"
    assert int(source["version"].split(".")[0]) >= 5
    assert sorted(source["files"]) == sorted(FILES)
    assert sorted(p.name for p in ASSETS.iterdir()) == sorted([*FILES, "SOURCE.json"])
    for name, digest in source["files"].items():
        assert hashlib.sha256((ASSETS / name).read_bytes()).hexdigest() == digest, name
    bundle = (ASSETS / "swagger-ui-bundle.js").read_bytes()
    assert dompurify_version(bundle) >= (3, 0, 0)
    assert ".".join(map(str, dompurify_version(bundle))) == source["dompurify"]
    notices = (ASSETS / "swagger-ui-bundle.js.LICENSE.txt").read_text(encoding="utf-8")
    assert f"DOMPurify {source['dompurify']}" in notices


def test_dompurify_version_reads_the_bundle():
    from tools.vendor_swagger_ui import dompurify_version

    assert dompurify_version(b'x;DOMPurify.version="2.3.10",DOMPurify.removed=[]') == (2, 3, 10)


def _inputs(spec):
    """(where, schema) for each query parameter and JSON body property, nested ones too."""

    def properties(schema, where):
        while "$ref" in schema:
            schema = spec["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
        for option in schema.get("anyOf", []):
            yield from properties(option, where)
        for name, prop in schema.get("properties", {}).items():
            if "properties" in prop or "$ref" in prop or "anyOf" in prop:
                yield from properties(prop, f"{where}.{name}")
            else:
                yield f"{where}.{name}", prop

    for path, item in spec["paths"].items():
        for method, operation in item.items():
            if method == "parameters":
                continue
            label = f"{method.upper()} {path}"
            for parameter in item.get("parameters", []) + operation.get("parameters", []):
                if parameter["in"] == "query":
                    yield f"{label} ?{parameter['name']}", parameter["schema"]
            body = operation.get("requestBody", {}).get("content", {}).get("application/json")
            if body:
                yield from properties(body["schema"], label)


def test_every_text_input_says_what_it_accepts(client):
    """A string taken in a query or a body has a pattern, a choice or a format: the
    fuzzer's valid requests are then accepted (no control characters sneak through)."""
    spec = client.get("/api/v1/openapi.json").get_json()
    loose = [
        where
        for where, schema in _inputs(spec)
        if schema.get("type") == "string" and not ({"pattern", "enum", "format"} & schema.keys())
    ]
    assert not loose


def test_every_pattern_is_anchored_at_both_ends(client):
    """Python checks each pattern against the whole value; ECMA, unanchored, would search."""
    spec = client.get("/api/v1/openapi.json").get_json()
    for where, schema in _inputs(spec):
        if "pattern" in schema:
            assert schema["pattern"].startswith("^") and schema["pattern"].endswith("$"), where


def test_the_document_states_the_bounds_python_enforces(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    nearest = {
        p["name"]: p["schema"] for p in spec["paths"]["/api/v1/nearest"]["get"]["parameters"]
    }
    # radius_km=0 is refused: the minimum is excluded (OpenAPI 3.0's boolean form).
    assert nearest["radius_km"]["minimum"] == 0 and nearest["radius_km"]["exclusiveMinimum"] is True
    schemas = spec["components"]["schemas"]
    website = schemas["InstitutionIn"]["properties"]["website"]
    assert website["pattern"].startswith("^https?://") and website["nullable"] is True
    assert "format" not in schemas["ContactIn"]["properties"]["email"]  # the pattern says it
    # PATCH /sites/{id} refuses {}: "give at least one field".
    assert schemas["SitePatch"].get("minProperties") == 1, (
        "publish it: api.document(lambda spec: spec.components.schema('SitePatch', "
        "{'minProperties': 1}, schema=SitePatchSchema)) before the admin blueprint"
    )


def test_what_the_document_declares_is_what_the_api_does(client):
    """q's limits, the garbage cursor's 400 and the vCards are in the document, as served."""
    from sitedir.places.search import MAX_QUERY_CHARS, MAX_QUERY_WORDS
    from tests.helpers import assert_problem

    spec = client.get("/api/v1/openapi.json").get_json()
    for path in ("/api/v1/nearest", "/api/v1/places"):
        operation = spec["paths"][path]["get"]
        [q] = [p for p in operation["parameters"] if p["name"] == "q"]
        assert q["schema"]["maxLength"] == MAX_QUERY_CHARS
        assert f"{MAX_QUERY_WORDS} words" in q["description"]
        assert "400" in operation["responses"]
        # As long as documented: searched (a 404 at worst), never refused as too long.
        longest = " ".join(["Vichy"] * 15) + "x" * (MAX_QUERY_CHARS - 89)
        assert len(longest) == MAX_QUERY_CHARS
        assert client.get(path, query_string={"q": longest}).status_code in (200, 404)
        assert_problem(client.get(path, query_string={"q": longest + "x"}), 422)
        assert_problem(client.get(path, query_string={"q": " ".join(["ab"] * 16)}), 400)
    sites = spec["paths"]["/api/v1/sites"]["get"]["responses"]
    assert "400" in sites
    assert_problem(client.get("/api/v1/sites?cursor=garbage"), 400)
    vcf = spec["paths"]["/api/v1/sites/{site_id}/contacts.vcf"]["get"]
    assert "text/vcard" in vcf["responses"]["200"]["content"]
    assert "404" in vcf["responses"]
