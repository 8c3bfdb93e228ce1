"""HTTP caching of public reads: ETag, Cache-Control, and 304 to If-None-Match.

The ETag is a hash of the body, so it changes the moment the data changes, in every
process, with nothing shared between them. `no-cache` lets browsers and proxies keep a
copy but revalidate it on each use: a paused site must never be served stale.

Every public representation gets one here, and only here: the JSON API, FHIR resources,
vCards and the Atom feed. A view that sets its own ETag keeps it (a site's is its version,
which writers send back in If-Match; nearest's is computed once with its cached body).
"""

from flask import Flask, g, request

PUBLIC_PREFIXES = ("/api/v1/", "/fhir/")
CACHEABLE_MIMETYPES = frozenset(
    {"application/json", "application/fhir+json", "text/vcard", "application/atom+xml"}
)
CACHE_CONTROL = "public, no-cache"
# RFC 7234's warn-code 110: the answer comes from the last good snapshot, the database
# could not be checked (readmodel/degraded.py).
STALE_WARNING = '110 - "Response is Stale"'


def register_caching(app: Flask) -> None:
    """Add ETag and Cache-Control to successful public GETs, and answer 304 when unchanged."""

    @app.after_request
    def _conditional(response):
        if g.get("sitedir_degraded"):
            # Answered from memory while the database failed (readmodel/degraded.py).
            response.headers["Warning"] = STALE_WARNING
        if (
            request.method in ("GET", "HEAD")
            and request.path.startswith(PUBLIC_PREFIXES)
            and response.status_code == 200
            and response.mimetype in CACHEABLE_MIMETYPES
            and "Authorization" not in request.headers
        ):
            response.headers.setdefault("Cache-Control", CACHE_CONTROL)
            if not response.get_etag()[0]:
                response.add_etag()
            response.make_conditional(request)
        return response
