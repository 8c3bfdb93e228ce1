"""Scale benchmark: nearest with 9, 1,000 and 100,000 sites, in-process.

    .venv/bin/python bench/scale.py [--sizes 9 1000 100000] [--queries 200]

The synthetic sites live only in a temporary SQLite database made by this script (never
in seeds/): the 9 seeded sites, plus generated ones at random points of metropolitan
France, each on a generated institution, two thirds recruiting. For each size it prints
the time to build the process's snapshot after the data changed (first request), and
the latency of /api/v1/nearest for distinct INSEE origins (each one a cache miss).
"""

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

from sitedir.app import create_app
from sitedir.extensions import db
from sitedir.models import Institution, Site, Study
from sitedir.places.gazetteer import get_gazetteer


def add_synthetic_sites(count: int, rng: random.Random) -> None:
    """Insert `count` generated institutions and sites (benchmark data only)."""
    study = db.session.scalar(db.select(Study))
    for start in range(0, count, 5000):
        batch = []
        for i in range(start, min(count, start + 5000)):
            institution = Institution(
                key=f"bench-{i}",
                name=f"Bench hospital {i}",
                city="Bench",
                insee="00000",
                department="00",
                region="00",
                latitude=rng.uniform(42.5, 51),
                longitude=rng.uniform(-4.5, 8),
                source="bench/scale.py (synthetic)",
                verified=False,
            )
            batch.append(
                Site(
                    slug=f"bench-{i}",
                    study=study,
                    institution=institution,
                    city="Bench",
                    status="recruiting" if rng.random() < 0.67 else "suspended",
                    units=[],
                    source="bench/scale.py (synthetic)",
                    verified=False,
                )
            )
        db.session.add_all(batch)
        db.session.commit()


def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def run(size: int, queries: int, work: Path) -> dict:
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{work / f'scale-{size}.sqlite3'}",
            "ACCESS_LOG": False,
        }
    )
    rng = random.Random(size)
    with app.app_context():
        add_synthetic_sites(size - 9, rng)
    client = app.test_client()
    origins = rng.sample(sorted(p.insee for p in get_gazetteer().places()), queries + 1)
    started = time.perf_counter()
    assert client.get(f"/api/v1/nearest?insee={origins[0]}").status_code == 200
    first = time.perf_counter() - started
    times = []
    for insee in origins[1:]:
        started = time.perf_counter()
        response = client.get(f"/api/v1/nearest?insee={insee}&limit=3")
        times.append(time.perf_counter() - started)
        assert response.status_code == 200
    return {
        "size": size,
        "snapshot_s": first,
        "p50_ms": statistics.median(times) * 1000,
        "p99_ms": percentile(times, 0.99) * 1000,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[9, 1000, 100_000])
    parser.add_argument("--queries", type=int, default=200)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="sitedir-scale-"))
    print(
        f"machine: {os.uname().nodename}, {os.cpu_count()} cores; SQLite; "
        f"{args.queries} distinct origins per size"
    )
    print()
    print("| sites | first request after a change (s) | nearest p50 (ms) | nearest p99 (ms) |")
    print("| ---: | ---: | ---: | ---: |")
    for size in args.sizes:
        row = run(size, args.queries, work)
        print(
            f"| {row['size']:,} | {row['snapshot_s']:.2f} | {row['p50_ms']:.2f} | "
            f"{row['p99_ms']:.2f} |",
            flush=True,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
