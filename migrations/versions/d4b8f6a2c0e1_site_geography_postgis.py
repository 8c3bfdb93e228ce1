"""site geography (PostGIS, when available)

Revision ID: d4b8f6a2c0e1
Revises: c3a9e5f7d1b2
Create Date: 2026-11-26 02:10:00.000000

On PostgreSQL with the postgis extension available (Debian: postgresql-15-postgis-3),
`site.geog geography(Point, 4326)` with GiST indexes (every site; open sites only, so
"the 3 nearest open sites" walks open sites alone however many closed ones are near),
kept in step with the institution's latitude and longitude by triggers: on a site's
insert or move to another institution, and on an institution's move (which updates its
sites, and so moves their change sequence). A no-op on SQLite, on a PostgreSQL without
PostGIS, and where the extension cannot be created (no privilege): the app then takes
nearest candidates from its in-memory index, as on SQLite.

The extension goes in a schema of its own, `postgis` (or stays where it already is):
emptying `public` (the tests do, between tests) keeps it, and its table spatial_ref_sys
is not one of the app's. Every PostGIS name is written with its schema.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'd4b8f6a2c0e1'
down_revision = 'c3a9e5f7d1b2'
branch_labels = None
depends_on = None


def _postgis_schema(bind) -> str | None:
    """The schema PostGIS is installed in, installing it if it can; None without it."""
    if bind.dialect.name != 'postgresql':
        return None
    available = bind.execute(
        sa.text("SELECT 1 FROM pg_available_extensions WHERE name = 'postgis'")
    ).first()
    if available is None:
        return None
    savepoint = bind.begin_nested()
    try:
        bind.execute(sa.text('CREATE SCHEMA IF NOT EXISTS postgis'))
        bind.execute(sa.text('CREATE EXTENSION IF NOT EXISTS postgis SCHEMA postgis'))
        savepoint.commit()
    except sa.exc.DBAPIError:  # no privilege to create it: carry on without
        savepoint.rollback()
        return None
    return bind.execute(
        sa.text(
            "SELECT n.nspname FROM pg_extension e JOIN pg_namespace n"
            " ON n.oid = e.extnamespace WHERE e.extname = 'postgis'"
        )
    ).scalar_one()


def upgrade():
    bind = op.get_bind()
    g = _postgis_schema(bind)
    if g is None:
        return
    point = f'{g}.ST_SetSRID({g}.ST_MakePoint({{lon}}, {{lat}}), 4326)::{g}.geography'
    op.execute(f'ALTER TABLE site ADD COLUMN geog {g}.geography(Point, 4326)')
    op.execute(
        'UPDATE site SET geog = '
        + point.format(lon='i.longitude', lat='i.latitude')
        + ' FROM institution i WHERE i.id = site.institution_id'
    )
    op.execute('CREATE INDEX ix_site_geog ON site USING gist (geog)')
    # vocabulary.RECRUITING, the one open status, as of this revision.
    op.execute(
        "CREATE INDEX ix_site_geog_open ON site USING gist (geog) WHERE status = 'recruiting'"
    )
    op.execute(
        'CREATE FUNCTION site_geog_from_institution() RETURNS trigger LANGUAGE plpgsql AS $$\n'
        'BEGIN\n'
        '  NEW.geog := (SELECT '
        + point.format(lon='i.longitude', lat='i.latitude')
        + ' FROM institution i WHERE i.id = NEW.institution_id);\n'
        '  RETURN NEW;\n'
        'END $$'
    )
    op.execute(
        'CREATE TRIGGER site_geog BEFORE INSERT OR UPDATE OF institution_id ON site'
        ' FOR EACH ROW EXECUTE FUNCTION site_geog_from_institution()'
    )
    op.execute(
        'CREATE FUNCTION institution_moved() RETURNS trigger LANGUAGE plpgsql AS $$\n'
        'BEGIN\n'
        '  UPDATE site SET geog = '
        + point.format(lon='NEW.longitude', lat='NEW.latitude')
        + ' WHERE institution_id = NEW.id;\n'
        '  RETURN NULL;\n'
        'END $$'
    )
    op.execute(
        'CREATE TRIGGER institution_moved AFTER UPDATE OF latitude, longitude ON institution'
        ' FOR EACH ROW WHEN (OLD.latitude IS DISTINCT FROM NEW.latitude'
        ' OR OLD.longitude IS DISTINCT FROM NEW.longitude)'
        ' EXECUTE FUNCTION institution_moved()'
    )


def downgrade():
    bind = op.get_bind()
    if bind.dialect.name != 'postgresql':
        return
    has_column = bind.execute(
        sa.text(
            "SELECT 1 FROM information_schema.columns WHERE table_schema = current_schema()"
            " AND table_name = 'site' AND column_name = 'geog'"
        )
    ).first()
    if has_column is None:
        return
    op.execute('DROP TRIGGER IF EXISTS institution_moved ON institution')
    op.execute('DROP FUNCTION IF EXISTS institution_moved()')
    op.execute('DROP TRIGGER IF EXISTS site_geog ON site')
    op.execute('DROP FUNCTION IF EXISTS site_geog_from_institution()')
    op.execute('DROP INDEX IF EXISTS ix_site_geog_open')
    op.execute('DROP INDEX IF EXISTS ix_site_geog')
    op.execute('ALTER TABLE site DROP COLUMN geog')  # the extension stays: not only ours
