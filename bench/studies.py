"""What several studies cost: nearest across the studies of a condition, the studies list,
and the snapshot build that reads the studies with the sites.

    .venv/bin/python bench/studies.py [--studies 1 10 100 500] [--requests 2000]

For each count, a seeded SQLite file in a temporary folder gets that many synthetic studies
of one condition (each a copy of the seeded study's nine sites, all recruiting, with a
record's details: conditions with a MeSH code, keywords, sponsor), rate limits off, access
log off. The rows, in µs per request through `app.wsgi_app` (no server, no socket):

- across-first: /api/v1/nearest?condition=lupus&q=<town>, a town not asked before on every
  call (so each one resolves the town and ranks every study's sites);
- across-cached: the same query repeated (the answer cache);
- studies: /api/v1/studies?condition=lupus, which reads and folds every study;
- build: one snapshot build after a write (a site's status), in ms.
"""

import argparse
import copy
import os
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from inprocess import _call, per_request_us  # beside this script
from werkzeug.test import EnvironBuilder

DETAILS = {
    "sponsor": "Synthetic sponsor",
    "conditions": [{"term": "Systemic Lupus Erythematosus", "mesh": "D008180"}],
    "keywords": ["CAR-T", "lupus"],
    "minimum_age": "18 Years",
    "sex": "ALL",
}


def _populate(count: int) -> None:
    """Add count - 1 studies like the seeded one, each with its nine sites, recruiting."""
    from sitedir.extensions import db
    from sitedir.models import Site, Study

    seeded = db.session.scalar(db.select(Study).where(Study.slug == "cart-lupus"))
    seeded_sites = list(seeded.sites)
    columns = [c.key for c in Study.__table__.columns if c.key not in ("id", "slug")]
    for n in range(1, count):
        study = Study(slug=f"synthetic-{n:04d}", **{c: getattr(seeded, c) for c in columns})
        study.title_fr = study.title_en = f"Synthetic lupus study {n}"
        study.details = copy.deepcopy(DETAILS)
        db.session.add(study)
        for site in seeded_sites:
            db.session.add(
                Site(
                    slug=f"synthetic-{n:04d}-{site.slug}",
                    study=study,
                    institution_id=site.institution_id,
                    city=site.city,
                    units=[],
                    status="recruiting",
                    source="bench",
                )
            )
    db.session.commit()


def _environ(path: str, **query) -> dict:
    return EnvironBuilder(path=path, query_string=query).get_environ()


def run(count: int, requests: int) -> dict:
    folder = tempfile.mkdtemp(prefix="sitedir-studies-")
    os.environ.update(
        DATABASE_URL=f"sqlite:///{folder}/sitedir.sqlite3",
        SECRET_KEY="bench",
        SITEDIR_RATELIMIT="false",
        SITEDIR_ACCESS_LOG="false",
    )
    from sitedir.app import create_app
    from sitedir.extensions import db
    from sitedir.models import Site
    from sitedir.places.gazetteer import get_gazetteer
    from sitedir.readmodel.snapshot import current_snapshot

    app = create_app()
    with app.app_context():
        _populate(count)
    names = sorted({p.name for p in get_gazetteer().places()})
    towns = random.Random(42).sample(names, requests + 200)
    first = [_environ("/api/v1/nearest", condition="lupus", q=t) for t in towns]
    cached = [_environ("/api/v1/nearest", condition="lupus", q="Vichy")] * (requests + 200)
    listed = [_environ("/api/v1/studies", condition="lupus")] * (min(requests, 500) + 200)
    _call(app, cached[0])
    row = {
        "across-first": per_request_us(app, first),
        "across-cached": per_request_us(app, cached),
        "studies": per_request_us(app, listed),
    }
    builds = []
    with app.app_context():
        current_snapshot()
        for i in range(20):
            site = db.session.scalar(db.select(Site).where(Site.slug == "clermont-ferrand"))
            site.status = "suspended" if i % 2 == 0 else "recruiting"
            db.session.commit()
            began = time.perf_counter()
            current_snapshot()
            builds.append((time.perf_counter() - began) * 1000)
    row["build"] = sorted(builds)[len(builds) // 2]
    return row


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--studies", type=int, nargs="+", default=[1, 10, 100, 500])
    parser.add_argument("--requests", type=int, default=2000)
    args = parser.parse_args()
    print(f"{os.cpu_count()} cores; {args.requests} calls per row; FRESHNESS_MS default")
    print("studies | across-first µs | across-cached µs | studies µs | build ms (median of 20)")
    for count in args.studies:
        r = run(count, args.requests)
        print(
            f"{count} | {r['across-first']:.0f} | {r['across-cached']:.0f} | "
            f"{r['studies']:.0f} | {r['build']:.1f}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
