"""In-process cost of one /api/v1/nearest request, by kind, against a bare hello.

    .venv/bin/python bench/inprocess.py [--requests 5000] [--rows cached first miss]
                                        [--profile ROW]

Both apps are called through `app.wsgi_app` with a prepared WSGI environ, so no server,
socket or client is measured: only what Flask and sitedir do per request. sitedir runs on
a seeded SQLite file in a temporary folder (so the fingerprint has its own connections,
as in production), rate limits off, access log on (written to /dev/null), FRESHNESS_MS as
configured (SITEDIR_FRESHNESS_MS; 1000 by default). The rows:

- cached: one town repeated, so after the warm-up every call takes the answered-before path;
- first: a town not asked before on every call (distinct commune names from the
  gazetteer), so each one is validated, resolved and ranked;
- miss: a query that matches nothing, a new one on every call (made-up words), so each one
  goes through the typo step and the "did you mean" suggestions, and answers 404;
- repeated-miss: one such query, repeated;
- plumbing: bench/plumbing.py's route answering "hello" inside sitedir's app, through
  every hook a public read goes through: the least any sitedir answer costs.

Each row prints µs per request and its ratio to the first-time town. With --profile ROW,
cProfile's cumulative list for that row's calls follows.
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
from collections import Counter

from hello_app import app as hello  # beside this script, whose folder Python puts first
from plumbing import PLUMBING_PATH, add_plumbing_route
from werkzeug.test import EnvironBuilder


def _call(app, environ: dict) -> str:
    statuses = []
    body = app.wsgi_app(
        dict(environ), lambda status, headers, exc_info=None: statuses.append(status)
    )
    b"".join(body)
    if hasattr(body, "close"):
        body.close()
    return statuses[0]


def per_request_us(app, environs: list[dict], statuses: Counter | None = None) -> float:
    """Mean microseconds per call over `environs`, after a warm-up of 200 other calls;
    the timed calls' statuses are counted into `statuses`."""
    for environ in environs[:200]:
        _call(app, environ)
    seen = []
    began = time.perf_counter()
    for environ in environs[200:]:
        seen.append(_call(app, environ))
    elapsed = time.perf_counter() - began
    if statuses is not None:
        statuses.update(seen)
    return elapsed / (len(environs) - 200) * 1e6


def _environ(query: str) -> dict:
    return EnvironBuilder(path="/api/v1/nearest", query_string={"q": query}).get_environ()


def made_up_words(count: int, seed: int = 7) -> list[str]:
    """Distinct queries that look like words but name no commune: one or two words of
    5 to 12 letters, alternating consonant clusters and vowels."""
    rng = random.Random(seed)
    consonants, vowels = "bcdfghjklmnprstvwxz", "aeiouy"
    out: set[str] = set()
    while len(out) < count:
        words = []
        for _ in range(rng.choice((1, 1, 2))):
            letters = []
            while len(letters) < rng.randint(5, 12):
                letters += [rng.choice(consonants), rng.choice(consonants), rng.choice(vowels)]
            words.append("".join(letters).capitalize())
        out.add(" ".join(words))
    return sorted(out)


def nearest_environs(row: str, count: int) -> list[dict]:
    """`count` prepared requests for one row of the table."""
    if row == "cached":
        return [_environ("Vichy")] * count
    if row == "plumbing":
        return [EnvironBuilder(path=PLUMBING_PATH).get_environ()] * count
    if row == "repeated-miss":
        return [_environ("Zqrwvbxtk")] * count
    if row == "miss":
        return [_environ(q) for q in made_up_words(count)]
    from sitedir.places.gazetteer import get_gazetteer

    names = sorted({place.name for place in get_gazetteer().places()})
    return [_environ(name) for name in random.Random(42).sample(names, count)]


def _statuses(counts: Counter) -> str:
    return ", ".join(f"{n} × {status.split()[0]}" for status, n in counts.most_common())


ROWS = ("cached", "first", "miss", "repeated-miss", "plumbing")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=5000)
    parser.add_argument("--rows", nargs="+", choices=ROWS, default=list(ROWS))
    parser.add_argument("--profile", choices=ROWS, help="profile this row's calls")
    args = parser.parse_args()

    folder = tempfile.mkdtemp(prefix="sitedir-inprocess-")
    os.environ.update(
        DATABASE_URL=f"sqlite:///{folder}/sitedir.sqlite3",
        SECRET_KEY="bench",
        SITEDIR_RATELIMIT="false",
        SITEDIR_ACCESS_LOG="true",
    )
    from sitedir.app import create_app

    sitedir = create_app()
    add_plumbing_route(sitedir)
    access = logging.getLogger("sitedir.access")
    for handler in access.handlers:
        handler.setStream(open(os.devnull, "w"))  # formatted and written, but not shown

    calls = args.requests + 200
    print(
        f"machine: {platform.node()}, {os.cpu_count()} cores, Python {platform.python_version()};"
        f" {args.requests} calls each; FRESHNESS_MS {sitedir.config['FRESHNESS_MS']}"
    )
    timings, statuses = {}, {}
    rows = sorted(set(args.rows) | ({args.profile} if args.profile else set()), key=ROWS.index)
    for row in rows:
        environs = nearest_environs(row, 2 * calls if row == args.profile else calls)
        statuses[row] = Counter()
        timings[row] = per_request_us(sitedir, environs[:calls], statuses[row])
        if row == args.profile:
            profile = cProfile.Profile()
            profile.enable()
            for environ in environs[calls:]:
                _call(sitedir, environ)
            profile.disable()
            out = io.StringIO()
            pstats.Stats(profile, stream=out).sort_stats("cumulative").print_stats(40)
            profiled = out.getvalue()
    hello_us = per_request_us(hello, [EnvironBuilder(path="/").get_environ()] * calls)
    print()
    print("| request | statuses | µs per request | × first-time town | × hello |")
    print("| --- | --- | ---: | ---: | ---: |")
    for row in rows:
        versus_first = f"{timings[row] / timings['first']:.2f}" if "first" in timings else "-"
        print(
            f"| {row} | {_statuses(statuses[row])} | {timings[row]:.0f} | {versus_first} |"
            f" {timings[row] / hello_us:.1f} |"
        )
    print(f"| hello | 200 OK | {hello_us:.0f} | - | 1.0 |")
    if args.profile:
        print()
        print(profiled)
    return 0


if __name__ == "__main__":
    sys.exit(main())
