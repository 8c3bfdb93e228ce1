"""WSGI entry point: `flask --app wsgi run`, or `gunicorn wsgi:app` (see gunicorn.conf.py)."""

import gc

from sitedir.app import create_app
from sitedir.places.search import get_index

app = create_app()
# Build the gazetteer's search index now: with gunicorn's preload_app the master builds
# it once and every forked worker shares it, instead of each paying for it on a request.
index = get_index()
# And its look-alike groups (the typo and "did you mean" steps), about 0.2 s and 7 MB:
# built lazily, a worker would stall on its first misses instead.
index.blocks.warm()
# Long-lived tables need no more garbage collection; frozen, forked workers also keep
# sharing their memory pages instead of copying them when the collector touches them.
gc.freeze()
