"""The schema comes from Alembic migrations, and they agree with the models."""

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import upgrade
from sqlalchemy import text

from sitedir.app import create_app
from sitedir.database import MIGRATIONS_DIR
from sitedir.directory.postgis import include_object
from sitedir.extensions import db


@pytest.mark.filterwarnings("ignore:Did not recognize type 'postgis.geography'")
def test_models_and_migrations_agree(app):
    with app.app_context(), db.engine.connect() as connection:
        # PostGIS's column and indexes, made only where the extension is, are not modelled.
        opts = {"compare_type": True, "include_object": include_object}
        context = MigrationContext.configure(connection, opts=opts)
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
        with db.engine.begin() as connection:
            # The contact's version came later, with its own migration (a1f0c3d9e2b4).
            connection.execute(text("ALTER TABLE contact DROP COLUMN version"))
            # And the site's change sequence with c3a9e5f7d1b2.
            connection.execute(text("DROP INDEX ix_site_changed_seq"))
            connection.execute(text("ALTER TABLE site DROP COLUMN changed_seq"))
            # And the study's registry details with e5c1a7d3b9f2.
            connection.execute(text("ALTER TABLE study DROP COLUMN details"))
            # And the institution's point precision with f7a3c9e1b5d2.
            connection.execute(text("ALTER TABLE institution DROP COLUMN point_precision"))
            # And the institution's change sequence with a9c4e2f6b8d1.
            connection.execute(text("DROP INDEX ix_institution_changed_seq"))
            connection.execute(text("ALTER TABLE institution DROP COLUMN changed_seq"))
        db.engine.dispose()
    app = create_app({"SQLALCHEMY_DATABASE_URI": url})
    with app.app_context(), db.engine.connect() as connection:
        assert MigrationContext.configure(connection).get_current_revision() is not None
        db.engine.dispose()


def test_the_provenance_migration_takes_admin_emails_out_of_public_sources(app):
    """a1f0c3d9e2b4 on a database written by the previous version: sources, new columns."""
    from datetime import UTC, datetime

    from flask_migrate import downgrade

    with app.app_context():
        downgrade(directory=MIGRATIONS_DIR, revision="6e6fa043f555")
        with db.engine.begin() as connection:
            for email, role in [
                ("clermont@example.org", "site_admin"),
                ("reseau@example.org", "network_admin"),
            ]:
                connection.execute(
                    text(
                        "INSERT INTO account (email, role, active, created_at) "
                        "VALUES (:email, :role, :active, :at)"
                    ),
                    {"email": email, "role": role, "active": True, "at": datetime.now(UTC)},
                )
            ids = connection.execute(text("SELECT id FROM contact ORDER BY id")).scalars().all()
            written = {
                ids[0]: "admin: clermont@example.org",
                ids[1]: "admin: Reseau@Example.org",
                ids[2]: "admin: parti@example.org",  # an account since removed
            }
            for contact_id, source in written.items():
                connection.execute(
                    text("UPDATE contact SET source = :source WHERE id = :id"),
                    {"source": source, "id": contact_id},
                )
            connection.execute(
                text("UPDATE site SET source = 'admin: reseau@example.org' WHERE slug = 'nantes'")
            )
            seeded = connection.execute(
                text("SELECT source FROM contact WHERE id = :id"), {"id": ids[3]}
            ).scalar()
        upgrade(directory=MIGRATIONS_DIR)
        with db.engine.connect() as connection:
            sources = dict(connection.execute(text("SELECT id, source FROM contact")).all())
            assert [sources[i] for i in ids[:4]] == ["site_admin", "network_admin", "admin", seeded]
            site = "SELECT source FROM site WHERE slug = 'nantes'"
            assert connection.execute(text(site)).scalar() == "network_admin"
            for table in ("study", "institution", "reference_centre", "site", "contact"):
                query = text(f"SELECT count(*) FROM {table} WHERE source LIKE 'admin: %'")
                assert connection.execute(query).scalar() == 0, table
            versions = connection.execute(text("SELECT DISTINCT version FROM contact")).scalars()
            assert list(versions) == [1]
            generations = "SELECT DISTINCT session_generation FROM account"
            assert connection.execute(text(generations)).scalars().all() == [0]
