"""Scale benchmark: 9, 1,000, 10,000 and 100,000 sites, in-process.

    .venv/bin/python bench/scale.py [--sizes 9 1000 10000 100000] [--queries 300] [--check 1000]
        [--databases sqlite postgis postgresql] [--http [--duration 10]]

The synthetic sites live only in a temporary database made by this script (never in
seeds/): a SQLite file, or a PostgreSQL database (`sitedir_scale_bench` on
127.0.0.1:5432, dropped and made again for each size) with PostGIS answering nearest
candidates (`postgis`) or the in-memory k-d trees (`postgresql`, SITEDIR_POSTGIS off).
The sites are the 9 seeded sites, plus generated ones placed like hospitals, at communes
drawn by population from the gazetteer (so denser in cities, and about 3 % overseas, as
people are), a kilometre or two from the commune's point; one in four recruiting, the
others in the not-open statuses. For each size it prints, through the test client:

- the first request after start (every site serialised, the index built);
- nearest p50/p99 for distinct INSEE origins (each one an answer-cache miss);
- the first nearest request after a status change (median and worst of 5 changes);
- a radius query (50 km, distinct origins);
- a page of /api/v1/sites (the first, one in the middle by cursor, a filtered one);
- exactness: the indexed answer against routing.rank_nearest over every site of the study
  (results and nearer_not_open, order and distances) for `--check` random origins,
  some overseas (fewer at 100,000, where one full pass costs about a second);
- at the largest size, the worker's RSS, and what the rows and the index take.

With `--http`, each size's database is then also served by gunicorn (wsgi:app, the
repository's gunicorn.conf.py) and measured over HTTP (bench/scale_http.py): nearest and
radius through wrk with first-time origins, the first request after a change, the pages,
and every worker's RSS; one more table per database.
"""

import argparse
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import psycopg
from scale_http import (  # beside this script
    CONNECTIONS,
    format_row,
    measure,
    print_table,
    status_changes,
)

from sitedir.app import create_app
from sitedir.directory.sites import filter_rows
from sitedir.domain.ranking import rank_nearest
from sitedir.extensions import db
from sitedir.models import Institution, Site, Study
from sitedir.places.gazetteer import get_gazetteer
from sitedir.readmodel.snapshot import current_snapshot

CLOSED = ["suspended", "active_not_recruiting", "not_yet_recruiting", "completed", "terminated"]


def add_synthetic_sites(count: int, rng: random.Random) -> None:
    """Insert `count` generated institutions and sites (benchmark data only), in bulk."""
    study_id = db.session.scalar(db.select(Study.id))
    # Communes with a région and a département (a few collectivities have neither code).
    places = [
        p
        for p in get_gazetteer().places()
        if p.kind == "commune" and len(p.region or "") == 2 and len(p.department or "") <= 3
    ]
    weights = [max(p.population or 0, 50) for p in places]
    first = (db.session.scalar(db.select(db.func.max(Institution.id))) or 0) + 1
    for start in range(0, count, 10_000):
        picks = rng.choices(places, weights, k=min(10_000, count - start))
        institutions, sites = [], []
        for offset, place in enumerate(picks):
            i = start + offset
            institutions.append(
                {
                    "id": first + i,
                    "key": f"bench-{i}",
                    "name": f"Bench hospital {i}",
                    "city": place.name,
                    "insee": place.insee,
                    "department": place.department,
                    "region": place.region,
                    "latitude": place.latitude + rng.gauss(0, 0.01),
                    "longitude": place.longitude + rng.gauss(0, 0.014),
                    "source": "bench/scale.py (synthetic)",
                    "verified": False,
                }
            )
            sites.append(
                {
                    "slug": f"bench-{i:06d}",
                    "study_id": study_id,
                    "institution_id": first + i,
                    "city": place.name,
                    "status": "recruiting" if rng.random() < 0.25 else rng.choice(CLOSED),
                    "units": [],
                    "version": 1,
                    "source": "bench/scale.py (synthetic)",
                    "verified": False,
                }
            )
        db.session.execute(db.insert(Institution), institutions)
        db.session.execute(db.insert(Site), sites)
        db.session.commit()


def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def timed(client, url) -> float:
    started = time.perf_counter()
    response = client.get(url)
    elapsed = time.perf_counter() - started
    assert response.status_code == 200, (url, response.get_data(as_text=True)[:300])
    return elapsed * 1000


