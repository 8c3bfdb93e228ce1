"""The app factory, to be read as a table of contents: settings, web plumbing, extensions,
features, commands."""

import os
from collections.abc import Callable
from typing import cast

from flask import Flask
from flask.json.provider import DefaultJSONProvider

from sitedir import engine, logs
from sitedir.admin import register_admin
from sitedir.cli import register_cli
from sitedir.config import from_environment
from sitedir.contact import register_contact
from sitedir.database import MIGRATIONS_DIR, prepare_database
from sitedir.directory import register_directory
from sitedir.events import register_events
from sitedir.extensions import db, migrate
from sitedir.fhir import register_fhir
from sitedir.legal import register_legal
from sitedir.places.online import OnlineGeocoder
from sitedir.vcards.cards import register_vcards
from sitedir.web import register_web
from sitedir.web.problems import ProblemApi
from sitedir.web.static_assets import register_static_assets
from sitedir.widget import register_widget


def create_app(config: dict | None = None) -> Flask:
    """Build the app: settings, web plumbing, extensions, features, CLI, first-run seed."""
    logs.configure()  # JSON lines on every logger: the server, the commands, the worker
    # Named for the package: its templates, instance folder and logger, as before app.py.
    app = Flask(__package__, instance_relative_config=True)
    os.makedirs(app.instance_path, exist_ok=True)
    # The settings table (config.py): `config` first, then the environment, then defaults.
    app.config.from_mapping(from_environment(app.instance_path, config))
    # Keep fields in the order the schemas give them (id and name first), not sorted.
    cast(DefaultJSONProvider, app.json).sort_keys = False

    api = register_web(app)
    register_extensions(app)
    register_features(app, api)
    register_cli(app)
    # Once every blueprint is known: their static files' URLs carry a content hash.
    register_static_assets(app)
    # Last: a first run on an empty database creates the tables and loads the seeds.
    if app.config["SEED_ON_START"]:
        prepare_database(app)
    return app


def register_extensions(app: Flask) -> None:
    """Bind the database (with its timeouts), the migrations and, when configured, the
    online geocoder."""
    engine.configure(app.config)
    db.init_app(app)
    with app.app_context():
        engine.install_hooks(db.engine, app.config)
    if app.config["GEOCODER"]:
        app.extensions["sitedir_geocoder"] = OnlineGeocoder(
            app.config["GEOCODER"],
            domain=app.config["GEOCODER_DOMAIN"],
            scheme=app.config["GEOCODER_SCHEME"],
            timeout=app.config["GEOCODER_TIMEOUT"],
        )
    migrate.init_app(app, db, directory=MIGRATIONS_DIR, render_as_batch=True)


# Each feature owns its blueprints, commands and hooks, registered the same way,
# `register(app, api)`, in this order: contact requests before admin (their admin read
# joins the admin API's blueprint). A new feature is a package with such a function, and a
# row here (docs/ARCHITECTURE.md, "Where each kind of change goes").
FEATURES: tuple[Callable[[Flask, ProblemApi], None], ...] = (
    register_directory,  # the public JSON API
    register_contact,
    register_admin,
    register_events,  # the outbox's feed and webhooks
    register_widget,  # the search page, study list, frame and configurator
    register_fhir,
    register_vcards,  # in the OpenAPI document
    register_legal,
)


def register_features(app: Flask, api: ProblemApi) -> None:
    """Register every feature of FEATURES, in order."""
    for register in FEATURES:
        register(app, api)
