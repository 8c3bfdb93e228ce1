"""The interactive API docs' assets, served by the app itself."""

import swagger_ui_bundle
from flask import Flask, send_from_directory

ASSETS = swagger_ui_bundle.swagger_ui_path


def register_api_docs(app: Flask) -> None:
    """Serve Swagger UI's JS and CSS from a pinned package, never a CDN."""

    @app.get("/api/v1/docs/assets/<path:filename>")
    def swagger_ui_assets(filename):
        return send_from_directory(ASSETS, filename, max_age=86400)
