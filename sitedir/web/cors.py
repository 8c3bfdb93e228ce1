"""Cross-origin reads: the public API is read from other sites (the widget); nothing else is."""

from flask import Flask, request
from flask_cors import CORS

# Public reads, except the audit log (admin-only).
PUBLIC_READS = r"/api/v1/(?!audit).*"
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


def register_cors(app: Flask) -> None:
    """Allow any origin to read the public API; never on writes or admin answers."""

    # Registered before CORS, so it runs after it: writes, and every admin answer (reads of
    # admin-only contacts included), never get cross-origin headers.
    @app.after_request
    def _no_cors_on_writes(response):
        if request.method not in SAFE_METHODS or request.blueprint == "admin_api":
            response.headers.pop("Access-Control-Allow-Origin", None)
        return response

    CORS(
        app,
        resources={PUBLIC_READS: {"origins": "*", "methods": ["GET", "HEAD"]}},
        send_wildcard=True,
    )
