"""FHIR at national scale (issue 27 §3): near searches and the first request after a change.

    .venv/bin/python bench/fhir_scale.py [--sizes 9 10000 100000] [--queries 300] [--changes 5]

The same synthetic databases as bench/scale.py (a SQLite file per size, the 9 seeded sites
plus generated ones placed like hospitals; never in seeds/). For each size, in-process
through the test client:

- the first JSON request (the read model's first build) and the first FHIR request (FHIR's
  projection made for every site, and every version stamped);
- `/fhir/Location?near=<lat>|<lon>|50|km&status=active` p50/p99 for distinct origins (the
  communes' points), and the same without a distance (every site, nearest first);
- the first request after a status change: /api/v1/nearest after one change, then
  `/fhir/Location?near=…&status=active` after another (the read model's update, then
  FHIR's entry for that site), `--changes` of each, median and worst;
- the process's RSS after it all.
"""

import argparse
import os
import random
import statistics
import sys
import tempfile
from pathlib import Path

from scale import add_synthetic_sites, database_url, percentile, rss_mb, timed  # beside this
from scale_http import status_changes

from sitedir.app import create_app
from sitedir.places.gazetteer import get_gazetteer


def run(size: int, queries: int, changes: int, work: Path) -> dict:
    url = database_url("sqlite", size, work)
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": url,
            "ENVIRONMENT": "development",
            "ACCESS_LOG": False,
            "RATELIMIT_ENABLED": False,
        }
    )
    rng = random.Random(size)
    with app.app_context():
        add_synthetic_sites(size - 9, rng)
    client = app.test_client()
    communes = [p for p in get_gazetteer().places() if p.kind == "commune"]
    points = iter(rng.sample(communes, 3 * queries + 4 * changes + 10))

    def near(distance: bool = True) -> str:
        p = next(points)
        reach = "|50|km" if distance else ""
        return f"/fhir/Location?near={p.latitude:.4f}|{p.longitude:.4f}{reach}&status=active"

    row = {"size": size}
    row["json_cold_s"] = timed(client, f"/api/v1/nearest?insee={next(points).insee}") / 1000
    row["fhir_cold_s"] = timed(client, near()) / 1000
    times = [timed(client, near()) for _ in range(queries)]
    row["near_p50"], row["near_p99"] = statistics.median(times), percentile(times, 0.99)
    every = [timed(client, near(distance=False)) for _ in range(queries // 3)]
    row["all_p50"], row["all_p99"] = statistics.median(every), percentile(every, 0.99)
    json_after, fhir_after = [], []
    for i, _ in enumerate(status_changes(app, rng, min(2 * changes, size))):
        if i % 2 == 0:
            json_after.append(timed(client, f"/api/v1/nearest?insee={next(points).insee}"))
        else:
            fhir_after.append(timed(client, near()))
    row["json_change"] = (statistics.median(json_after), max(json_after))
    row["fhir_change"] = (statistics.median(fhir_after), max(fhir_after))
    row["rss"] = rss_mb()
    return row


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[9, 10_000, 100_000])
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--changes", type=int, default=5)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="sitedir-fhir-scale-"))
    print(
        f"machine: {os.uname().nodename}, {os.cpu_count()} cores, load average "
        f"{os.getloadavg()[0]:.1f} at start; {args.queries} distinct origins per size"
    )
    print()
    print(
        "| sites | first JSON / first FHIR (s) | near 50 km p50 / p99 (ms) "
        "| near, no distance p50 / p99 (ms) | JSON after a change p50 / max (ms) "
        "| FHIR after a change p50 / max (ms) | RSS (MB) |"
    )
    print("| ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for size in args.sizes:
        r = run(size, args.queries, args.changes, work)
        print(
            f"| {size:,} | {r['json_cold_s']:.2f} / {r['fhir_cold_s']:.2f} "
            f"| {r['near_p50']:.2f} / {r['near_p99']:.2f} "
            f"| {r['all_p50']:.2f} / {r['all_p99']:.2f} "
            f"| {r['json_change'][0]:.1f} / {r['json_change'][1]:.1f} "
            f"| {r['fhir_change'][0]:.1f} / {r['fhir_change'][1]:.1f} | {r['rss']:.0f} |",
            flush=True,
        )
    print(f"load average {os.getloadavg()[0]:.1f} at the end")
    return 0


if __name__ == "__main__":
    sys.exit(main())
