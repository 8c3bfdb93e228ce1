"""WSGI entry point for servers: `gunicorn wsgi:app` (see gunicorn.conf.py), `./dev run`.

It warms the process up for serving (the gazetteer's index, the sites' snapshot), which
the command line does not need: `flask --app sitedir.app ...` builds the app alone.
"""

import gc
import sys

from sitedir.app import create_app
from sitedir.config import SettingError
from sitedir.database import schema_problem
from sitedir.places.search import get_index
from sitedir.readmodel.snapshot import build_before_fork
from sitedir.web.lazy_spec import api_of

try:
    app = create_app()
except SettingError as error:
    # A setting that does not parse, or no SECRET_KEY in production: one line, status 1.
    sys.exit(str(error))
# Nothing to serve from a database without the code's schema (SITEDIR_SEED_ON_START=false
# and `db upgrade` not run yet): one line that says what to run, then exit with status 1.
problem = schema_problem(app)
if problem:
    sys.exit(problem)
# Build the gazetteer's search index now: with gunicorn's preload_app the master builds
# it once and every forked worker shares it, instead of each paying for it on a request.
index = get_index()
# And its look-alike groups (the typo and "did you mean" steps), about 0.2 s and 7 MB:
# built lazily, a worker would stall on its first misses instead.
index.blocks.warm()
# The sites too, serialised and indexed once here: a worker forked from this process starts
# with them and reads only what changed since (at 100,000 sites, building them on each
# worker's first request would take longer than gunicorn's timeout).
build_before_fork(app)
# The OpenAPI document, written lazily elsewhere (web/lazy_spec.py): once here, for every
# worker, rather than on each worker's first /api/v1/openapi.json.
api_of(app).write_document()
# Long-lived tables need no more garbage collection; frozen, forked workers also keep
# sharing their memory pages instead of copying them when the collector touches them.
gc.freeze()
