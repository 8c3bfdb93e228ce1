"""sitedir: the referral directory of the French sites of a CAR-T trial in adult lupus."""

import os

import swagger_ui_bundle
from flask import Flask, request, send_from_directory
from werkzeug.middleware.proxy_fix import ProxyFix

from sitedir import config as settings
from sitedir.caching import register_caching
from sitedir.database import MIGRATIONS_DIR, prepare_database
from sitedir.extensions import cors, db, migrate
from sitedir.headers import register_security_headers
from sitedir.problems import ProblemApi
from sitedir.ratelimit import apply_route_limits, register_rate_limits
from sitedir.request_bodies import register_request_bodies
from sitedir.request_log import register_request_log
from sitedir.sessions import CookieOnlySessionInterface


def create_app(config: dict | None = None) -> Flask:
    """Build the app: settings, extensions, blueprints, error handlers, CLI, first-run seed."""
    app = Flask(__name__, instance_relative_config=True)
    os.makedirs(app.instance_path, exist_ok=True)
    app.config.from_mapping(settings.from_environment(app.instance_path))
    if config:
        app.config.from_mapping(config)
    # Keep fields in the order the schemas give them (id and name first), not sorted.
    app.json.sort_keys = False
    app.session_interface = CookieOnlySessionInterface()
    hops = app.config["PROXY_HOPS"]
    if hops:
        # The client's address and scheme as the trusted proxies saw them: rate limits
        # count real clients, not the proxy. With 0 hops X-Forwarded-* is ignored.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)

    # First: every request gets its id and its log line, even one the rate limiter refuses.
    register_request_log(app)
    # Then an oversized body is refused before anything reads it.
    register_request_bodies(app)
    register_extensions(app)
    register_blueprints(app, ProblemApi(app))
    register_commands(app)
    register_security_headers(app)
    register_caching(app)
    if app.config["SEED_ON_START"]:
        prepare_database(app)
    return app


def register_extensions(app: Flask) -> None:
    db.init_app(app)
    if app.config["GEOCODER"]:
        from sitedir.places.online import OnlineGeocoder

        app.extensions["sitedir_geocoder"] = OnlineGeocoder(
            app.config["GEOCODER"],
            domain=app.config["GEOCODER_DOMAIN"],
            scheme=app.config["GEOCODER_SCHEME"],
            timeout=app.config["GEOCODER_TIMEOUT"],
        )
    migrate.init_app(app, db, directory=MIGRATIONS_DIR, render_as_batch=True)
    register_rate_limits(app)

    # Registered before CORS, so it runs after it: writes, and every admin answer (reads of
    # admin-only contacts included), never get cross-origin headers.
    @app.after_request
    def _no_cors_on_writes(response):
        if request.method not in ("GET", "HEAD", "OPTIONS") or request.blueprint == "admin_api":
            response.headers.pop("Access-Control-Allow-Origin", None)
        return response

    # Public reads are embedded on other sites (the widget); nothing else crosses origins
    # (the audit log is admin-only).
    cors.init_app(
        app,
        resources={r"/api/v1/(?!audit).*": {"origins": "*", "methods": ["GET", "HEAD"]}},
        send_wildcard=True,
    )


def register_blueprints(app: Flask, api: ProblemApi) -> None:
    from sitedir.admin import register_admin
    from sitedir.directory import register_directory
    from sitedir.events import register_events
    from sitedir.health import blp as health_blp

    register_directory(api)
    register_admin(app, api)
    register_events(app, api)
    app.register_blueprint(health_blp)
    apply_route_limits(app)
    from sitedir.widget import blp as widget_blp

    app.register_blueprint(widget_blp)
    from sitedir.fhir import register_fhir
    from sitedir.vcards import blp as vcards_blp

    register_fhir(app)
    app.register_blueprint(vcards_blp)
    assets = swagger_ui_bundle.swagger_ui_path

    # The interactive docs' JS and CSS come from a pinned package, never a CDN.
    @app.get("/api/v1/docs/assets/<path:filename>")
    def swagger_ui_assets(filename):
        return send_from_directory(assets, filename, max_age=86400)


def register_commands(app: Flask) -> None:
    from sitedir.cli import register_cli

    register_cli(app)
