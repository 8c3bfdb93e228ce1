"""A route answering "hello" inside sitedir's app: the ceiling of any sitedir answer.

It goes through every hook a public read goes through (request id and access log, Host
check, body limit, CSRF, CORS, security headers, ETag) and does nothing else, so its cost
is the least any sitedir answer can cost; `bench/inprocess.py` (row `plumbing`) and
`bench/load.py --plumbing` measure it beside the bare hello.
"""

from flask import Flask

PLUMBING_PATH = "/api/v1/bench-hello"


def add_plumbing_route(app: Flask) -> None:
    """Add the hello route to sitedir's app (benchmarks only, never in the product)."""
    app.add_url_rule(PLUMBING_PATH, "bench_hello", lambda: "hello")
