"""Crash benchmark: kill -9 the server during status changes; nothing acknowledged is lost.

    .venv/bin/python bench/crash.py [--duration 60] [--kills 12] [--workers 2]

Needs PostgreSQL on 127.0.0.1:5432 (trust auth). The script creates a database of its own
(sitedir_crash), starts sitedir under gunicorn, and sends status changes to the nine sites
through the API (GET for the ETag, then PATCH with If-Match), each with a unique reason.
Meanwhile it kills the whole gunicorn process group with SIGKILL at random moments and
starts it again. At the end it reads the database directly and checks:

- every change that got a 2xx is in the site's public history and in the audit log;
- nothing is half-written: each history row has its audit event and each status-changing
  audit event its history row (they are written in one transaction);
- each site's current status is the last status of its history;
- no answer was a 5xx.

A request cut by the kill has no answer: it may or may not have been committed, and both
are correct. It prints a Markdown summary.
"""

import argparse
import os
import platform
import random
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import psycopg
import requests

from sitedir.testing import fresh_database

ROOT = Path(__file__).resolve().parent.parent

DATABASE = "sitedir_crash"
DATABASE_URL = f"postgresql://postgres@127.0.0.1:5432/{DATABASE}"
PORT = 8765
BASE = f"http://127.0.0.1:{PORT}"
STATUSES = ["suspended", "recruiting", "active_not_recruiting"]


def environment(workers: int) -> dict:
    return {
        **os.environ,
        "DATABASE_URL": DATABASE_URL,
        "SECRET_KEY": "crash-bench",
        "SITEDIR_BIND": f"127.0.0.1:{PORT}",
        "WEB_CONCURRENCY": str(workers),
        "SITEDIR_ACCESS_LOG": "false",
        "SITEDIR_RATELIMIT": "false",
    }


class Server:
    """gunicorn in its own process group, so that one SIGKILL takes master and workers."""

    def __init__(self, env: dict, log_path: Path):
        self.env = env
        self.log = open(log_path, "ab")  # kept open across restarts
        self.process = None

    def start(self) -> float:
        began = time.monotonic()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "wsgi:app"],
            cwd=ROOT,
            env=self.env,
            stdout=self.log,
            stderr=self.log,
            start_new_session=True,
        )
        while time.monotonic() - began < 60:
            try:
                if requests.get(BASE + "/readyz", timeout=1).status_code == 200:
                    return time.monotonic() - began
            except requests.RequestException:
                pass
            time.sleep(0.05)
        raise RuntimeError("gunicorn did not become ready within 60 s")

    def kill(self) -> None:
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.kill()
        self.log.close()


def flask(env: dict, *args: str) -> str:
    return subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout


def next_status(current: str) -> str:
    """The status after `current` in the cycle, so that every write changes it."""
    return (
        STATUSES[(STATUSES.index(current) + 1) % len(STATUSES)]
        if current in STATUSES
        else STATUSES[0]
    )


class Client:
    """Sends status changes one after another; records what the server acknowledged."""

    def __init__(self, token: str, sites: list[str]):
        self.session = requests.Session()
        self.session.headers["Authorization"] = f"Bearer {token}"
        self.sites = sites
        self.acknowledged: list[tuple[str, str, str]] = []  # (site, status, reason)
        self.answers: dict[int, int] = {}
        self.cut = 0  # requests with no answer (connection refused or reset)
        self.stop = threading.Event()

    def run(self) -> None:
        number = 0
        while not self.stop.is_set():
            number += 1
            site = self.sites[number % len(self.sites)]
            reason = f"crash-bench #{number}"
            try:
                read = self.session.get(f"{BASE}/api/v1/sites/{site}", timeout=5)
                if read.status_code != 200:
                    self._count(read.status_code)
                    continue
                headers = {"If-Match": read.headers["ETag"]}
                status = next_status(read.json()["status"])  # always a change of status
                body = {"status": status, "status_reason": reason}
                answer = self.session.patch(
                    f"{BASE}/api/v1/sites/{site}", json=body, headers=headers, timeout=5
                )
            except requests.RequestException:
                self.cut += 1
                time.sleep(0.05)
                continue
            self._count(answer.status_code)
            if 200 <= answer.status_code < 300:
                self.acknowledged.append((site, status, reason))

    def _count(self, status: int) -> None:
        self.answers[status] = self.answers.get(status, 0) + 1


