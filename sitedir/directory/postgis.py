"""Nearest candidates from PostGIS, on a PostgreSQL that has it; the k-d tree elsewhere.

Migration d4b8f6a2c0e1 gives each site a `geog geography(Point, 4326)` with GiST indexes
(all sites, and open sites alone), kept in step with its institution's coordinates by
triggers. Here the snapshot's candidate questions (spatial_index.Candidates) become SQL:
the k nearest open sites by `ORDER BY geog <-> point LIMIT k` (a KNN walk of the open
sites' index, so closed sites nearby cost nothing), and the sites within a distance by
`ST_DWithin`, both filtered by study, open or not, and region in the query. Every
distance there is on PostGIS's sphere, the same as ranking.sphere_km's; the exact WGS 84
geodesic of each candidate still decides the answer (spatial_index.answer_from).

The candidates' public forms come from the snapshot, read by id: a site the snapshot does
not hold yet (written within the last FRESHNESS_MS) is left out until it does, as every
other answer is.
"""

import math
from bisect import bisect_left

from flask import current_app

from sitedir.extensions import db
from sitedir.ranking import NearestAnswer
from sitedir.spatial_index import Candidates, answer_from
from sitedir.vocabulary import STATUS_TABLE

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
    if not current_app.config.get("POSTGIS", True) or db.engine.dialect.name != "postgresql":
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
    spatial_index.SpatialIndex (and ranking.rank_nearest over every site)."""

    def __init__(self, schema: str, rows: tuple, ids: list[str]):
        self.rows = rows  # the snapshot's rows, sorted by id
        self.ids = ids
        g = schema
        self.point = f"{g}.ST_SetSRID({g}.ST_MakePoint(:lon, :lat), 4326)::{g}.geography"
        self.within = f"{g}.ST_DWithin(s.geog, {self.point}, :metres, false)"
        self.distance = f"s.geog OPERATOR({g}.<->) {self.point}"

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

        def ask(open_: bool, km: float, k: int | None = None) -> list:
            return self._rows(self._query(open_, study, region, latitude, longitude, km, k))

        def nearest_open(k: int, km: float) -> list:
            # A site the snapshot does not hold yet is skipped: ask for more until there
            # are k of the others, or no more.
            ask_for = k
            while True:
                slugs = self._query(True, study, region, latitude, longitude, km, ask_for)
                found = self._rows(slugs)
                if len(found) >= k or len(slugs) < ask_for:
                    return found[:k]
                ask_for += k

        return answer_from(
            latitude,
            longitude,
            Candidates(
                nearest_open=nearest_open,
                open_within=lambda km: ask(True, km),
                closed_within=lambda km: ask(False, km),
                ident=lambda row: row.id,
            ),
            limit,
            radius_km,
        )

    def _query(self, open_, study, region, latitude, longitude, km, k) -> list[str]:
        where = ["s.study_id = (SELECT id FROM study WHERE slug = :study)"]
        where.append(("" if open_ else "NOT ") + "(s.status IN :open)")
        params = {"study": study, "open": OPEN_STATUSES, "lat": latitude, "lon": longitude}
        joins = ""
        if region is not None:
            joins = " JOIN institution i ON i.id = s.institution_id"
            where.append("i.region = :region")
            params["region"] = region
        if not math.isinf(km):
            where.append(self.within)
            params["metres"] = km * 1000 * WIDEN + 1
        # Built from this module's constant fragments; every value is a bound parameter.
        sql = f"SELECT s.slug FROM site s{joins} WHERE {' AND '.join(where)}"  # noqa: S608
        if k is not None:
            sql += f" ORDER BY {self.distance} LIMIT :k"
            params["k"] = k
        statement = db.text(sql).bindparams(db.bindparam("open", expanding=True))
        return list(db.session.scalars(statement, params))

    def _rows(self, slugs: list[str]) -> list:
        found = []
        for slug in slugs:
            at = bisect_left(self.ids, slug)
            if at < len(self.ids) and self.ids[at] == slug:
                found.append(self.rows[at])
        return found
