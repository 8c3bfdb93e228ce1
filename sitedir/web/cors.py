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
    _remember_answers_without_origin(app)


# Request headers flask-cors reads besides the method: with none of them, its headers
# depend on the route and the method only.
_CORS_REQUEST_HEADERS = ("HTTP_ORIGIN", "HTTP_ACCESS_CONTROL_REQUEST_PRIVATE_NETWORK")


def _remember_answers_without_origin(app: Flask) -> None:
    """Work out flask-cors's headers once per route and method for requests that send no
    Origin (servers, wrk, the proxy's revalidations), instead of matching its patterns
    and building its headers on every request; requests with an Origin go through it."""
    funcs = app.after_request_funcs.setdefault(None, [])
    names = [getattr(f, "__name__", None) for f in funcs]
    index = names.index("cors_after_request")
    evaluate = funcs[index]
    remembered: dict[tuple[str, str], tuple[tuple[str, str], ...]] = {}

    def cors_after_request(response):
        rule = request.url_rule
        environ = request.environ
        if (
            rule is None
            or request.method == "OPTIONS"
            or any(name in environ for name in _CORS_REQUEST_HEADERS)
            or "Access-Control-Allow-Origin" in response.headers
        ):
            return evaluate(response)
        key = (rule.rule, request.method)
        added = remembered.get(key)
        if added is None:
            before = list(response.headers.items())
            response = evaluate(response)
            after = list(response.headers.items())
            if after[: len(before)] != before:  # it changed a header: never remembered
                return response
            added = remembered[key] = tuple(after[len(before) :])
            return response
        for name, value in added:
            response.headers.add(name, value)
        return response

    funcs[index] = cors_after_request
