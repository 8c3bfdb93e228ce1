"""Load benchmark: /api/v1/nearest under gunicorn against a bare Flask "hello" app.

    .venv/bin/python bench/load.py [--duration 30] [--connections 1 8 32]

Both apps run under the same gunicorn settings (gunicorn.conf.py; WEB_CONCURRENCY and
SITEDIR_THREADS change them for both) on 127.0.0.1, with a seeded SQLite database in a
temporary folder; wrk (Debian's `wrk`) drives them in turn at each concurrency, so the
ratio is measured in one run. nearest rotates through 200 real
communes, so each request resolves a place and ranks the sites. Prints a Markdown table.
"""

import argparse
import os
import platform
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.postgres import fresh_database  # noqa: E402
from sitedir.places.gazetteer import get_gazetteer  # noqa: E402

LUA = """
paths = {%s}
counter = 0
request = function()
  counter = counter + 1
  return wrk.format("GET", paths[(counter %% #paths) + 1])
end
"""


def start(module: str, port: int, env: dict, log, command: list[str] | None = None):
    """Start gunicorn (the repository's settings unless `command` is given) and wait
    until it answers on `port`."""
    env = {**env, "SITEDIR_BIND": f"127.0.0.1:{port}"}
    command = command or [
        str(ROOT / ".venv" / "bin" / "gunicorn"),
        "-c",
        str(ROOT / "gunicorn.conf.py"),
        module,
    ]
    process = subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=log, stderr=log, start_new_session=True
    )
    for _ in range(150):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=1)
            return process
        except urllib.error.HTTPError:
            return process  # it answers, if only with a 404 on /
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"{module} did not start")


def stop(process: subprocess.Popen) -> None:
    os.killpg(process.pid, signal.SIGTERM)
    process.wait(timeout=30)


def wrk(url: str, connections: int, duration: int, script: str | None) -> dict:
    """Run wrk and return requests/s, p50 and p99 latency (ms), and errors."""
    command = [
        "wrk",
        "-t",
        str(min(connections, 2)),
        "-c",
        str(connections),
        "-d",
        f"{duration}s",
        "--latency",
        url,
    ]
    if script:
        command[1:1] = ["-s", script]
    out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    return {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
        "p50": _ms(re.search(r"50%\s+([\d.]+\w+)", out).group(1)),
        "p99": _ms(re.search(r"99%\s+([\d.]+\w+)", out).group(1)),
        "errors": _errors(out),
    }


def _ms(text: str) -> float:
    value, unit = re.match(r"([\d.]+)(\w+)", text).groups()
    return float(value) * {"us": 0.001, "ms": 1, "s": 1000}[unit]


def _errors(out: str) -> int:
    total = 0
    socket = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    if socket:
        total += sum(int(g) for g in socket.groups())
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return total + (int(non2xx.group(1)) if non2xx else 0)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=30)
    parser.add_argument("--connections", type=int, nargs="+", default=[1, 8, 32])
    parser.add_argument(
        "--postgres", action="store_true", help="sitedir on PostgreSQL (127.0.0.1), not SQLite"
    )
    args = parser.parse_args()
    if not shutil.which("wrk"):
        sys.exit("wrk is needed: apt-get install wrk")

    work = Path(tempfile.mkdtemp(prefix="sitedir-load-"))
    places = sorted(get_gazetteer().places(), key=lambda p: p.insee)
    sample = random.Random(42).sample(places, 200)
    paths = ", ".join(f'"/api/v1/nearest?q={urllib.parse.quote(p.name)}"' for p in sample)
    script = work / "nearest.lua"
    script.write_text(LUA % paths, encoding="utf-8")
    env = {
        **os.environ,
        "DATABASE_URL": (
            fresh_database("sitedir_load")
            if args.postgres
            else f"sqlite:///{work / 'sitedir.sqlite3'}"
        ),
        "SECRET_KEY": "bench",
        "SITEDIR_ACCESS_LOG": os.environ.get("SITEDIR_ACCESS_LOG", "true"),
        # wrk is one client address: the per-address limit (600 a minute) would answer
        # 429 to nearly everything. Set SITEDIR_RATELIMIT=true to measure the limiter.
        "SITEDIR_RATELIMIT": os.environ.get("SITEDIR_RATELIMIT", "false"),
    }
    with open(work / "servers.log", "w") as log:
        sitedir = start("wsgi:app", 8101, env, log)
        hello = start("bench.hello_app:app", 8102, env, log)
        rows = []
        try:
            for connections in args.connections:
                near = wrk("http://127.0.0.1:8101", connections, args.duration, str(script))
                base = wrk("http://127.0.0.1:8102/", connections, args.duration, None)
                rows.append((connections, near, base))
        finally:
            stop(sitedir)
            stop(hello)

    workers = os.environ.get("WEB_CONCURRENCY", os.cpu_count() * 2 + 1)
    threads = int(os.environ.get("SITEDIR_THREADS", "1"))  # as gunicorn.conf.py reads it
    kind = (
        f"gthread, {workers} workers x {threads} threads"
        if threads > 1
        else f"sync, {workers} workers"
    )
    print(
        f"machine: {platform.node()}, {os.cpu_count()} cores, Python {platform.python_version()};"
        f" gunicorn {kind}; {args.duration} s per run;"
        f" sitedir on {'PostgreSQL' if args.postgres else 'SQLite'}"
    )
    print()
    print(
        "| connections | nearest req/s | hello req/s | ratio | nearest p50 ms | nearest p99 ms"
        " | hello p99 ms | errors (nearest/hello) |"
    )
    print("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for connections, near, base in rows:
        print(
            f"| {connections} | {near['rps']:.0f} | {base['rps']:.0f} | "
            f"{near['rps'] / base['rps']:.2f} | {near['p50']:.2f} | {near['p99']:.2f} | "
            f"{base['p99']:.2f} | {near['errors']}/{base['errors']} |"
        )
    shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
