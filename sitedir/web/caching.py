"""HTTP caching of public reads: ETag, Cache-Control, and 304 to If-None-Match.

The ETag is a hash of the body, so it changes the moment the data changes, in every
process, with nothing shared between them. `no-cache` lets browsers and proxies keep a
copy but revalidate it on each use: a paused site must never be served stale.

Every public representation gets one: the JSON API, FHIR resources and vCards. The FHIR
views and the vCard view still set their own (before this covered their media types);
theirs is kept, and this hook leaves an answer that already has an ETag as it is.
"""

from flask import Flask, request

PUBLIC_PREFIXES = ("/api/v1/", "/fhir/")
CACHEABLE_MIMETYPES = frozenset({"application/json", "application/fhir+json", "text/vcard"})
CACHE_CONTROL = "public, no-cache"


def register_caching(app: Flask) -> None:
    """Add ETag and Cache-Control to successful public GETs, and answer 304 when unchanged."""

    @app.after_request
    def _conditional(response):
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
