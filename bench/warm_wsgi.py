"""wsgi.py as it is, plus the trigram groups of place search built before the fork.

    .venv/bin/python bench/load.py --warm

What one more line in wsgi.py (`get_index().blocks.warm()`, before `gc.freeze()`) would do:
the master builds every group once (about 0.2 s, 7 MB) and the workers share them, instead
of each worker building the groups its first misses need while requests wait.
"""

import gc

from sitedir.places.search import get_index
from wsgi import app

get_index().blocks.warm()
gc.freeze()

__all__ = ["app"]
