"""Redis killed (kill -9, then started again) or hung (SIGSTOP, then SIGCONT) under load.

    .venv/bin/python -m bench.faults.redis_fault --mode kill|hang [--down 10]
        [--pg-port 5512] [--redis-port 6311] [--http-port 18612]

A PostgreSQL cluster and a redis-server of its own (bench/faults/services.py); gunicorn
(2 sync workers) with its rate limits in that Redis (limits raised far above the loop's
rate, so that only Redis' absence can change an answer). The loop of harness.py: reads,
a status change every 10th request (admin API, rate-limited in Redis too); /readyz is
asked once a second. Prints answers per second, errors per second during the fault, the
recovery time, acknowledged writes against stored.
"""

import argparse
import json
import tempfile
import time
from collections import Counter
from pathlib import Path

from bench.faults import harness
from bench.faults.services import postgres_cluster, redis_server


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--mode", choices=["kill", "hang"], default="kill")
    parser.add_argument("--down", type=float, default=10)
    parser.add_argument("--pg-port", type=int, default=5512)
    parser.add_argument("--redis-port", type=int, default=6311)
    parser.add_argument("--http-port", type=int, default=18612)
    args = parser.parse_args()
    with postgres_cluster(args.pg_port) as cluster, redis_server(args.redis_port) as redis:
        env = harness.app_env(
            cluster.createdb("sitedir"),
            args.http_port,
            SITEDIR_RATELIMIT="true",
            REDIS_URL=redis.url,
            SITEDIR_RATELIMIT_PUBLIC="1000000 per minute",
            SITEDIR_RATELIMIT_ADMIN="1000000 per minute",
        )
        token = harness.python(harness.TOKEN_SCRIPT, env)
        log_path = Path(tempfile.mkdtemp()) / "gunicorn.log"
        server = harness.Gunicorn(env, log_path)
        server.start()
        readiness: Counter = Counter()
        asked = {"at": 0.0}

        def probe():
            if time.monotonic() - asked["at"] >= 1:
                asked["at"] = time.monotonic()
                status, _, body = harness.request(args.http_port, "GET", "/readyz")
                word = json.loads(body).get("status") if body else "no answer"
                readiness[(int(run.now()) // 5 * 5, f"{status} {word}")] += 1

        try:
            run = harness.Run(args.http_port, token)
            run.until(5, probe)
            if args.mode == "kill":
                redis.kill()
            else:
                redis.hang()
            run.until(5 + args.down, probe)
            if args.mode == "kill":
                redis.start()
            else:
                redis.resume()
            run.until(5 + args.down + 10, probe)
        finally:
            server.stop()
        stored = json.loads(harness.python(harness.COUNT_SCRIPT, env))
        print(
            f"Redis {'killed' if args.mode == 'kill' else 'hung'} from 5 s to {5 + args.down:.0f} s"
        )
        run.report(5, 5 + args.down, stored)
        print(harness.log_summary(log_path))
        print(
            "/readyz by 5 s window: "
            + ", ".join(f"{k[0]} s: {k[1]} ×{v}" for k, v in sorted(readiness.items()))
        )


if __name__ == "__main__":
    main()
