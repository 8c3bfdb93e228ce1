"""In-process cost of one request: a cached /api/v1/nearest answer against a bare hello.

    .venv/bin/python bench/inprocess.py [--requests 5000] [--profile] [--fresh]

Both apps are called through `app.wsgi_app` with a prepared WSGI environ, so no server,
socket or client is measured: only what Flask and sitedir do per request. sitedir runs on
a seeded SQLite file in a temporary folder (so the fingerprint has its own connections,
as in production), rate limits off, access log on (written to /dev/null). The nearest
query repeats, so after the warm-up every call takes the answered-before path; with
--fresh, each call asks for a town not asked before (distinct commune names from the
gazetteer), so each one is validated, resolved and ranked. With --profile, cProfile's
cumulative list for the nearest calls follows.
"""

import argparse
import cProfile
import io
import logging
import os
import platform
import pstats
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from werkzeug.test import EnvironBuilder  # noqa: E402

from bench.hello_app import app as hello  # noqa: E402


def _call(app, environ: dict) -> str:
    statuses = []
    body = app.wsgi_app(
        dict(environ), lambda status, headers, exc_info=None: statuses.append(status)
    )
    b"".join(body)
    if hasattr(body, "close"):
        body.close()
    return statuses[0]


def per_request_us(app, environs: list[dict]) -> float:
    """Mean microseconds per call over `environs`, after a warm-up of 200 other calls."""
    for environ in environs[:200]:
        _call(app, environ)
    began = time.perf_counter()
    for environ in environs[200:]:
        _call(app, environ)
    return (time.perf_counter() - began) / (len(environs) - 200) * 1e6


def _nearest_environs(count: int, fresh: bool) -> list[dict]:
    if not fresh:
        one = EnvironBuilder(path="/api/v1/nearest", query_string="q=Vichy").get_environ()
        return [one] * count
    from sitedir.places.gazetteer import get_gazetteer

    names = sorted({place.name for place in get_gazetteer().places()})
    names = random.Random(42).sample(names, count)
    return [
        EnvironBuilder(path="/api/v1/nearest", query_string={"q": name}).get_environ()
        for name in names
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=5000)
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--fresh", action="store_true", help="a new town on every call")
    args = parser.parse_args()

    folder = tempfile.mkdtemp(prefix="sitedir-inprocess-")
    os.environ.update(
        DATABASE_URL=f"sqlite:///{folder}/sitedir.sqlite3",
        SECRET_KEY="bench",
        SITEDIR_RATELIMIT="false",
        SITEDIR_ACCESS_LOG="true",
    )
    from sitedir import create_app

    sitedir = create_app()
    access = logging.getLogger("sitedir.access")
    for handler in access.handlers:
        handler.setStream(open(os.devnull, "w"))  # formatted and written, but not shown

    calls = args.requests + 200
    nearest = _nearest_environs(2 * calls if args.profile else calls, args.fresh)
    assert _call(sitedir, nearest[0]) == "200 OK"
    near_us = per_request_us(sitedir, nearest[:calls])
    hello_us = per_request_us(hello, [EnvironBuilder(path="/").get_environ()] * calls)
    print(
        f"machine: {platform.node()}, {os.cpu_count()} cores, Python {platform.python_version()};"
        f" {args.requests} calls each"
    )
    kind = "a new town each call" if args.fresh else "cached answer"
    print(f"nearest ({kind}): {near_us:.0f} µs per request")
    print(f"hello: {hello_us:.0f} µs per request")
    print(f"ratio hello/nearest: {hello_us / near_us:.2f}")

    if args.profile:
        profile = cProfile.Profile()
        profile.enable()
        for environ in nearest[calls:]:
            _call(sitedir, environ)
        profile.disable()
        out = io.StringIO()
        pstats.Stats(profile, stream=out).sort_stats("cumulative").print_stats(40)
        print(out.getvalue())
    return 0


if __name__ == "__main__":
    sys.exit(main())
