"""The OpenAPI document and its interactive docs, served by the app itself."""


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
