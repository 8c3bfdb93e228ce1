"""PostgreSQL stopped under load: what public reads and writes answer, and when they recover.

    .venv/bin/python -m bench.faults.postgres_stop [--down 10] [--workers 2]

Runs on a PostgreSQL cluster of its own (initdb in a temporary folder, run as the system's
`postgres` user, on a port of its own), never the machine's own server; gunicorn serves the
app on it. A client loop reads /api/v1/nearest (towns in turn) and /api/v1/sites, and a
write (an admin token's confirm) every 20th request; after 5 s the cluster is stopped
(`pg_ctl stop -m fast`) for --down seconds, then started again. Prints, per second, the
answers by kind: fresh 200, stale 200 (Warning: 110), 503, 500, other.
"""

import argparse
import http.client
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PG_BIN = next(Path("/usr/lib/postgresql").glob("*/bin"))
TOWNS = ["Brest", "Quimper", "Rennes", "Lyon", "Lille", "Nancy", "Dijon", "Tours", "Pau", "Caen"]


def _as_postgres(*command, **kwargs):
    return subprocess.run(["runuser", "-u", "postgres", "--", *map(str, command)], **kwargs)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--down", type=float, default=10)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--port", type=int, default=55433)
    parser.add_argument("--http-port", type=int, default=18473)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="sitedir-fault-pg-"))
    shutil.chown(folder, "postgres")
    data = folder / "data"
    _as_postgres(
        PG_BIN / "initdb",
        "-D",
        data,
        "-U",
        "postgres",
        "--auth=trust",
        check=True,
        capture_output=True,
    )

    def pg_ctl(*words):
        _as_postgres(
            PG_BIN / "pg_ctl",
            "-D",
            data,
            "-w",
            "-l",
            folder / "pg.log",
            "-o",
            f"-p {args.port} -k {folder} -c listen_addresses=127.0.0.1",
            *words,
            check=True,
            capture_output=True,
        )

    pg_ctl("start")
    _as_postgres(
        PG_BIN / "createdb",
        "-h",
        "127.0.0.1",
        "-p",
        args.port,
        "-U",
        "postgres",
        "sitedir",
        check=True,
    )
    url = f"postgresql://postgres@127.0.0.1:{args.port}/sitedir"
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "SITEDIR_ENV": "development",
        "SITEDIR_BIND": f"127.0.0.1:{args.http_port}",
        "WEB_CONCURRENCY": str(args.workers),
        "SITEDIR_RATELIMIT": "false",
        "SITEDIR_ACCESS_LOG": "false",
        "SITEDIR_SECURE_COOKIES": "false",
    }
    python = ROOT / ".venv" / "bin" / "python"
    token = (
        subprocess.run(
            [python, "-c", TOKEN_SCRIPT],
            env=env,
            cwd=ROOT,
            check=True,
            capture_output=True,
            text=True,
        )
        .stdout.strip()
        .splitlines()[-1]
    )
    server = subprocess.Popen(
        [ROOT / ".venv" / "bin" / "gunicorn", "--no-control-socket", "wsgi:app"],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=open(folder / "gunicorn.log", "w"),
    )
    try:
        _wait_ready(args.http_port)
        seconds = defaultdict(Counter)
        started = time.monotonic()
        stopped_at = restarted_at = None
        n = 0
        while True:
            now = time.monotonic() - started
            if stopped_at is None and now >= 5:
                pg_ctl("stop", "-m", "fast")
                stopped_at = now
            if stopped_at is not None and restarted_at is None and now >= 5 + args.down:
                pg_ctl("start")
                restarted_at = time.monotonic() - started
            if now >= 5 + args.down + 10:
                break
            n += 1
            if n % 20 == 0:
                kind = "write " + _confirm(args.http_port, token)
            else:
                path = f"/api/v1/nearest?q={TOWNS[n % len(TOWNS)]}" if n % 2 else "/api/v1/sites"
                kind = "read " + _get(args.http_port, path)
            seconds[int(now)][kind] += 1
        print(
            f"PostgreSQL stopped at {stopped_at:.1f} s, started again at {restarted_at:.1f} s;"
            f" gunicorn with {args.workers} sync workers, one client in a loop"
        )
        kinds = sorted({k for c in seconds.values() for k in c})
        print("| second | " + " | ".join(kinds) + " |")
        print("| ---: | " + " | ".join("---:" for _ in kinds) + " |")
        for second in sorted(seconds):
            print(f"| {second} | " + " | ".join(str(seconds[second][k]) for k in kinds) + " |")
        fresh_after = [
            s
            for s in sorted(seconds)
            if restarted_at
            and s >= restarted_at
            and seconds[s]["read 200"]
            and not seconds[s]["read 200 stale"]
        ]
        if fresh_after:
            print(f"first second with only fresh reads after the restart: {fresh_after[0]}")
    finally:
        server.terminate()
        server.wait(30)
        pg_ctl("stop", "-m", "fast")
        shutil.rmtree(folder, ignore_errors=True)


TOKEN_SCRIPT = """
from sitedir.app import create_app
from sitedir.admin.accounts import new_account
from sitedir.admin.auth import issue_token
from sitedir.admin.models import SITE_ADMIN
from sitedir.extensions import db
from sitedir.models import Site
app = create_app()
with app.app_context():
    site = db.session.scalar(db.select(Site).where(Site.slug == "clermont-ferrand"))
    account = new_account("bench-faults@example.org", SITE_ADMIN, [site], None)
    token = issue_token(account)[1]
    db.session.commit()
print(token)
"""


def _request(port, method, path, headers=None) -> tuple[int, dict]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=40)
    try:
        connection.request(method, path, headers={"Host": "127.0.0.1", **(headers or {})})
        response = connection.getresponse()
        response.read()
        return response.status, dict(response.getheaders())
    except OSError as error:
        return 0, {"error": type(error).__name__}
    finally:
        connection.close()


def _kind(status: int, headers: dict) -> str:
    if status == 200 and headers.get("Warning", "").startswith("110"):
        return "200 stale"
    return str(status) if status else "no answer"


def _get(port, path) -> str:
    return _kind(*_request(port, "GET", path))


def _confirm(port, token) -> str:
    return _kind(
        *_request(
            port,
            "POST",
            "/api/v1/sites/clermont-ferrand/confirm",
            {"Authorization": f"Bearer {token}"},
        )
    )


def _wait_ready(port) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        status, _ = _request(port, "GET", "/readyz")
        if status == 200:
            return
        time.sleep(0.5)
    sys.exit("gunicorn never became ready")


if __name__ == "__main__":
    main()
