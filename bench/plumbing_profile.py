"""In-process cost of sitedir's hooks, with production settings, and where it goes.

    .venv/bin/python bench/plumbing_profile.py [--requests 5000] [--profile]
                                               [--redis redis://127.0.0.1:6379/11]

bench/plumbing.py's hello route inside sitedir's app and the bare hello app are called
through `app.wsgi_app` with a prepared WSGI environ (no server, socket or client), with
the production settings that cost something per request: rate limits on and counted in
Redis (a limit high enough that nothing is refused), the JSON access log on (written to
/dev/null), a trusted Host. Prints µs per request for each and their ratio; with
--profile, pyinstrument's tree for the hooked route follows (the dev extra, requirements-dev.txt).
"""

import argparse
import logging
import os
import platform
import sys
import tempfile
import time

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


def per_request_us(app, environ: dict, requests: int) -> tuple[float, set[str]]:
    """Mean µs per call after 300 warm-up calls, and the statuses seen."""
    for _ in range(300):
        _call(app, environ)
    seen = set()
    began = time.perf_counter()
    for _ in range(requests):
        seen.add(_call(app, environ))
    return (time.perf_counter() - began) / requests * 1e6, seen


def build_app(redis_url: str, work: str):
    """sitedir's app with production settings, plus the hello route."""
    os.environ.update(
        {
            "DATABASE_URL": f"sqlite:///{work}/sitedir.sqlite3",
            "SECRET_KEY": "bench",
            "REDIS_URL": redis_url,
            "SITEDIR_RATELIMIT": "true",
            "SITEDIR_RATELIMIT_PUBLIC": "100000000 per minute",
            "SITEDIR_RATELIMIT_PREFIX": "sitedir-bench-plumbing",
            "SITEDIR_ACCESS_LOG": "true",
        }
    )
    from sitedir.app import create_app
    from sitedir.web.request_log import log

    app = create_app()
    add_plumbing_route(app)
    # The access log is written, as in production, but to /dev/null.
    for handler in log.handlers:
        if isinstance(handler, logging.StreamHandler):
            handler.setStream(open(os.devnull, "w"))  # kept open for the process
    return app


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=5000)
    parser.add_argument("--redis", default=os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/11"))
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="sitedir-plumbing-") as work:
        app = build_app(args.redis, work)
        environ = EnvironBuilder(
            path=PLUMBING_PATH, headers={"Host": "localhost", "Accept": "*/*"}
        ).get_environ()
        bare = EnvironBuilder(path="/", headers={"Host": "localhost"}).get_environ()
        hooked_us, hooked_status = per_request_us(app, environ, args.requests)
        hello_us, _ = per_request_us(hello, bare, args.requests)
        print(
            f"machine: {platform.node()}, {os.cpu_count()} cores, Python"
            f" {platform.python_version()}, load {os.getloadavg()[0]:.1f};"
            f" limits counted in {args.redis}; {args.requests} requests each"
        )
        print()
        print("| route | µs per request | × hello | statuses |")
        print("| --- | ---: | ---: | --- |")
        print(
            f"| hello through sitedir's hooks | {hooked_us:.0f} | {hooked_us / hello_us:.2f} |"
            f" {', '.join(sorted(hooked_status))} |"
        )
        print(f"| bare hello | {hello_us:.0f} | 1.00 | 200 OK |")
        if args.profile:
            from pyinstrument import Profiler

            profiler = Profiler(interval=0.0001)
            profiler.start()
            for _ in range(args.requests):
                _call(app, environ)
            profiler.stop()
            print()
            print(profiler.output_text(unicode=True, show_all=bool(os.environ.get("PROFILE_ALL"))))
    return 0


if __name__ == "__main__":
    sys.exit(main())
