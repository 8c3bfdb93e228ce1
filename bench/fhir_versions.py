"""What versioning costs a FHIR catalogue build: 9, 1,000 and 10,000 sites, in-process.

    .venv/bin/python bench/fhir_versions.py [--sizes 9 1000 10000]

For each size, on a temporary SQLite file (bench/scale.py's synthetic sites): the first
FHIR request (every resource built, digested, and inserted in fhir_version), the first
request after one site's status changes (every resource built and digested again, one
version row updated), and the same build with versions.stamp replaced by a stub that
records nothing (what the table costs, by difference; the digests are still made).
Median of 3, the two kinds interleaved.
"""

import argparse
import random
import statistics
import tempfile
import time
from pathlib import Path

from scale import add_synthetic_sites

from sitedir.app import create_app
from sitedir.extensions import db
from sitedir.fhir import versions
from sitedir.models import Site


def _timed(client, url: str) -> float:
    start = time.perf_counter()
    response = client.get(url)
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    return time.perf_counter() - start


def _change(app, rng) -> None:
    with app.app_context():
        site = db.session.scalar(db.select(Site).order_by(Site.id).limit(1))
        site.status_reason = f"bench {rng.random()}"
        db.session.commit()


def run(size: int, work: Path) -> dict:
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{work / f'fhir-{size}.sqlite3'}",
            "ENVIRONMENT": "development",  # a random SECRET_KEY is fine here
            "ACCESS_LOG": False,
            "RATELIMIT_ENABLED": False,
            "FRESHNESS_MS": 0,
        }
    )
    rng = random.Random(size)
    with app.app_context():
        add_synthetic_sites(size - 9, rng)
    client = app.test_client()
    url = "/fhir/Location/clermont-ferrand"
    first = _timed(client, url)
    real_stamp = versions.stamp
    changed, unversioned = [], []
    for _ in range(3):  # interleaved, so that the machine's noise falls on both alike
        _change(app, rng)
        changed.append(_timed(client, url))
        versions.stamp = lambda digests: {k: (1, None) for k in digests}
        try:
            _change(app, rng)
            unversioned.append(_timed(client, url))
        finally:
            versions.stamp = real_stamp
    with app.app_context():
        rows = db.session.scalar(db.text("SELECT count(*) FROM fhir_version"))
        db.engine.dispose()
    return {
        "size": size,
        "resources": rows,
        "first_s": first,
        "after_change_s": statistics.median(changed),
        "without_stamp_s": statistics.median(unversioned),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[9, 1000, 10000])
    args = parser.parse_args()
    print("| sites | resources | first request s | after a change s | same, no stamp s |")
    print("| ---: | ---: | ---: | ---: | ---: |")
    with tempfile.TemporaryDirectory() as work:
        for size in args.sizes:
            r = run(size, Path(work))
            print(
                f"| {r['size']:,} | {r['resources']:,} | {r['first_s']:.2f} | "
                f"{r['after_change_s']:.2f} | {r['without_stamp_s']:.2f} |"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
