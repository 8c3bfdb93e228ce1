"""Every error as application/problem+json (RFC 9457), rendered in one place."""

import http
import logging
import smtplib
import time

import marshmallow as ma
import redis.exceptions
from flask import Flask, Response, current_app, json
from flask_smorest.utils import prepare_response
from sqlalchemy import exc as sql
from werkzeug.exceptions import HTTPException, SecurityError, ServiceUnavailable

from sitedir.engine import ClockAhead
from sitedir.i18n import current_language, t
from sitedir.logs import dependencies, dependency_of
from sitedir.web.error_pages import error_page, wants_page
from sitedir.web.lazy_spec import LazySpecApi
from sitedir.web.validation_messages import in_french

log = logging.getLogger(__name__)

PROBLEM_MIMETYPE = "application/problem+json"

# With type about:blank, the title is the status's phrase (RFC 9457 §4.2.1), as RFC 9110
# names it (Python's table keeps older names for these).
RFC_9110_PHRASES = {
    413: "Content Too Large",
    414: "URI Too Long",
    416: "Range Not Satisfiable",
    422: "Unprocessable Content",
}
# What a person reads when no sentence of its own says more, French then English: the
# problem's `detail`.
TITLES = {
    400: ("Requête invalide", "Bad request"),
    401: ("Authentification requise", "Authentication required"),
    403: ("Accès refusé", "Forbidden"),
    404: ("Introuvable", "Not found"),
    405: ("Méthode non autorisée", "Method not allowed"),
    406: ("Format non disponible", "Not acceptable"),
    409: ("Conflit", "Conflict"),
    412: ("Modifié entre-temps", "Precondition failed"),
    413: ("Requête trop volumineuse", "Payload too large"),
    414: ("Adresse trop longue", "URI too long"),
    415: ("Type de contenu non pris en charge", "Unsupported media type"),
    422: ("Paramètres invalides", "Invalid parameters"),
    428: ("En-tête If-Match requis", "Precondition required"),
    429: ("Trop de requêtes", "Too many requests"),
    500: ("Erreur interne", "Internal server error"),
    503: ("Service indisponible", "Service unavailable"),
}


class InvalidParamSchema(ma.Schema):
    name = ma.fields.String(
        allow_none=True,
        metadata={"description": "The parameter or field at fault; null for the whole body"},
    )
    location = ma.fields.String(
        data_key="in", metadata={"description": "query, json, path or header"}
    )
    reason = ma.fields.String(metadata={"description": "Why it was refused"})


class ProblemSchema(ma.Schema):
    """RFC 9457 problem details, the body of every error."""

    type = ma.fields.String(metadata={"description": "A URI naming the problem type"})
    title = ma.fields.String(
        metadata={"description": "The HTTP status phrase (type about:blank, RFC 9457)"}
    )
    status = ma.fields.Integer(metadata={"description": "The HTTP status code"})
    detail = ma.fields.String(
        metadata={"description": "What went wrong, for a person, in French (or English)"}
    )
    instance = ma.fields.String(metadata={"description": "The request path"})
    invalid_params = ma.fields.List(
        ma.fields.Nested(InvalidParamSchema),
        metadata={"description": "The parameters that were refused, and why"},
    )
    suggestions = ma.fields.List(
        ma.fields.Dict(), metadata={"description": "Close matches, for a place not found"}
    )


def _flatten(messages, location=None, prefix=""):
    """Turn webargs' nested {location: {field: [msg]}} into a flat list."""
    out = []
    if isinstance(messages, dict):
        for key, value in messages.items():
            if location is None and key in {"query", "json", "view_args", "headers", "form"}:
                out += _flatten(value, "path" if key == "view_args" else key, "")
            else:
                name = f"{prefix}.{key}" if prefix else str(key)
                out += _flatten(value, location, name)
    elif isinstance(messages, list) and all(isinstance(m, str) for m in messages):
        reason = " ".join(_in_language(m) for m in messages)
        out.append({"name": prefix or None, "in": location, "reason": reason})
    elif isinstance(messages, list):
        for item in messages:
            out += _flatten(item, location, prefix)
    else:
        out.append({"name": prefix or None, "in": location, "reason": _in_language(str(messages))})
    return out


def _in_language(message: str) -> str:
    """A validation message in the answer's language (schemas write them in English)."""
    return in_french(message) if current_language() == "fr" else message


def status_phrase(status: int) -> str:
    """The HTTP status phrase (RFC 9110): `title` of an about:blank problem."""
    if status in RFC_9110_PHRASES:
        return RFC_9110_PHRASES[status]
    try:
        return http.HTTPStatus(status).phrase
    except ValueError:
        return "Error"


def problem_response(status, detail=None, headers=None, **extra) -> Response:
    """Build a problem+json response for `status`, with optional extension members."""
    from flask import request

    fr, en = TITLES.get(status, ("Erreur", "Error"))
    body = {"type": "about:blank", "title": status_phrase(status), "status": status}
    body["detail"] = detail or t(fr, en) + "."
    body["instance"] = request.path
    body.update({k: v for k, v in extra.items() if v is not None})
    response = Response(json.dumps(body), status=status, mimetype=PROBLEM_MIMETYPE)
    for key, value in (headers or {}).items():
        response.headers[key] = value
    return response