def rss_mb() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def check_exact(snapshot, origins, rng) -> int:
    """Origins where the indexed answer differs from a pass over every site (0 expected)."""
    study = snapshot.studies[0]
    rows = filter_rows(snapshot.rows, study=study)
    wrong = 0
    for lat, lon in origins:
        limit, radius = rng.choice([1, 3, 3, 10]), rng.choice([None, None, 30, 200])
        got = snapshot.nearest(lat, lon, study, None, limit, radius)
        want = rank_nearest(lat, lon, rows, limit=limit, radius_km=radius)
        for a, b in ((got.results, want.results), (got.nearer_not_open, want.nearer_not_open)):
            if [(r.item.id, r.distance_km) for r in a] != [(r.item.id, r.distance_km) for r in b]:
                wrong += 1
                break
    return wrong


PG_SERVER = "postgresql://postgres@127.0.0.1:5432"
PG_DATABASE = "sitedir_scale_bench"


def database_url(kind: str, size: int, work: Path) -> str:
    """A new, empty database of this kind for one size; its SQLAlchemy URL."""
    if kind == "sqlite":
        return f"sqlite:///{work / f'scale-{size}.sqlite3'}"
    with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as connection:
        connection.execute(f"DROP DATABASE IF EXISTS {PG_DATABASE} WITH (FORCE)")
        connection.execute(f"CREATE DATABASE {PG_DATABASE}")
    return f"postgresql+psycopg://postgres@127.0.0.1:5432/{PG_DATABASE}"


