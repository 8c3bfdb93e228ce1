"""The interactive API docs' assets, served by the app itself."""

from pathlib import Path

from flask import Flask, send_from_directory

HERE = Path(__file__).resolve().parent
# swagger-ui-dist from npm, vendored by tools/vendor_swagger_ui.py (version in SOURCE.json).
ASSETS = HERE / "static" / "swagger-ui"


def register_api_docs(app: Flask) -> None:
    """Serve Swagger UI's JS and CSS from the vendored copy, never a CDN, and the script
    that starts it (the docs page has no inline script)."""

    @app.get("/api/v1/docs/assets/<path:filename>")
    def swagger_ui_assets(filename):
        return send_from_directory(ASSETS, filename, max_age=86400)

    @app.get("/api/v1/docs/start.js", endpoint="api_docs_start")
    def api_docs_start():
        return send_from_directory(HERE, "api_docs.js", max_age=3600)
