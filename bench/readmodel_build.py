"""The read model's first build at 100,000 sites: where its time goes, change by change.

    .venv/bin/python bench/readmodel_build.py [--size 100000] [--runs 2]

One SQLite file of synthetic sites (bench/scale.py's, in a temporary folder), then, each
in a process of its own and in turns (`--runs` rounds), the first /api/v1/nearest request
(the snapshot's first build) with:

- `as shipped`: the collector paused during the build, one full collection after it,
  no hospital entries (the JSON API never asks for them);
- `collector running`: sitedir/domain/collector.gc_paused made a no-op for the build;
- `FHIR's parts too`: then every hospital's entry and the index's FHIR groups, as
  FHIR's first request makes them (current_snapshot(fhir=True)), FHIR's own entries not.

For each: the request's time, the collector's time and collections during it (counted
by gc.callbacks), and the RSS it added. Figures in bench/RESULTS.md.
"""

import argparse
import contextlib
import gc
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

VARIANTS = ("as shipped", "collector running", "FHIR's parts too")


def measure(url: str, variant: str) -> dict:
    """One first build in this process (the child's side)."""
    from scale import rss_mb  # beside this script

    from sitedir.app import create_app
    from sitedir.places.search import get_index
    from sitedir.readmodel import snapshot

    if variant == "collector running":
        snapshot.gc_paused = lambda collect_above=None: contextlib.nullcontext()
    app = create_app(
        {
            "ENVIRONMENT": "development",
            "SQLALCHEMY_DATABASE_URI": url,
            "ACCESS_LOG": False,
            "RATELIMIT_ENABLED": False,
        }
    )
    get_index()  # the place index, built before: not part of the read model's build
    spent, started = [], [0.0]

    def note(phase, info):
        if phase == "start":
            started[0] = time.perf_counter()
        else:
            spent.append(time.perf_counter() - started[0])

    client = app.test_client()
    before = rss_mb()
    gc.callbacks.append(note)
    began = time.perf_counter()
    if variant == "FHIR's parts too":
        with app.app_context():
            snapshot.current_snapshot(fhir=True)
    else:
        assert client.get("/api/v1/nearest?insee=75056").status_code == 200
    took = time.perf_counter() - began
    gc.callbacks.remove(note)
    return {"s": took, "gc_s": sum(spent), "collections": len(spent), "rss": rss_mb() - before}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=2)
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)  # url, variant
    args = parser.parse_args()
    if args.child:
        print(json.dumps(measure(*args.child)))
        return 0
    from scale import add_synthetic_sites

    from sitedir.app import create_app

    work = Path(tempfile.mkdtemp(prefix="sitedir-readmodel-build-"))
    url = f"sqlite:///{work / 'sites.sqlite3'}"
    app = create_app({"ENVIRONMENT": "development", "SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        add_synthetic_sites(args.size - 9, random.Random(args.size))
    print(
        f"machine: {os.uname().nodename}, {os.cpu_count()} cores, load average "
        f"{os.getloadavg()[0]:.1f} at start; {args.size:,} sites"
    )
    print()
    print("| round | build | first request (s) | collector (s) | collections | RSS added (MB) |")
    print("| ---: | --- | ---: | ---: | ---: | ---: |")
    for round_ in range(1, args.runs + 1):
        for variant in VARIANTS:
            out = subprocess.run(
                [sys.executable, __file__, "--child", url, variant],
                capture_output=True,
                text=True,
                check=True,
            ).stdout
            r = json.loads(out.strip().splitlines()[-1])
            print(
                f"| {round_} | {variant} | {r['s']:.1f} | {r['gc_s']:.2f} "
                f"| {r['collections']:,} | {r['rss']:.0f} |",
                flush=True,
            )
    print(f"load average {os.getloadavg()[0]:.1f} at the end")
    return 0


if __name__ == "__main__":
    sys.exit(main())
