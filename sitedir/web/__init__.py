"""HTTP plumbing: what every request goes through, whatever feature answers it.

proxies              the client's address behind trusted proxies (ProxyFix)
hosts                the Host names answered (TRUSTED_HOSTS; probes whatever the Host), the
                     root of absolute URLs
sessions             the signed-cookie session, opened only when sent, never slid
request_log          a request id and one JSON log line per request
request_bodies       bodies too large (413) or nested too deep (400)
ratelimit            Flask-Limiter: the public limit by default, counters in Redis if set
ratelimit_strategy   its Redis counter: one round trip per counted request
cors                 cross-origin reads of the public API, never writes or admin answers
security_headers     nosniff, Referrer-Policy, Content-Security-Policy, HSTS
caching              ETag, Cache-Control and 304 on public reads
static_assets        static files under content-hashed URLs, kept for a year
problems             every error as problem+json (a failed database, Redis or mail server:
                     503 with Retry-After), and the flask-smorest Api
validation_messages  marshmallow's and webargs' messages in French
health               /healthz and /readyz
metrics              /metrics for Prometheus: requests by route, caches, dependencies
version              /version: the version and commit an instance runs
api_docs             the interactive docs' assets, served by the app
"""

from flask import Flask

from sitedir.web.api_docs import register_api_docs
from sitedir.web.caching import register_caching
from sitedir.web.cors import register_cors
from sitedir.web.health import register_health
from sitedir.web.hosts import trust_hosts
from sitedir.web.metrics import register_metrics, serve_metrics
from sitedir.web.problems import ProblemApi, register_dependency_errors
from sitedir.web.proxies import trust_proxies
from sitedir.web.ratelimit import register_rate_limits
from sitedir.web.request_bodies import register_request_bodies
from sitedir.web.request_log import register_request_log
from sitedir.web.routing import use_lazy_builders
from sitedir.web.security_headers import register_security_headers
from sitedir.web.sessions import CookieOnlySessionInterface
from sitedir.web.template_cache import share_compiled_templates
from sitedir.web.version import register_version


def register_web(app: Flask) -> ProblemApi:
    """Install the plumbing, in its order, and return the Api the features register on.

    Flask runs before_request hooks in the order they are registered, and after_request
    hooks in the reverse order: the list below is the way in, read it upwards for the way
    out (caching sees the answer first, the request log last).
    """
    # Before any route: URL builders compiled on first use (web/routing.py).
    use_lazy_builders(app)
    # Before the first render: templates compiled once per process (web/template_cache.py).
    share_compiled_templates(app)
    trust_proxies(app)
    # Flask checks the Host against these as it opens each request, before any hook.
    trust_hosts(app)
    app.session_interface = CookieOnlySessionInterface()
    # First: every request gets its id and its log line, even one the rate limiter refuses.
    register_request_log(app)
    # Its after_request runs just before the log line's: every answer is counted.
    register_metrics(app)
    # Then an oversized body is refused before anything reads it.
    register_request_bodies(app)
    register_rate_limits(app)
    register_cors(app)
    register_security_headers(app)
    register_caching(app)
    api = ProblemApi(app)
    register_dependency_errors(app)
    register_health(app)
    serve_metrics(app)
    register_version(app)
    register_api_docs(app)
    return api
