"""A gunicorn worker killed (kill -9), then the master killed (kill -9), under load.

    .venv/bin/python -m bench.faults.gunicorn_kill [--target worker|master]
        [--pg-port 5513] [--http-port 18613]

A PostgreSQL cluster of its own; gunicorn (2 sync workers) in a process group of its
own, as systemd's cgroup. worker: one worker is killed at 5 s; the master replaces it.
master: the master is killed at 5 s; what systemd does with KillMode=mixed and
Restart=always (deploy/systemd/sitedir-web.service) is done by hand: the processes left
in the group are killed and a new gunicorn started (RestartSec=2 is not waited). Prints
answers per second, errors per second from the kill to the recovery, and acknowledged
writes against stored.
"""

import argparse
import json
import os
import signal
import tempfile
import time
from pathlib import Path

from bench.faults import harness
from bench.faults.services import postgres_cluster


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--target", choices=["worker", "master"], default="worker")
    parser.add_argument("--pg-port", type=int, default=5513)
    parser.add_argument("--http-port", type=int, default=18613)
    args = parser.parse_args()
    with postgres_cluster(args.pg_port) as cluster:
        env = harness.app_env(cluster.createdb("sitedir"), args.http_port)
        token = harness.python(harness.TOKEN_SCRIPT, env)
        log_path = Path(tempfile.mkdtemp()) / "gunicorn.log"
        server = harness.Gunicorn(env, log_path)
        server.start()
        run = harness.Run(args.http_port, token)
        back_at = None
        try:
            run.until(5)
            if args.target == "worker":
                os.kill(server.workers()[0], signal.SIGKILL)
                run.until(20)
            else:
                orphans = server.workers()
                os.kill(server.process.pid, signal.SIGKILL)
                run.until(6)  # the orphaned workers go on serving meanwhile
                alive = [p for p in orphans if Path(f"/proc/{p}").exists()]
                print(f"after the master's kill -9: {len(alive)} orphaned worker(s) still alive")
                server.kill_group()  # KillMode=mixed: the rest of the group
                killed_at = run.now()
                server.start(wait=False)
                while run.now() < killed_at + 120:  # the loop goes on: refusals counted
                    run.step()
                    if harness.request(args.http_port, "GET", "/readyz", timeout=2)[0] == 200:
                        break
                    time.sleep(0.1)
                back_at = run.now()
                print(f"new master ready {back_at - killed_at:.1f} s after the group was killed")
                run.until(back_at + 8)
        finally:
            server.stop()
        stored = json.loads(harness.python(harness.COUNT_SCRIPT, env))
        end = 6 if args.target == "master" else 5
        fault_to = back_at if back_at else end + 1
        print(f"{args.target} killed at 5 s")
        run.report(5, fault_to, stored)
        print(harness.log_summary(log_path))


if __name__ == "__main__":
    main()