class ProblemApi(LazySpecApi):
    """flask-smorest's Api, with its errors rendered and documented as problem+json (and
    its OpenAPI document written on first read: web/lazy_spec.py)."""

    # flask-smorest's way to document another error body; its attribute is unannotated,
    # so mypy takes its default's class (ErrorSchema) for the only one allowed.
    ERROR_SCHEMA = ProblemSchema  # type: ignore[assignment]

    def _register_responses(self):
        """Document every error response as application/problem+json, as it is sent."""
        for status in http.HTTPStatus:
            response: dict[str, object] = {"description": status.phrase}
            if not (100 <= status < 200) and status not in (204, 304):
                response["schema"] = self.ERROR_SCHEMA
            prepare_response(response, self.spec, PROBLEM_MIMETYPE)
            self.spec.components.response(status.name, response, lazy=True)
        response = {"description": "Error (problem details)", "schema": self.ERROR_SCHEMA}
        prepare_response(response, self.spec, PROBLEM_MIMETYPE)
        self.spec.components.response("DEFAULT_ERROR", response, lazy=True)

    def handle_http_exception(self, error: HTTPException):
        """Render any HTTPException (abort, routing, validation, 500) as problem+json."""
        status = error.code or 500
        data = getattr(error, "data", None) or {}
        headers = dict(data.get("headers") or {})
        allowed = getattr(error, "valid_methods", None)  # MethodNotAllowed's, and only its
        if status == 405 and allowed:
            headers["Allow"] = ", ".join(allowed)
        detail = data.get("message")
        invalid = None
        messages = data.get("errors") or data.get("messages")
        if messages:
            invalid = _flatten(messages)
            if not detail:
                detail = t(
                    "Certains paramètres sont invalides : ", "Some parameters are invalid: "
                ) + "; ".join(
                    f"{p['name']}: {p['reason']}" if p["name"] else p["reason"] for p in invalid
                )
        if status >= 500 and not (detail and data):
            # Not a deliberate abort(…, message=…): never leak internals to the client.
            # Logged already, once, by Flask ("Exception on <path> [GET]", with the
            # request id and the traceback folded: sitedir.logs).
            detail = t(
                "Une erreur inattendue s'est produite ; elle a été enregistrée.",
                "An unexpected error occurred; it has been logged.",
            )
        elif not detail:
            detail = _default_detail(status, error)
        if wants_page():  # a browser on a page route: a page, with a way back
            return error_page(status, headers, error, data.get("message"))
        return problem_response(
            status,
            detail,
            headers,
            invalid_params=invalid,
            suggestions=data.get("suggestions"),
        )


def _default_detail(status: int, error: HTTPException) -> str:
    if isinstance(error, SecurityError):
        # Flask's TRUSTED_HOSTS refused the Host header (web/hosts.py); not echoed back.
        return t(
            "Ce service ne répond pas sous ce nom d'hôte (en-tête Host non reconnu).",
            "This service does not answer under this host name (untrusted Host header).",
        )
    if status == 404:
        return t("Aucune ressource à cette adresse.", "Nothing at this address.")
    if status == 405:
        return t("Cette méthode n'est pas acceptée ici.", "This method is not accepted here.")
    return error.description or ""


# A dependency that is down, hung or refusing (the database, Redis, the mail server): the
# request may succeed in a moment, so it is a 503 with Retry-After, never an anonymous 500.
# A query that is wrong (ProgrammingError, IntegrityError) is not among them.
DEPENDENCY_ERRORS = (
    sql.OperationalError,
    sql.InterfaceError,
    sql.TimeoutError,
    redis.exceptions.ConnectionError,
    redis.exceptions.TimeoutError,
    smtplib.SMTPException,
    ClockAhead,
    ConnectionError,
    TimeoutError,
)
RETRY_AFTER_SECONDS = 10


class DependencyUnavailable(ServiceUnavailable):
    """A 503 for a failed dependency, rendered by whatever renders HTTP errors (the hook:
    a handler registered for HTTPException, problem+json here, sees this one too)."""

    def __init__(self):
        super().__init__()
        self.data = {
            "message": t(
                "Un service dont l'annuaire dépend ne répond pas pour le moment ; "
                "réessayez dans quelques secondes.",
                "A service this directory depends on is not answering; try again in a few seconds.",
            ),
            "headers": {"Retry-After": str(RETRY_AFTER_SECONDS)},
        }


def register_dependency_errors(app: Flask) -> None:
    """Answer every DEPENDENCY_ERRORS with a 503 (problem+json, Retry-After), logged on one
    line without its traceback."""

    def _unavailable(error: Exception):
        from sitedir.web.metrics import count_dependency_error  # metrics imports this module

        count_dependency_error(error)
        # One line when the dependency starts failing, one when it answers again
        # (sitedir.logs): not a line per request.
        dependencies.down(dependency_of(error), error)
        return current_app.handle_http_exception(DependencyUnavailable())

    for kind in DEPENDENCY_ERRORS:
        app.register_error_handler(kind, _unavailable)

    checked = {"at": 0.0}

    @app.after_request
    def _redis_back(response):
        # The database says it is back at its next checkout (sitedir.engine), the mail
        # server at its next message; Redis is asked (a PING) at most every 5 s.
        if dependencies.is_down("redis") and time.monotonic() - checked["at"] > 5:
            from sitedir.web.ratelimit import counters_shared

            checked["at"] = time.monotonic()
            if counters_shared(app):
                dependencies.up("redis")
        return response
