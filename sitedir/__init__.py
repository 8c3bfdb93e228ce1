"""sitedir: the referral directory of the French sites of a CAR-T trial in adult lupus."""

import os

import swagger_ui_bundle
from flask import Flask, request, send_from_directory

from sitedir import config as settings
from sitedir.caching import register_caching
from sitedir.extensions import cors, db, migrate
from sitedir.headers import register_security_headers
from sitedir.problems import ProblemApi
from sitedir.ratelimit import apply_route_limits, register_rate_limits
from sitedir.request_log import register_request_log
from sitedir.sessions import CookieOnlySessionInterface

MIGRATIONS_DIR = os.path.join(os.path.dirname(os.path.dirname(__file__)), "migrations")
FIRST_REVISION = "1209f3de6252"  # the directory tables, as db.create_all() used to make them


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

    # First: every request gets its id and its log line, even one the rate limiter refuses.
    register_request_log(app)
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

    # Registered before CORS, so it runs after it: writes never get cross-origin headers.
    @app.after_request
    def _no_cors_on_writes(response):
        if request.method not in ("GET", "HEAD", "OPTIONS"):
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
    from sitedir.health import blp as health_blp

    register_directory(api)
    register_admin(app, api)
    app.register_blueprint(health_blp)
    apply_route_limits(app)
    from sitedir.widget import blp as widget_blp

    app.register_blueprint(widget_blp)
    assets = swagger_ui_bundle.swagger_ui_path

    # The interactive docs' JS and CSS come from a pinned package, never a CDN.
    @app.get("/api/v1/docs/assets/<path:filename>")
    def swagger_ui_assets(filename):
        return send_from_directory(assets, filename, max_age=86400)


def register_commands(app: Flask) -> None:
    from sitedir.cli import register_cli

    register_cli(app)


def prepare_database(app: Flask) -> None:
    """Bring the schema up to date (Alembic) and seed an empty database; never overwrite data."""
    from alembic.migration import MigrationContext
    from flask_migrate import stamp, upgrade
    from sqlalchemy import inspect
    from sqlalchemy.exc import IntegrityError

    from sitedir.seeding import seed_if_empty

    with app.app_context():
        with db.engine.connect() as connection:
            tables = set(inspect(connection).get_table_names())
            revision = MigrationContext.configure(connection).get_current_revision()
        if "site" in tables and revision is None:
            # A database made before migrations existed: adopt it as the first revision.
            stamp(directory=MIGRATIONS_DIR, revision=FIRST_REVISION)
        upgrade(directory=MIGRATIONS_DIR)
        try:
            counts = seed_if_empty(app.config["SEEDS_DIR"])
        except IntegrityError:
            # Another process seeded the same database a moment before us.
            db.session.rollback()
            counts = None
        if counts:
            app.logger.info("seeded an empty database: %s", counts)
