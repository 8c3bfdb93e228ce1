"""The schema comes from Alembic migrations, and they agree with the models."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import upgrade

from sitedir import MIGRATIONS_DIR, create_app
from sitedir.extensions import db


def test_models_and_migrations_agree(app):
    with app.app_context(), db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, db.metadata) == []


def test_start_up_runs_the_migrations(app):
    with app.app_context(), db.engine.connect() as connection:
        version = MigrationContext.configure(connection).get_current_revision()
    assert version is not None


def test_db_upgrade_on_an_existing_database_changes_nothing(tmp_path):
    url = f"sqlite:///{tmp_path / 'db.sqlite3'}"
    app = create_app({"SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        upgrade(directory=MIGRATIONS_DIR)  # again, as `flask db upgrade` would
        from sitedir.models import Site

        assert db.session.scalar(db.select(db.func.count()).select_from(Site)) == 9
        db.engine.dispose()


def test_a_database_made_before_migrations_is_adopted(tmp_path):
    url = f"sqlite:///{tmp_path / 'old.sqlite3'}"
    from flask import Flask

    old = Flask("old")
    old.config["SQLALCHEMY_DATABASE_URI"] = url
    db.init_app(old)
    with old.app_context():
        import sitedir.models  # noqa: F401 - the tables

        # What db.create_all() made before migrations existed: the directory's tables.
        directory = ["study", "institution", "reference_centre", "site", "contact", "status_change"]
        db.metadata.create_all(db.engine, tables=[db.metadata.tables[n] for n in directory])
        db.engine.dispose()
    app = create_app({"SQLALCHEMY_DATABASE_URI": url})
    with app.app_context(), db.engine.connect() as connection:
        assert MigrationContext.configure(connection).get_current_revision() is not None
        db.engine.dispose()
