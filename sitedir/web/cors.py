"""Cross-origin reads: the public API is read from other sites (the widget); nothing else is,
but for one public write: a doctor's contact request (no credentials, any origin)."""

import re

from flask import Flask, request
from flask_cors import CORS

# Public reads, except the audit log (admin-only).
PUBLIC_READS = r"/api/v1/(?!audit).*"
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")
# The one public write (sitedir.contact): protected by its signed form token, not by origin.
PUBLIC_WRITES = r"/api/v1/sites/[^/]+/contact-requests"
# A FHIR search sent as a form is a read (fhir/views.py sets its own CORS headers).
READ_BY_POST = ("fhir.search_post",)


def register_cors(app: Flask) -> None:
    """Allow any origin to read the public API; never on writes or admin answers."""

    # Registered before CORS, so it runs after it: writes, and every admin answer (reads of
    # admin-only contacts included), never get cross-origin headers.
    @app.after_request
    def _no_cors_on_writes(response):
        public_write = request.method == "POST" and (
            re.fullmatch(PUBLIC_WRITES, request.path) or request.endpoint in READ_BY_POST
        )
        if (request.method not in SAFE_METHODS and not public_write) or (
            request.blueprint == "admin_api"
        ):
            response.headers.pop("Access-Control-Allow-Origin", None)
        return response

    CORS(
        app,
        resources={
            PUBLIC_WRITES: {"origins": "*", "methods": ["POST"]},
            PUBLIC_READS: {"origins": "*", "methods": ["GET", "HEAD"]},
        },
        send_wildcard=True,
    )
