"""A PostgreSQL backup restored under a feed reader: `pg_dump`, more events, `pg_restore`
into a fresh database, `flask feed restored`, then does the reader's cursor get new events?

    .venv/bin/python -m bench.faults.restore_pg [--port 5514]

On a PostgreSQL cluster of its own. Prints each step and what the reader got.
"""

import argparse
import json
import os
import subprocess
import sys

from bench.faults import harness
from bench.faults.services import postgres_cluster

EVENTS = """
import json, sys
from sitedir.app import create_app
from sitedir.events.outbox import CONFIRMED, record
from sitedir.extensions import db
from sitedir.models import Site
app = create_app()
with app.app_context():
    site = db.session.scalar(db.select(Site).where(Site.slug == "clermont-ferrand"))
    for _ in range(int(sys.argv[1])):
        record(CONFIRMED, site, {"status": site.status})
    db.session.commit()
    client = app.test_client()
    since = sys.argv[2] if len(sys.argv) > 2 else ""
    body = client.get("/api/v1/changes" + (f"?since={since}" if since else "")).get_json()
    print(json.dumps({"ids": [e["id"] for e in body["events"]], "next": body["next"]}))
"""


def run(script_args, env) -> dict:
    done = subprocess.run(
        [sys.executable, "-c", EVENTS, *script_args],
        env=env,
        cwd=harness.ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=5514)
    args = parser.parse_args()
    with postgres_cluster(args.port) as cluster:
        live = {
            **os.environ,
            "SITEDIR_ENV": "development",
            "DATABASE_URL": cluster.createdb("sitedir"),
        }
        first = run(["2"], live)
        print(f"live: {len(first['ids'])} event(s)")
        dump = cluster.folder / "sitedir.dump"
        cluster.run(
            "pg_dump",
            "-h",
            "127.0.0.1",
            "-p",
            args.port,
            "-U",
            "postgres",
            "-Fc",
            "-d",
            "sitedir",
            "-f",
            dump,
        )
        late = run(["3"], live)
        print(f"after the dump: 3 more events; a reader's cursor at {late['next']}")
        restored_url = cluster.createdb("sitedir_restored")
        cluster.run(
            "pg_restore",
            "-h",
            "127.0.0.1",
            "-p",
            args.port,
            "-U",
            "postgres",
            "--no-owner",
            "-d",
            "sitedir_restored",
            dump,
        )
        restored = {
            **os.environ,
            "SITEDIR_ENV": "development",
            "DATABASE_URL": restored_url,
            "SITEDIR_SEED_ON_START": "false",
        }
        done = subprocess.run(
            [sys.executable, "-m", "flask", "--app", "sitedir.app", "feed", "restored"],
            env=restored,
            cwd=harness.ROOT,
            capture_output=True,
            text=True,
            check=True,
        )
        print("flask feed restored: " + done.stdout.strip())
        after = run(["1", late["next"]], restored)
        print(
            f"one new event after the restore: the reader (cursor {late['next']}) got "
            f"{len(after['ids'])} event(s), {after['ids']}; next {after['next']}"
        )


if __name__ == "__main__":
    main()
