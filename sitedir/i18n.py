"""Pick the user's language: French first, English when the client asks for it."""

from flask import has_request_context, request

LANGUAGES = ("fr", "en")


def current_language() -> str:
    """Return 'fr' or 'en' from ?lang= or Accept-Language; French by default."""
    if not has_request_context():
        return "fr"
    asked = request.args.get("lang", "")
    if asked in LANGUAGES:
        return asked
    return request.accept_languages.best_match(LANGUAGES, default="fr") or "fr"


def t(fr: str, en: str) -> str:
    """Return the French or English text, whichever the request asks for."""
    return en if current_language() == "en" else fr
