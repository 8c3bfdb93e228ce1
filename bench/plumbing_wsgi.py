"""wsgi.py as it is, plus bench/plumbing.py's hello route, for `bench/load.py --plumbing`."""

from bench.plumbing import add_plumbing_route
from wsgi import app

add_plumbing_route(app)

__all__ = ["app"]
