"""The interactive API docs' assets, served by the app itself."""

from pathlib import Path

from flask import Flask, send_from_directory

# swagger-ui-dist from npm, vendored by tools/vendor_swagger_ui.py (version in SOURCE.json).
ASSETS = Path(__file__).resolve().parent / "static" / "swagger-ui"


def register_api_docs(app: Flask) -> None:
    """Serve Swagger UI's JS and CSS from the vendored copy, never a CDN."""

    @app.get("/api/v1/docs/assets/<path:filename>")
    def swagger_ui_assets(filename):
        return send_from_directory(ASSETS, filename, max_age=86400)
