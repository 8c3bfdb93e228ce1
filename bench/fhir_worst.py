"""FHIR worst-case searches beside normal traffic, at 10,000 sites, over HTTP (issue 21.1).

    .venv/bin/python bench/fhir_worst.py [--size 10000] [--duration 20] [--attackers 1]

Bounded: one SQLite file of `--size` sites in a temporary directory (the synthetic sites of
bench/scale.py), gunicorn (the repository's gunicorn.conf.py, 2 workers) on a free port of
127.0.0.1, rate limits off so that the attacker is not stopped by them (the point is the
cost of each request). It measures, each phase `--duration` seconds:

1. nearest alone: one client sending distinct INSEE origins in a loop (p50, p99);
2. the same, while `--attackers` clients send the costliest FHIR searches a request line
   holds (tests/test_fhir_bounds.py builds them): status and latency of those, and the
   nearest latencies again;
3. a normal FHIR search (`name=centre`) alone, for scale.

It prints one line per measure and the load average; bench/RESULTS.md records a run.
"""

import argparse
import itertools
import os
import random
import statistics
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

from load import ROOT, stop  # beside this script
from scale import add_synthetic_sites
from scale_http import free_port, start, warm

sys.path.insert(0, str(ROOT))
from sitedir.app import create_app
from sitedir.places.gazetteer import get_gazetteer
from tests.test_fhir_bounds import _worst_queries

WORKERS = 2


def get(url: str) -> tuple[int, float]:
    started = time.perf_counter()
    try:
        with urllib.request.urlopen(url, timeout=120) as response:
            response.read()
            status = response.status
    except urllib.error.HTTPError as error:
        error.read()
        status = error.code
    return status, (time.perf_counter() - started) * 1000


def loop(urls, seconds: float, out: list, stop_flag: threading.Event | None = None):
    """GET the urls in turn for `seconds` (or until stop_flag); (status, ms) appended."""
    deadline = time.monotonic() + seconds
    for url in urls:
        if time.monotonic() > deadline or (stop_flag and stop_flag.is_set()):
            return
        out.append(get(url))


def summary(name: str, results: list) -> str:
    times = sorted(ms for _, ms in results)
    statuses = sorted({s for s, _ in results})
    if not times:
        return f"{name}: no request"
    p99 = times[min(len(times) - 1, int(0.99 * len(times)))]
    return (
        f"{name}: n={len(times)} p50={statistics.median(times):.1f} ms p99={p99:.1f} ms "
        f"max={times[-1]:.1f} ms statuses={statuses}"
    )


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--size", type=int, default=10_000)
    parser.add_argument("--duration", type=float, default=20)
    parser.add_argument("--attackers", type=int, default=1)
    args = parser.parse_args()
    rng = random.Random(21)
    with tempfile.TemporaryDirectory() as work:
        url = f"sqlite:///{Path(work) / 'fhir-worst.sqlite3'}"
        app = create_app(
            {"SQLALCHEMY_DATABASE_URI": url, "ACCESS_LOG": False, "ENVIRONMENT": "development"}
        )
        with app.app_context():
            add_synthetic_sites(args.size - 9, rng)
        port = free_port()
        env = {
            **os.environ,
            "DATABASE_URL": url,
            "SITEDIR_ENV": "development",
            "SITEDIR_SEED_ON_START": "false",
            "SITEDIR_RATELIMIT": "false",
            "SITEDIR_ACCESS_LOG": "0",
            "WEB_CONCURRENCY": str(WORKERS),
        }
        base = f"http://127.0.0.1:{port}"
        with open(Path(work) / "gunicorn.log", "w") as log:
            server = start(env, port, log)
            try:
                insees = sorted(p.insee for p in get_gazetteer().places())
                rng.shuffle(insees)
                origins = (f"/api/v1/nearest?insee={i}&limit=3" for i in itertools.cycle(insees))
                warm(base, origins, WORKERS, threshold_ms=500)
                get(base + "/fhir/Location?_count=1")  # every worker builds its catalogue
                get(base + "/fhir/Location?_count=1")
                nearest = (base + path for path in origins)
                alone: list = []
                loop(nearest, args.duration, alone)
                print(summary("nearest alone", alone))
                attacks = [base + "/fhir/Location?" + q for q in _worst_queries().values()]
                attacked: list = []
                hostile: list = []
                done = threading.Event()
                threads = [
                    threading.Thread(
                        target=loop, args=(itertools.cycle(attacks), 3600, hostile, done)
                    )
                    for _ in range(args.attackers)
                ]
                for thread in threads:
                    thread.start()
                loop(nearest, args.duration, attacked)
                done.set()
                for thread in threads:
                    thread.join()
                print(summary("nearest beside worst-case FHIR", attacked))
                print(summary(f"worst-case FHIR ({args.attackers} client(s))", hostile))
                normal: list = []
                loop(itertools.cycle([base + "/fhir/Location?name=centre"]), 5, normal)
                print(summary("normal FHIR search (name=centre)", normal))
                print(f"load average: {os.getloadavg()}")
            finally:
                stop(server)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
