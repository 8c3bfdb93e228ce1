"""Every FHIR error as an OperationOutcome, with the HTTP status that says what went wrong.

The app renders errors as problem+json; under /fhir a client expects an OperationOutcome,
so the FHIR blueprint registers these handlers for itself (blueprint handlers come first).
"""

import logging

from flask import Blueprint, Response, json
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge

from sitedir.fhir.definitions import FHIR_MIMETYPE
from sitedir.i18n import t
from sitedir.web.metrics import count_dependency_error
from sitedir.web.problems import DEPENDENCY_ERRORS, RETRY_AFTER_SECONDS

log = logging.getLogger(__name__)

# FHIR's IssueType for the HTTP statuses we send.
ISSUE_CODES = {
    400: "invalid",
    401: "login",
    403: "forbidden",
    404: "not-found",
    405: "not-supported",
    406: "not-supported",
    413: "too-long",
    414: "too-long",
    415: "not-supported",
    429: "throttled",
    503: "transient",
}


class FhirError(Exception):
    """A request this server refuses: the HTTP status, the issue code, and why, in words."""

    def __init__(self, status: int, diagnostics: str, code: str | None = None, **kwargs):
        super().__init__(diagnostics)
        self.status = status
        self.code = code or ISSUE_CODES.get(status, "processing")
        self.diagnostics = diagnostics
        self.expression = kwargs.get("expression")
        self.headers = kwargs.get("headers") or {}
        self.notes = kwargs.get("notes") or []


def issue(severity: str, code: str, diagnostics: str, expression: str | None = None) -> dict:
    """One OperationOutcome issue."""
    out = {"severity": severity, "code": code, "diagnostics": diagnostics}
    if expression:
        out["expression"] = [expression]
    return out


def outcome(issues: list[dict]) -> dict:
    """An OperationOutcome resource holding these issues."""
    return {"resourceType": "OperationOutcome", "issue": issues}


def outcome_response(error: FhirError) -> Response:
    """The OperationOutcome of an error, with its status and headers."""
    issues = [issue("error", error.code, error.diagnostics, error.expression)]
    issues += [issue("information", "informational", note) for note in error.notes]
    response = Response(json.dumps(outcome(issues)), status=error.status, mimetype=FHIR_MIMETYPE)
    response.headers.update(error.headers)
    return response


def from_http_exception(error: HTTPException) -> FhirError:
    """Read an HTTPException (an abort with a message, routing, the rate limiter) as FHIR."""
    status = error.code or 500
    data = getattr(error, "data", None) or {}
    headers = dict(data.get("headers") or {})
    if status == 405 and getattr(error, "valid_methods", None):
        headers["Allow"] = ", ".join(error.valid_methods)
    if status == 429:
        # Flask-Limiter's own response carries Retry-After: keep it.
        limited = error.get_response()
        if "Retry-After" in limited.headers:
            headers["Retry-After"] = limited.headers["Retry-After"]
    if status == 429:
        limit = error.description
        detail = t(
            f"Trop de requêtes : réessayez dans un instant (limite : {limit}).",
            f"Too many requests: try again in a moment (limit: {limit}).",
        )
    elif status >= 500:
        detail = t(
            "Une erreur inattendue s'est produite ; elle a été enregistrée.",
            "An unexpected error occurred; it has been logged.",
        )
    else:
        detail = data.get("message") or error.description or str(status)
    # Places that a town not found may have meant ("did you mean").
    notes = [
        t(f"Vouliez-vous dire : {s['label']} ?", f"Did you mean: {s['label']}?")
        for s in data.get("suggestions") or []
        if isinstance(s, dict) and s.get("label")
    ]
    return FhirError(status, detail, headers=headers, notes=notes)


def register_error_handlers(blueprint: Blueprint) -> None:
    """Render every error raised under this blueprint as an OperationOutcome."""

    @blueprint.errorhandler(FhirError)
    def _fhir_error(error: FhirError):
        return outcome_response(error)

    # Registered by class and by code: the app's own 413 handler would otherwise win.
    @blueprint.errorhandler(RequestEntityTooLarge)
    @blueprint.errorhandler(HTTPException)
    def _http_error(error: HTTPException):
        if (error.code or 500) >= 500:
            log.exception("unhandled FHIR error", exc_info=error)
        return outcome_response(from_http_exception(error))

    # The database (or Redis) down with nothing in memory to answer from: a 503 the client
    # may retry, as the JSON API's (web/problems.py), never an anonymous 500. While the
    # read model holds a good read, FHIR answers from it instead (readmodel/degraded.py).
    def _unavailable(error: Exception):
        count_dependency_error(error)
        log.error(
            "FHIR: dependency failed: %s: %s",
            type(error).__name__,
            (str(error).splitlines() or [""])[0],
        )
        diagnostics = t(
            "Un service dont l'annuaire dépend ne répond pas pour le moment ; "
            "réessayez dans quelques secondes.",
            "A service this directory depends on is not answering; try again in a few seconds.",
        )
        headers = {"Retry-After": str(RETRY_AFTER_SECONDS)}
        return outcome_response(FhirError(503, diagnostics, code="transient", headers=headers))

    for kind in DEPENDENCY_ERRORS:
        blueprint.register_error_handler(kind, _unavailable)

    @blueprint.errorhandler(Exception)
    def _unexpected(error: Exception):
        log.exception("unhandled FHIR error", exc_info=error)
        diagnostics = t(
            "Une erreur inattendue s'est produite ; elle a été enregistrée.",
            "An unexpected error occurred; it has been logged.",
        )
        return outcome_response(FhirError(500, diagnostics, code="exception"))
