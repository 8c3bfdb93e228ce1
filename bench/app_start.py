"""What one app costs to build, and what it now leaves for later (issue 26 §1).

    .venv/bin/python bench/app_start.py [N]

Builds N apps (no migrations, no seeds: the `app` fixture's start) four ways, and prints
this process's CPU per app for each, twice over:
- `create_app` as it is: the OpenAPI document unwritten, the URL builders uncompiled;
- the same, then the document written and every rule's builders compiled: what building
  them at start-up, as flask-smorest and Werkzeug do by default, costs;
- the same as the first, then the three legal pages rendered, with the process's compiled
  templates (web/template_cache.py) and without (each app compiling its own).
"""

import logging
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.update(SITEDIR_ENV="test", SITEDIR_SEEDS_DIR=str(ROOT / "tests" / "data" / "seeds"))

from sitedir.web.lazy_spec import api_of  # noqa: E402
from tests.seeded_db import app_without_seeding, close_app  # noqa: E402

PAGES = ("/mentions-legales", "/accessibilite", "/donnees-personnelles")


def alone(app) -> None:
    """Nothing more than create_app."""


def eager(app) -> None:
    """Write what create_app left for later: the document and every rule's builders."""
    api_of(app).write_document()
    for rule in app.url_map.iter_rules():
        for builder in (rule._build, rule._build_unknown):
            try:
                builder(**{name: "1" for name in rule.arguments})
            except Exception:  # a converter refusing "1": compiled all the same
                pass


def pages(app) -> None:
    client = app.test_client()
    for page in PAGES:
        client.get(page).close()


def pages_without_the_shared_cache(app) -> None:
    app.jinja_env.bytecode_cache = None  # read by Jinja as it loads each template
    pages(app)


def cpu_per_app(then, rounds: int) -> float:
    """CPU seconds per app for `rounds` apps, each built then given to `then`."""
    began = time.process_time()
    for _ in range(rounds):
        app = app_without_seeding("sqlite://")
        then(app)
        close_app(app)
    return (time.process_time() - began) / rounds


def main(rounds: int) -> None:
    logging.disable(logging.CRITICAL)
    close_app(app_without_seeding("sqlite://"))  # imports, and the first compiles
    pages(app_without_seeding("sqlite://"))
    load = os.getloadavg()[0]
    print(f"{rounds} apps each, CPU ms per app, {os.cpu_count()} cores, load {load:.1f}")
    for _ in range(2):  # twice over: the machine may be shared
        for name, then in (
            ("create_app", alone),
            ("create_app + document + builders", eager),
            ("create_app + 3 pages, shared compiled templates", pages),
            ("create_app + 3 pages, each app compiling", pages_without_the_shared_cache),
        ):
            print(f"  {name:50} {cpu_per_app(then, rounds) * 1000:7.1f}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 30)
