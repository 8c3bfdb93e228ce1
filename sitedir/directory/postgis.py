"""Nearest candidates from PostGIS, on a PostgreSQL that has it; the k-d tree elsewhere.

Migration d4b8f6a2c0e1 gives each site a `geog geography(Point, 4326)` with GiST indexes
(all sites, and open sites alone), kept in step with its institution's coordinates by
triggers. Here the snapshot's candidate questions (spatial_index.Candidates) become SQL:
the k nearest open sites by `ORDER BY geog <-> point LIMIT k` (a KNN walk of the open
sites' index, so closed sites nearby cost nothing), and the sites within a distance by
`ST_DWithin`, both filtered by study, open or not, and region in the query, in one
statement per query. Every
distance there is on PostGIS's sphere, the same as ranking.sphere_km's; the exact WGS 84
geodesic of each candidate still decides the answer (spatial_index.answer_from).

The candidates' public forms come from the snapshot, read by id. The database may be a
little ahead of the snapshot (a write another process made within the last FRESHNESS_MS):
a site the snapshot does not hold yet is left out, and one that changed is ranked by its
new status with its public form as the snapshot has it, until the snapshot catches up,
at most FRESHNESS_MS later (DESIGN's freshness rule for answers across processes).
"""

import math
from bisect import bisect_left
from functools import lru_cache
from string import Template
from typing import Any

from flask import current_app

from sitedir.domain.ranking import SPHERE_MARGIN, NearestAnswer
from sitedir.domain.spatial_index import Candidates, answer_from
from sitedir.domain.vocabulary import STATUS_TABLE
from sitedir.extensions import db

# PostGIS's sphere (the WGS 84 mean radius, 6371008.7714 m) and ranking's differ in the
# ninth digit: every distance asked for is widened a little more than that, so a
# candidate right on a cut is never left out (a wider set gives the same answer).
WIDEN = 1 + 1e-6
OPEN_STATUSES = tuple(s.value for s in STATUS_TABLE if s.is_open)

# The PostGIS objects the models do not declare (migration d4b8f6a2c0e1 makes them only
# where the extension is): migration checks leave them alone.
UNMODELLED = {("column", "geog"), ("index", "ix_site_geog"), ("index", "ix_site_geog_open")}


def include_object(obj, name, type_, reflected, compare_to) -> bool:
    """False for PostGIS's column and indexes: Alembic's include_object hook."""
    return (type_, name) not in UNMODELLED


def postgis_schema() -> str | None:
    """The schema PostGIS lives in when sites have their geography column (read once per
    app), or None: then nearest candidates come from the in-memory index."""
    key = "sitedir_postgis"
    if key not in current_app.extensions:
        current_app.extensions[key] = _detect()
    return current_app.extensions[key]


def _detect() -> str | None:
    if not current_app.config["POSTGIS"] or db.engine.dialect.name != "postgresql":
        return None
    return db.session.execute(
        db.text(
            "SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace"
            " JOIN information_schema.columns c ON c.table_schema = current_schema()"
            " AND c.table_name = 'site' AND c.column_name = 'geog'"
            " WHERE e.extname = 'postgis'"
        )
    ).scalar()


