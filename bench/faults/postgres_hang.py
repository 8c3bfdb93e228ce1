"""PostgreSQL hung (SIGSTOP of the whole cluster) under load, then resumed (SIGCONT).

    .venv/bin/python -m bench.faults.postgres_hang [--down 10] [--port 5511] [--http-port 18611]

A PostgreSQL cluster of its own (bench/faults/services.py), never the machine's; gunicorn
(2 sync workers) on it; the client loop of bench/faults/harness.py: reads, and a status
change every 10th request. Prints answers per second, errors per second during the hang,
the recovery time, and acknowledged writes against those stored.
"""

import argparse
import json
import tempfile
from pathlib import Path

from bench.faults import harness
from bench.faults.services import postgres_cluster


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--down", type=float, default=10)
    parser.add_argument("--port", type=int, default=5511)
    parser.add_argument("--http-port", type=int, default=18611)
    args = parser.parse_args()
    with postgres_cluster(args.port) as cluster:
        url = cluster.createdb("sitedir")
        env = harness.app_env(url, args.http_port)
        token = harness.python(harness.TOKEN_SCRIPT, env)
        log_path = Path(tempfile.mkdtemp()) / "gunicorn.log"
        server = harness.Gunicorn(env, log_path)
        server.start()
        try:
            run = harness.Run(args.http_port, token)
            run.until(5)
            # For sizing max_connections: what 2 loaded workers hold (and the probe-free
            # steady state: no breaker open yet).
            held = cluster.run(
                "psql",
                "-h",
                "127.0.0.1",
                "-p",
                args.port,
                "-U",
                "postgres",
                "-Atc",
                "SELECT count(*) FROM pg_stat_activity WHERE datname = 'sitedir'",
            ).stdout.strip()
            cluster.hang()
            run.until(5 + args.down)
            cluster.resume()
            run.until(5 + args.down + 10)
        finally:
            server.stop()
        stored = json.loads(harness.python(harness.COUNT_SCRIPT, env))
        print(f"PostgreSQL hung (SIGSTOP) from 5 s to {5 + args.down:.0f} s")
        print(f"connections to the database at 5 s, 2 workers under load: {held}")
        run.report(5, 5 + args.down, stored)
        print(harness.log_summary(log_path))


if __name__ == "__main__":
    main()
