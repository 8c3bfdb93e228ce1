"""The client's address and scheme behind the proxies the operator says are in front."""

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix


def trust_proxies(app: Flask) -> None:
    """Read X-Forwarded-For and -Proto from PROXY_HOPS proxies; ignore them with 0 hops.

    Rate limits then count real clients, not the proxy; with 0 hops a client cannot choose
    its own address by sending the header.
    """
    hops = app.config["PROXY_HOPS"]
    if hops:
        # Flask's documented way to add a WSGI middleware; its stubs see only the method.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)  # type: ignore[method-assign]
