"""PostGIS on PostgreSQL: the sites' geography column, and nearest candidates from it.

Run on PostgreSQL only (skipped on SQLite). A PostgreSQL without the postgis extension
skips them, except in CI (CI=true), where it fails: .ci/run installs the extension.
"""

import os
import random

import pytest
from sqlalchemy import text

from sitedir.directory.postgis import PostgisIndex, postgis_schema
from sitedir.directory.sites import filter_rows
from sitedir.domain.ranking import rank_nearest
from sitedir.domain.spatial_index import SpatialIndex
from sitedir.extensions import db
from sitedir.models import Institution, Site
from sitedir.readmodel.snapshot import current_snapshot
from tests.helpers import ON_POSTGRES
from tests.test_scale_index import add_sites, as_list, origins

pytestmark = pytest.mark.skipif(not ON_POSTGRES, reason="PostGIS runs on PostgreSQL")


@pytest.fixture
def gis_app(app):
    """The app, on a PostgreSQL whose migration gave the sites a geography column, with
    nearest candidates from PostGIS (SITEDIR_POSTGIS, off by default)."""
    app.config["POSTGIS"] = True
    app.extensions.pop("sitedir_postgis", None)
    with app.app_context():
        if postgis_schema() is None:
            message = "PostGIS is not installed (Debian: apt-get install postgresql-15-postgis-3)"
            if os.environ.get("CI"):
                pytest.fail(message)
            pytest.skip(message)
    return app


def _geog(slug: str) -> tuple[float, float]:
    g = postgis_schema()
    return tuple(
        db.session.execute(
            text(
                f"SELECT {g}.ST_Y(geog::{g}.geometry), {g}.ST_X(geog::{g}.geometry)"
                " FROM site WHERE slug = :slug"
            ),
            {"slug": slug},
        ).one()
    )


def test_every_site_has_its_institutions_point(gis_app):
    with gis_app.app_context():
        for site in db.session.scalars(db.select(Site)):
            assert _geog(site.slug) == pytest.approx((site.latitude, site.longitude), abs=1e-9)


def test_the_point_follows_the_institution_and_the_snapshot_sees_it(gis_app):
    with gis_app.app_context():
        before = current_snapshot()
        site = db.session.scalar(db.select(Site).where(Site.slug == "nantes"))
        site.institution.latitude, site.institution.longitude = 47.9, -1.7  # as if in Rennes
        db.session.commit()
        assert _geog("nantes") == pytest.approx((47.9, -1.7), abs=1e-9)
        after = current_snapshot()
        assert after.fingerprint != before.fingerprint  # the site's change sequence moved
        moved = {r.id: r for r in after.rows}["nantes"]
        assert (moved.latitude, moved.longitude) == (47.9, -1.7)


def test_a_new_site_gets_its_point(gis_app):
    with gis_app.app_context():
        other = db.session.scalar(db.select(Site).where(Site.slug == "nantes"))
        institution = Institution(
            key="test-lyon",
            name="Test Lyon",
            city="Lyon",
            insee="69123",
            department="69",
            region="84",
            latitude=45.74,
            longitude=4.88,
            source="tests",
        )
        db.session.add(
            Site(
                slug="test-lyon",
                study=other.study,
                institution=institution,
                city="Lyon",
                status="recruiting",
                units=[],
                source="tests",
            )
        )
        db.session.commit()
        assert _geog("test-lyon") == pytest.approx((45.74, 4.88), abs=1e-9)


@pytest.fixture
def big_gis_app(gis_app):
    with gis_app.app_context():
        add_sites(3000, random.Random(23))
    return gis_app


def test_postgis_candidates_answer_as_a_pass_over_every_site(big_gis_app):
    rng = random.Random(24)
    with big_gis_app.app_context():
        snapshot = current_snapshot()
        assert isinstance(snapshot.index, PostgisIndex)
        study = snapshot.studies[0]
        for lat, lon in origins(rng, 150):
            region = rng.choice([None, None, "11", "84", "04"])
            limit, radius = rng.choice([1, 3, 10]), rng.choice([None, None, 20, 200])
            got = snapshot.nearest(lat, lon, study, region, limit, radius)
            rows = filter_rows(snapshot.rows, study=study, region=region)
            expected = rank_nearest(lat, lon, rows, limit=limit, radius_km=radius)
            where = (lat, lon, region, limit, radius)
            assert as_list(got.results) == as_list(expected.results), where
            assert as_list(got.nearer_not_open) == as_list(expected.nearer_not_open), where


def test_open_sites_are_found_however_many_closed_ones_are_nearer(big_gis_app):
    with big_gis_app.app_context():
        # Close nine sites in ten around Paris: the three nearest open ones are farther.
        db.session.execute(
            text(
                "UPDATE site SET status = 'suspended' WHERE id % 10 <> 0 AND institution_id IN"
                " (SELECT id FROM institution WHERE region = '11')"
            )
        )
        db.session.commit()
        snapshot = current_snapshot()
        study = snapshot.studies[0]
        got = snapshot.nearest(48.86, 2.35, study, None, 3)
        rows = filter_rows(snapshot.rows, study=study)
        expected = rank_nearest(48.86, 2.35, rows, limit=3)
        assert len(got.results) == 3
        assert as_list(got.results) == as_list(expected.results)
        assert as_list(got.nearer_not_open) == as_list(expected.nearer_not_open)


def test_the_in_memory_index_when_postgis_is_turned_off(big_gis_app):
    big_gis_app.config["POSTGIS"] = False
    big_gis_app.extensions.pop("sitedir_postgis", None)
    big_gis_app.extensions.pop("sitedir_snapshot", None)
    with big_gis_app.app_context():
        assert isinstance(current_snapshot().index, SpatialIndex)