def run(
    size: int,
    queries: int,
    checks: int,
    work: Path,
    kind: str = "sqlite",
    http_duration: int | None = None,
) -> tuple[dict, dict | None]:
    """Build one size's database and measure it in-process; over HTTP too when
    `http_duration` is given (the in-process row, the HTTP row or None)."""
    url = database_url(kind, size, work)
    app = create_app(
        {
            "ENVIRONMENT": "development",  # a random SECRET_KEY is fine here
            "SQLALCHEMY_DATABASE_URI": url,
            "ACCESS_LOG": False,
            "RATELIMIT_ENABLED": False,
            "POSTGIS": kind == "postgis",
        }
    )
    rng = random.Random(size)
    with app.app_context():
        add_synthetic_sites(size - 9, rng)
    if kind != "sqlite":
        # What autovacuum does after a bulk load, done now: without statistics the planner
        # scans every site for "changed since" and counts them without the visibility map.
        with psycopg.connect(f"{PG_SERVER}/{PG_DATABASE}", autocommit=True) as connection:
            connection.execute("VACUUM ANALYZE")
    client = app.test_client()
    insees = sorted(p.insee for p in get_gazetteer().places())
    origins = iter(rng.sample(insees, 2 * queries + 20))
    rss_before = rss_mb()
    row = {
        "size": size,
        "db": kind,
        "cold_s": timed(client, f"/api/v1/nearest?insee={next(origins)}") / 1000,
    }
    rss_after = rss_mb()
    times = [
        timed(client, f"/api/v1/nearest?insee={next(origins)}&limit=3") for _ in range(queries)
    ]
    row["p50"], row["p99"] = statistics.median(times), percentile(times, 0.99)
    after_change = []
    for _ in status_changes(app, rng):
        after_change.append(timed(client, f"/api/v1/nearest?insee={next(origins)}"))
    row["change_p50"], row["change_max"] = statistics.median(after_change), max(after_change)
    radius = [
        timed(client, f"/api/v1/nearest?insee={next(origins)}&radius_km=50&limit=10")
        for _ in range(queries // 2)
    ]
    row["radius_p50"] = statistics.median(radius)
    first_page = client.get("/api/v1/sites?limit=100")
    row["page_first"] = timed(client, "/api/v1/sites?limit=100")
    with app.app_context():
        middle = current_snapshot().rows[size // 2].id
    from sitedir.directory.paging import encode_cursor

    row["page_middle"] = timed(client, f"/api/v1/sites?limit=100&cursor={encode_cursor(middle)}")
    row["page_filtered"] = timed(client, "/api/v1/sites?limit=100&open=true&region=11")
    assert len(first_page.get_json()) == min(100, size)
    with app.app_context():
        snapshot = current_snapshot()
        check_rng = random.Random(size + 1)
        points = [
            (check_rng.uniform(41.3, 51.1), check_rng.uniform(-5.2, 9.6))
            if i % 8
            else check_rng.choice([(16.2, -61.5), (-21.1, 55.5), (4.9, -52.3), (14.6, -61.0)])
            for i in range(checks)
        ]
        row["checked"] = len(points)
        row["wrong"] = check_exact(snapshot, points, check_rng)
        row["rss"] = rss_mb()
        row["rows_mb"] = rss_after - rss_before
        row["bodies_mb"] = sum(len(r.body) for r in snapshot.rows) / 2**20
        row["packed_mb"] = sum(len(r.packed) for r in snapshot.rows) / 2**20
        row["index"] = type(snapshot.index).__name__
        from sitedir.domain.spatial_index import SpatialIndex
        from sitedir.readmodel.snapshot import _index_keys, _row_id

        before = rss_mb()
        started = time.perf_counter()
        extra = SpatialIndex.build(snapshot.rows, _index_keys, _row_id)
        row["index_build_ms"] = (time.perf_counter() - started) * 1000
        row["index_mb"] = rss_mb() - before
        del extra
    http_row = None
    if http_duration:
        # The same database, its 5 changes above included; this process's own
        # connections stay open (SQLite readers, PostgreSQL's few idle ones).
        http_row = measure(app, kind, url, size, rng, work, http_duration)
    return row, http_row


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[9, 1000, 10_000, 100_000])
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--check", type=int, default=1000)
    parser.add_argument("--check-large", type=int, default=100, help="origins at 100,000")
    parser.add_argument(
        "--databases", nargs="+", default=["sqlite"], choices=["sqlite", "postgis", "postgresql"]
    )
    parser.add_argument("--http", action="store_true", help="also measure each size under gunicorn")
    parser.add_argument("--duration", type=int, default=10, help="seconds of wrk per run")
    args = parser.parse_args()
    if args.http and not shutil.which("wrk"):
        sys.exit("--http needs wrk: apt-get install wrk")
    work = Path(tempfile.mkdtemp(prefix="sitedir-scale-"))
    print(
        f"machine: {os.uname().nodename}, {os.cpu_count()} cores, load average "
        f"{os.getloadavg()[0]:.1f} at start; {args.queries} distinct origins per size"
    )
    print()
    print(
        "| database | sites | first request (s) | nearest p50 / p99 (ms) "
        "| after a change p50 / max (ms) | radius 50 km p50 (ms) "
        "| page first / middle / filtered (ms) | exact (origins) |"
    )
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    rows, http_rows = [], []
    for kind in args.databases:
        for size in args.sizes:
            checks = args.check if size < 100_000 else args.check_large
            row, http_row = run(
                size, args.queries, checks, work, kind, args.duration if args.http else None
            )
            rows.append(row)
            print_row(row)
            if http_row:
                http_rows.append(http_row)
                # On stderr as it comes: a run that dies at 100,000 keeps the smaller ones.
                print(f"http {format_row(http_row)}", file=sys.stderr, flush=True)
    for last in rows:
        if last["size"] == max(args.sizes):
            print()
            print(
                f"{last['db']} at {last['size']:,} sites: worker RSS {last['rss']:.0f} MB; "
                f"the rows about {last['rows_mb']:.0f} MB (their JSON "
                f"{last['bodies_mb']:.0f} MB, packed to {last['packed_mb']:.0f} MB); "
                f"nearest through {last['index']}; one k-d index {last['index_mb']:.0f} MB, "
                f"built in {last['index_build_ms']:.0f} ms"
            )
    for kind in args.databases if http_rows else []:
        print()
        print(
            f"Over HTTP, {kind}: gunicorn (gunicorn.conf.py), {CONNECTIONS} wrk connections, "
            f"{args.duration} s nearest and {max(args.duration // 2, 3)} s radius per size"
        )
        print()
        print_table([r for r in http_rows if r["db"] == kind])
    print(f"load average {os.getloadavg()[0]:.1f} at the end")
    return 0


def print_row(row: dict) -> None:
    print(
        f"| {row['db']} | {row['size']:,} | {row['cold_s']:.2f} | "
        f"{row['p50']:.2f} / {row['p99']:.2f} | "
        f"{row['change_p50']:.1f} / {row['change_max']:.1f} | {row['radius_p50']:.2f} | "
        f"{row['page_first']:.2f} / {row['page_middle']:.2f} / {row['page_filtered']:.2f} | "
        f"{row['checked'] - row['wrong']}/{row['checked']} |",
        flush=True,
    )


if __name__ == "__main__":
    sys.exit(main())
