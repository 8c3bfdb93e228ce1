"""Errors a browser asked for as a page: a short HTML page, not problem+json.

A person who mistypes a URL, opens another site's admin page, is slowed down after too
many logins or meets a bug, in a browser (`Accept` prefers text/html), on a page route,
gets a page in French (English with ?lang=en) in the layout of where they were (the admin
one under /admin), with a way back. The API, FHIR, the widget's fragment and static files
keep problem+json, whatever the client accepts: a program reads them.
"""

from flask import Response, render_template, request

from sitedir.i18n import current_language

# Where a program, not a person, reads the answer.
MACHINE_PREFIXES = (
    "/api/",
    "/fhir",
    "/widget/answer",
    "/widget/static/",
    "/widget/embed.js",
    "/widget/theme.css",
    "/admin/static/",
    "/healthz",
    "/readyz",
)

TEXTS = {
    403: (
        ("Accès refusé", "Access denied"),
        (
            "Cette page ne vous est pas ouverte : elle concerne un centre dont vous n'êtes pas "
            "responsable, ou demande un autre rôle.",
            "This page is not open to you: it concerns a site you are not responsible for, "
            "or needs another role.",
        ),
    ),
    404: (
        ("Page introuvable", "Page not found"),
        (
            "Aucune page à cette adresse. Elle a peut-être été mal tapée, ou le lien est ancien.",
            "There is no page at this address. It may be mistyped, or the link is old.",
        ),
    ),
    429: (
        ("Trop de tentatives", "Too many attempts"),
        (
            "Trop de demandes en peu de temps depuis votre poste : patientez un moment, puis "
            "réessayez.",
            "Too many requests from your computer in a short time: wait a moment, then try again.",
        ),
    ),
    500: (
        ("Erreur inattendue", "Unexpected error"),
        (
            "Une erreur inattendue s'est produite ; elle a été enregistrée. Réessayez dans un "
            "instant.",
            "An unexpected error occurred; it has been logged. Try again in a moment.",
        ),
    ),
}
OTHER = (
    ("Demande refusée", "Request refused"),
    ("Cette demande n'a pas pu aboutir.", "This request could not be completed."),
)
RETRY = ("Réessayez dans {n} secondes.", "Try again in {n} seconds.")
RETRY_AT_MOST = ("Réessayez dans {n} secondes au plus.", "Try again in {n} seconds at most.")


def wants_page() -> bool:
    """True when a browser asked a page route for HTML (not a program for JSON)."""
    if request.path.startswith(MACHINE_PREFIXES):
        return False
    accept = request.accept_mimetypes
    best = accept.best_match(["application/problem+json", "application/json", "text/html"])
    return best == "text/html" and accept["text/html"] > accept["application/json"]


def _retry_text(status: int, headers: dict, error, index: int) -> str:
    """How long to wait after a 429: Retry-After when known, else the limit's window."""
    if status != 429:
        return ""
    retry = str(headers.get("Retry-After", ""))
    if retry.isdigit():
        return RETRY[index].format(n=retry)
    limit = getattr(getattr(error, "limit", None), "limit", None)  # Flask-Limiter's
    if limit is not None:
        return RETRY_AT_MOST[index].format(n=limit.get_expiry())
    return ""


def error_page(
    status: int, headers: dict | None = None, error=None, detail: str | None = None
) -> Response:
    """The HTML page for this error status, in the layout of where it happened; `detail`
    is a deliberate refusal's own words (abort(403, message=...)), shown under the text."""
    lang = current_language()
    index = 1 if lang == "en" else 0
    title, text = TEXTS.get(status, OTHER)
    admin = request.path.startswith("/admin")
    html = render_template(
        "errors/page.html",
        lang=lang,
        status=status,
        title=title[index],
        text=text[index],
        retry=_retry_text(status, headers or {}, error, index),
        detail=detail if status < 500 else None,
        admin=admin,
        back_href="/admin" if admin else ("/?lang=en" if lang == "en" else "/"),
        back=(
            ("Retour à l'administration", "Back to the administration")
            if admin
            else ("Retour à la recherche d'un centre", "Back to the site search")
        )[index],
    )
    response = Response(html, status=status, mimetype="text/html")
    for key, value in (headers or {}).items():
        response.headers[key] = value
    response.headers["Content-Language"] = lang
    response.vary.add("Accept")
    return response