class PostgisIndex:
    """The snapshot's nearest queries, with candidates from PostGIS; same answers as
    spatial_index.SpatialIndex (and ranking.rank_nearest over every site).

    One statement per query (each round trip costs more than the work): the `limit`
    nearest open sites by the index's KNN walk, at spherical distances d1 <= ... <= dk;
    then every open site within dk, and every not-open one within d1, times
    SPHERE_MARGIN squared. That covers each question answer_from asks (its bounds are
    geodesics of those sites times the margin, and a geodesic is within the margin of the
    spherical distance), which are then answered from these rows in Python.
    """

    def __init__(self, schema: str, rows: tuple, ids: list[str]):
        self.rows = rows  # the snapshot's rows, sorted by id
        self.ids = ids
        self.schema = schema

    def nearest(
        self,
        latitude: float,
        longitude: float,
        key: tuple,
        limit: int = 3,
        radius_km: float | None = None,
    ) -> NearestAnswer:
        """rank_nearest's answer over the sites of `key` (study, region or None)."""
        study, region = key
        reach_km = math.inf if radius_km is None else radius_km * SPHERE_MARGIN
        found = db.session.execute(
            _statement(self.schema, region is not None, radius_km is not None),
            {
                "study": study,
                "open": OPEN_STATUSES,
                "lat": latitude,
                "lon": longitude,
                "k": limit,
                "region": region,
                "reach": _metres(reach_km),
                "margin": SPHERE_MARGIN * SPHERE_MARGIN * WIDEN,
            },
        ).all()
        open_ones: list[tuple[float, Any]] = []  # (metres, snapshot row)
        closed: list[tuple[float, Any]] = []
        for slug, is_open, metres in found:
            row = self._row(slug)
            if row is not None:  # not in the snapshot yet
                (open_ones if is_open else closed).append((metres, row))
        open_ones.sort(key=lambda pair: pair[0])

        def within(pairs, km):
            cut = _metres(km)
            return [row for metres, row in pairs if metres <= cut]

        return answer_from(
            latitude,
            longitude,
            Candidates(
                nearest_open=lambda k, km: within(open_ones[:k], km),
                open_within=lambda km: within(open_ones, km),
                closed_within=lambda km: within(closed, km),
                ident=lambda row: row.id,
            ),
            limit,
            radius_km,
        )

    def _row(self, slug: str):
        at = bisect_left(self.ids, slug)
        if at < len(self.ids) and self.ids[at] == slug:
            return self.rows[at]
        return None


# Farther than any two points on Earth (half the equator is 20,038 km): "no limit".
EVERYWHERE_M = 21_000_000.0


def _metres(km: float) -> float:
    """A spherical distance in km as PostGIS's metres, a hair wider (never narrower)."""
    return EVERYWHERE_M if math.isinf(km) else min(km * 1000 * WIDEN + 1, EVERYWHERE_M)


# One nearest query. Constant fragments only ($g: PostGIS's schema, from pg_namespace);
# every value is a bound parameter. The cuts are scalar subqueries, not a join: then they
# are parameters of the plan, and ST_DWithin becomes an index condition (with a join it
# would filter every open site of the study).
NEAREST_SQL = Template(
    "WITH nearest AS (SELECT $distance AS d FROM site s$join"
    " WHERE $where AND s.status IN :open$within"
    " ORDER BY $distance LIMIT :k),"
    " cut AS (SELECT least(CASE WHEN count(*) >= :k THEN max(d) * :margin ELSE :reach END,"
    " :reach) AS open_m, least(coalesce(min(d) * :margin, :reach), :reach) AS closed_m"
    " FROM nearest)"
    " SELECT s.slug, true, $distance FROM site s$join WHERE $where AND s.status IN :open"
    " AND $g.ST_DWithin(s.geog, $point, (SELECT open_m FROM cut), false)"
    " UNION ALL"
    " SELECT s.slug, false, $distance FROM site s$join WHERE $where AND s.status NOT IN :open"
    " AND $g.ST_DWithin(s.geog, $point, (SELECT closed_m FROM cut), false)"
)


BY_STUDY = "s.study_id = (SELECT id FROM study WHERE slug = :study)"
BY_REGION = f"{BY_STUDY} AND i.region = :region"


# The query's origin as a geography, in the PostGIS schema $g.
POINT = Template("$g.ST_SetSRID($g.ST_MakePoint(:lon, :lat), 4326)::$g.geography")


@lru_cache(maxsize=8)
def _statement(g: str, by_region: bool, by_radius: bool):
    """The one statement a nearest query runs, per PostGIS schema, region and radius."""
    point = POINT.substitute(g=g)
    sql = NEAREST_SQL.substitute(
        g=g,
        point=point,
        distance=f"s.geog OPERATOR({g}.<->) {point}",
        join=" JOIN institution i ON i.id = s.institution_id" if by_region else "",
        where=BY_REGION if by_region else BY_STUDY,
        # Only with a radius: ST_DWithin's high cost per row made the planner trade the
        # KNN walk for a sort of every open site when asked for "within 21,000 km".
        within=f" AND {g}.ST_DWithin(s.geog, {point}, :reach, false)" if by_radius else "",
    )
    return db.text(sql).bindparams(db.bindparam("open", expanding=True))