def check(acknowledged: list[tuple[str, str, str]]) -> dict:
    """Read the database directly and compare it with what was acknowledged."""
    with psycopg.connect(DATABASE_URL) as connection:
        history = connection.execute(
            "SELECT s.slug, c.to_status, c.reason FROM status_change c "
            "JOIN site s ON s.id = c.site_id ORDER BY c.id"
        ).fetchall()
        audited = connection.execute(
            "SELECT target, after->>'status', after->>'status_reason', before->>'status' "
            "FROM audit_event WHERE action = 'site.update' ORDER BY id"
        ).fetchall()
        current = dict(connection.execute("SELECT slug, status FROM site").fetchall())
    in_history = {(slug, status, reason) for slug, status, reason in history}
    in_audit = {
        (target.removeprefix("site:"), status, reason)
        for target, status, reason, before in audited
        if status != before  # a status change, which must also be in the history
    }
    last = {}
    for slug, status, _ in history:
        last[slug] = status
    return {
        "acknowledged": len(acknowledged),
        "lost": [a for a in acknowledged if a not in in_history or a not in in_audit],
        "history_without_audit": sorted(in_history - in_audit),
        "audit_without_history": sorted(in_audit - in_history),
        "committed_unacknowledged": len(in_history) - len(set(acknowledged) & in_history),
        "status_mismatch": [s for s, status in last.items() if current[s] != status],
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=60.0, help="seconds of writes")
    parser.add_argument("--kills", type=int, default=12, help="SIGKILLs during the run")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    random.seed(args.seed)

    fresh_database(DATABASE)
    env = environment(args.workers)
    folder = Path(tempfile.mkdtemp(prefix="sitedir-crash-"))
    server = Server(env, folder / "gunicorn.log")
    restarts = []
    try:
        restarts.append(server.start())  # the first start migrates and seeds
        flask(env, "accounts", "create", "crash@example.org", "--role", "network_admin")
        token = flask(env, "tokens", "create", "crash@example.org").strip().splitlines()[-1]
        sites = [s["id"] for s in requests.get(BASE + "/api/v1/sites", timeout=5).json()]

        client = Client(token, sites)
        writer = threading.Thread(target=client.run)
        writer.start()
        # Kill moments: random, spread over the run, never two within half a second.
        moments = sorted(random.uniform(1, args.duration - 1) for _ in range(args.kills))
        began = time.monotonic()
        for moment in moments:
            time.sleep(max(0.5, moment - (time.monotonic() - began)))
            server.kill()
            restarts.append(server.start())
        time.sleep(max(0.0, args.duration - (time.monotonic() - began)))
        client.stop.set()
        writer.join()
    finally:
        server.stop()

    result = check(client.acknowledged)
    errors = sum(n for status, n in client.answers.items() if status >= 500)
    print(f"## Crash: {args.kills} SIGKILLs in {args.duration:.0f} s of status changes\n")
    print(f"Machine: {platform.node()}, {os.cpu_count()} cores, {platform.platform()}; ")
    print(f"gunicorn with {args.workers} workers on PostgreSQL; seed {args.seed}.\n")
    print("| measure | value |")
    print("| --- | --- |")
    rows = [
        ("changes acknowledged (2xx)", result["acknowledged"]),
        ("answers by status", ", ".join(f"{k}: {v}" for k, v in sorted(client.answers.items()))),
        ("requests cut by a kill (no answer)", client.cut),
        ("committed but never acknowledged (cut after commit)", result["committed_unacknowledged"]),
        ("**acknowledged changes missing from history or audit**", len(result["lost"])),
        ("**history rows without their audit event**", len(result["history_without_audit"])),
        ("**status-changing audit events without history**", len(result["audit_without_history"])),
        ("**sites whose status is not their last history entry**", len(result["status_mismatch"])),
        ("5xx answers", errors),
        ("restart to ready, median (s)", f"{sorted(restarts)[len(restarts) // 2]:.2f}"),
    ]
    for name, value in rows:
        print(f"| {name} | {value} |")
    failed = (
        result["lost"]
        or result["history_without_audit"]
        or result["audit_without_history"]
        or result["status_mismatch"]
        or errors
    )
    print(
        "\nResult:", "FAILED" if failed else "nothing acknowledged was lost, nothing half-written"
    )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
