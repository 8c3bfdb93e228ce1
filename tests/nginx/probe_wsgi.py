"""wsgi.py as gunicorn serves it, plus one probe for tests/test_nginx.py: a public read
asked with `probe=set-cookie` in its query gets a Set-Cookie header, the answer a proxy
must never keep (no sitedir route sets a cookie on a public read)."""

from wsgi import app

_wsgi = app.wsgi_app


def _with_probe(environ, start_response):
    if "probe=set-cookie" not in environ.get("QUERY_STRING", ""):
        return _wsgi(environ, start_response)

    def start(status, headers, exc_info=None):
        return start_response(status, [*headers, ("Set-Cookie", "probe=1; Path=/")], exc_info)

    return _wsgi(environ, start)


app.wsgi_app = _with_probe

__all__ = ["app"]
