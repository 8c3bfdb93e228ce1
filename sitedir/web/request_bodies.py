"""Hostile request bodies: too large is refused before it is read, too deep is a 400.

Flask (werkzeug) refuses an oversized body only when something reads it, and a multipart
form is spooled to disk as it is parsed: without a limit, an anonymous 300 MB POST was
read in full before CSRF refused it. Here a declared Content-Length over the limit is
answered 413 before any other step; a chunked body (no length declared) is read up to
the limit, and answered 413 if it goes on.

The API answers in problem+json; a person posting an admin form gets a short page
instead, in French with the English below.

A JSON body nested deeper than Python's recursion limit (a few kilobytes of "[[[[...")
makes the JSON parser raise RecursionError, which no parser turns into a client error:
it is answered here as the 400 it is.
"""

import io

from flask import Flask, render_template_string, request
from werkzeug.exceptions import RequestEntityTooLarge

from sitedir.i18n import t
from sitedir.web.problems import problem_response

TOO_LARGE_PAGE = """<!doctype html>
<html lang="fr"><head><meta charset="utf-8"><title>Envoi trop volumineux</title></head>
<body><main>
<h1>Envoi trop volumineux</h1>
<p>Ce formulaire dépasse la taille acceptée ({{ limit }} octets) : rien n'a été enregistré.
Revenez à la page précédente, raccourcissez le texte, puis recommencez.</p>
<p lang="en">This form is larger than accepted ({{ limit }} bytes): nothing was saved.
Go back, shorten the text, then try again.</p>
<p><a href="/admin/">Retour à l'administration</a></p>
</main></body></html>"""


BODYLESS = ("GET", "HEAD", "OPTIONS")


def _buffer_undeclared_body(limit: int) -> None:
    """Read a body sent without Content-Length (chunked) up to the limit, or answer 413.

    werkzeug would silently cut such a body at the limit, and a truncated form or JSON
    document would then be refused for the wrong reason. At most limit + 1 bytes are read.
    """
    environ = request.environ
    if not environ.get("wsgi.input_terminated"):
        return  # the server cannot tell where such a body ends: werkzeug reads none of it
    data = environ["wsgi.input"].read(limit + 1)
    if len(data) > limit:
        raise RequestEntityTooLarge()
    environ["wsgi.input"] = io.BytesIO(data)
    # Its headers read the environ: from here on the body has a length like any other.
    environ["CONTENT_LENGTH"] = str(len(data))
    environ.pop("HTTP_TRANSFER_ENCODING", None)


def register_request_bodies(app: Flask) -> None:
    """Refuse bodies over MAX_CONTENT_LENGTH with 413 (a page on /admin, else problem+json)
    and JSON bodies nested too deep to parse with 400."""

    @app.before_request
    def _refuse_oversize():
        limit = app.config.get("MAX_CONTENT_LENGTH")
        if limit is None:
            return
        length = request.content_length
        if length is not None:
            if length > limit:
                raise RequestEntityTooLarge()
        elif request.method not in BODYLESS:
            _buffer_undeclared_body(limit)

    @app.errorhandler(RequestEntityTooLarge)
    def _too_large(error):
        limit = app.config.get("MAX_CONTENT_LENGTH")
        if request.path.startswith("/admin"):
            page = render_template_string(TOO_LARGE_PAGE, limit=limit)
            return page, 413, {"Cache-Control": "no-store"}
        detail = t(
            f"Le corps de la requête dépasse {limit} octets.",
            f"The request body is larger than {limit} bytes.",
        )
        return problem_response(413, detail)

    @app.errorhandler(RecursionError)
    def _too_deep(error):
        if not request.is_json:
            raise error  # not the body's fault: a real server error, logged as one
        detail = t(
            "Le corps JSON est imbriqué trop profondément.",
            "The JSON body is nested too deeply.",
        )
        return problem_response(400, detail)
