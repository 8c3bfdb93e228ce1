"""Hostile webhook receivers beside a healthy one, against the real worker process.

    .venv/bin/python -m bench.faults.webhooks_hostile [--events 20]

On a SQLite database of its own: one healthy receiver and five hostile ones (a bad
Retry-After, one byte at a time, an endless body, a dropped connection, a 410; the
socket servers of tests/test_webhooks_hostile.py), all on 127.0.0.1. --events status
changes are made, then `flask webhooks deliver` runs as the systemd unit runs it, with
the default timeouts. Prints how long the healthy receiver took to get every event (in
order, each once), the most requests any receiver had open for one event at once
(1: never in flight twice), what each hostile one got, and how long the worker took to
stop on SIGTERM.
"""

import argparse
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from sitedir.app import create_app
from tests.helpers import make_tokens
from tests.test_webhooks import register, set_status
from tests.test_webhooks_hostile import BEHAVIOURS, Hostile, answer

ROOT = Path(__file__).resolve().parents[2]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=20)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="sitedir-faults-webhooks-"))
    url = f"sqlite:///{folder}/sitedir.sqlite3"
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": url,
            "ENVIRONMENT": "development",
            "WEBHOOKS_ALLOW_PRIVATE": True,
            "ACCESS_LOG": False,
        }
    )
    client = app.test_client()
    tokens = make_tokens(app)
    healthy = Hostile(answer(200))
    hostile = {name: Hostile(behave) for name, behave in BEHAVIOURS.items()}
    for receiver in (healthy, *hostile.values()):
        assert register(client, tokens, receiver.url).status_code == 201
    for number in range(args.events):
        set_status(client, tokens, ("suspended", "recruiting")[number % 2], f"change {number}")
    env = {
        **os.environ,
        "SITEDIR_ENV": "development",
        "DATABASE_URL": url,
        "SITEDIR_WEBHOOKS_ALLOW_PRIVATE": "true",
        "SITEDIR_SEED_ON_START": "false",
    }
    started = time.monotonic()
    worker = subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "sitedir.app", "webhooks", "deliver"],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=open(folder / "worker.log", "w"),
    )
    try:
        while len(healthy.received) < args.events and time.monotonic() - started < 120:
            time.sleep(0.1)
        took = time.monotonic() - started
        time.sleep(5)  # the hostile ones get a few more rounds
    finally:
        stopping = time.monotonic()
        worker.send_signal(signal.SIGTERM)
        worker.wait(60)
        stopped = time.monotonic() - stopping
    ids = [uid for _, uid in healthy.received]
    print(f"{args.events} events to 6 endpoints; worker started at 0 s (its boot included)")
    print(
        f"healthy receiver: {len(ids)} received ({len(set(ids))} distinct) in {took:.1f} s; "
        f"most in flight at once for one event: {healthy.most_at_once}"
    )
    print("| hostile receiver | requests | most in flight for one event |")
    print("| --- | ---: | ---: |")
    for name, receiver in hostile.items():
        print(f"| {name} | {len(receiver.received)} | {receiver.most_at_once} |")
    print(f"worker stopped {stopped:.1f} s after SIGTERM (exit {worker.returncode})")
    shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
