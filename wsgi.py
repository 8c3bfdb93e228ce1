"""WSGI entry point: `flask --app wsgi run`, or `gunicorn wsgi:app` (see gunicorn.conf.py)."""

import gc

from sitedir.app import create_app
from sitedir.places.search import get_index

app = create_app()
# Build the gazetteer's search index now: with gunicorn's preload_app the master builds
# it once and every forked worker shares it, instead of each paying for it on a request.
get_index()
# Long-lived tables need no more garbage collection; frozen, forked workers also keep
# sharing their memory pages instead of copying them when the collector touches them.
gc.freeze()
