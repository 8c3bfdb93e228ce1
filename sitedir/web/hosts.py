"""Which Host headers the app answers, and the root every absolute URL starts with.

A client chooses its Host header. Absolute URLs (the Atom feed, FHIR fullUrls, vCard
uids, links in emails) built from it would let `Host: evil.example` into cached public
answers and into password-reset mails. So:

- absolute URLs come from SITEDIR_PUBLIC_URL when it is set, whatever the request says;
- without it, from the request's host, which Flask's TRUSTED_HOSTS has checked before
  any view or hook runs: a host not in SITEDIR_TRUSTED_HOSTS (nor SITEDIR_PUBLIC_URL's
  own) is a 400 problem+json, never a 500.

X-Forwarded-Host is never read (ProxyFix is not told to): a proxy passes Host through.

The probes (/healthz, /readyz, /version) are answered whatever the Host: a load balancer or an
orchestrator probes each instance by its address (`Host: 10.0.3.7:8000`), which no list of
names can hold, and their answers hold no URL, so the Host has nothing to reach there.
"""

from urllib.parse import urlsplit

from flask import Flask, current_app, request
from flask_smorest import abort

from sitedir.config import DEFAULT_TRUSTED_HOSTS, HOST_NAME, SettingError, host_names
from sitedir.i18n import t

# The paths answered whatever the Host: sitedir.web.health's probes.
PROBE_PATHS = frozenset({"/healthz", "/readyz", "/version"})


class ProbesFromAnyHost:
    """WSGI middleware: a GET or HEAD of a probe is taken as addressed to a trusted name.

    Flask checks the Host before routing, for every path; this gives a probe a Host it
    trusts instead, and leaves every other request as it came.
    """

    def __init__(self, wsgi_app, host: str):
        self.wsgi_app = wsgi_app
        self.host = host

    def __call__(self, environ, start_response):
        """Answer the request, a probe under the trusted name."""
        if environ.get("PATH_INFO") in PROBE_PATHS and environ.get("REQUEST_METHOD") in (
            "GET",
            "HEAD",
        ):
            environ = {**environ, "HTTP_HOST": self.host}
        return self.wsgi_app(environ, start_response)


def trust_hosts(app: Flask) -> None:
    """Give Flask its TRUSTED_HOSTS: the configured names and SITEDIR_PUBLIC_URL's host;
    and answer the probes whatever their Host."""
    configured = app.config.get("TRUSTED_HOSTS") or DEFAULT_TRUSTED_HOSTS
    # A string is a setting's text (comma-separated), not a list of one-letter names.
    try:
        names = host_names(configured) if isinstance(configured, str) else list(configured)
    except ValueError as error:
        raise SettingError(f"SITEDIR_TRUSTED_HOSTS: expected {error}") from None
    for name in names:
        if not HOST_NAME.fullmatch(name):
            # werkzeug would never match it: every request would be a 400, silently.
            raise SettingError(
                f"SITEDIR_TRUSTED_HOSTS: {name!r} is not a host name (`annuaire.example.fr`, "
                "`.example.fr` for its subdomains, `127.0.0.1`; no scheme, path or `*`)"
            )
    public = app.config.get("PUBLIC_URL")
    if public:
        host = urlsplit(public).hostname
        if not host:
            raise SettingError(f"SITEDIR_PUBLIC_URL is not an absolute URL: {public!r}")
        names.append(host)
    # Never empty: werkzeug trusts every host when the list is empty.
    app.config["TRUSTED_HOSTS"] = sorted(set(names))
    # ".chu.example" admits chu.example itself: a name werkzeug trusts, without the dot.
    # A WSGI middleware, the way Flask documents it (its stubs see only the method).
    app.wsgi_app = ProbesFromAnyHost(  # type: ignore[method-assign]
        app.wsgi_app, app.config["TRUSTED_HOSTS"][0].lstrip(".")
    )


def public_root() -> str:
    """The scheme and host of every absolute URL: `https://annuaire.example.fr`.

    SITEDIR_PUBLIC_URL when set; else the request's host, one of TRUSTED_HOSTS, and its
    scheme, which must be http or https: behind SITEDIR_PROXY_HOPS, ProxyFix takes any
    X-Forwarded-Proto, and a proxy that does not set it passes on the client's.
    """
    if current_app.config.get("PUBLIC_URL"):
        return current_app.config["PUBLIC_URL"]
    if request.scheme not in ("http", "https"):
        abort(
            400,
            message=t(
                "Protocole inconnu (en-tête X-Forwarded-Proto) : http ou https seulement.",
                "Unknown protocol (X-Forwarded-Proto header): http or https only.",
            ),
        )
    return request.host_url.rstrip("/")
