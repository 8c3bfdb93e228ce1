"""Load benchmark: /api/v1/nearest under gunicorn against a bare Flask "hello" app.

    .venv/bin/python bench/load.py [--duration 30] [--connections 1 8 32] [--postgres]
                                   [--mix realistic|repeat] [--warm | --plumbing]

Both apps run under the same gunicorn settings (gunicorn.conf.py; WEB_CONCURRENCY and
SITEDIR_THREADS change them for both) on 127.0.0.1, with a seeded SQLite database in a
temporary folder (or PostgreSQL in a database of its own); wrk (Debian's `wrk`) drives
them in turn at each concurrency, so the ratio is measured in one run. Prints a Markdown
table.

The realistic mix (the default), per 100 nearest requests: 68 towns among 200 asked
again and again, 30 towns asked for the first time (each run has its own slice of some
66,000 distinct queries: every commune name, alone and followed by its département
number, so none repeats across the runs of one invocation), and 2 made-up words that
match nothing (404 with suggestions, a new one each time). `--mix repeat` is the former
benchmark: the 200 towns only. A 404 to a made-up word is an answer, not an error: the
errors column counts socket errors and any other unexpected status.
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

from plumbing import PLUMBING_PATH  # beside this script, whose folder Python puts first

from sitedir.places.gazetteer import get_gazetteer
from sitedir.testing import fresh_database

ROOT = Path(__file__).resolve().parent.parent

LUA = """
-- Per 100 requests: MISSES made-up words, FRESH first-time towns, the rest repeated towns.
-- Thread t of n takes fresh queries t, t + n, t + 2n... so no two threads share one.
local repeated = {%(repeated)s}
local fresh = {%(fresh)s}
local misses = {%(misses)s}
local threads = {}
local next_id = 0
%(clients_lua)s

function setup(thread)
  thread:set("id", next_id)
  next_id = next_id + 1
  table.insert(threads, thread)
end

function init(args)
  counter, taken_fresh, taken_miss, unexpected, not_found, hits = 0, 0, 0, 0, 0, 0
end

function request()
  counter = counter + 1
  local slot = counter %% 100
  local path
  if slot < %(misses_per_100)d then
    path = misses[(taken_miss * %(threads)d + id) %% #misses + 1]
    taken_miss = taken_miss + 1
  elseif slot < %(misses_per_100)d + %(fresh_per_100)d then
    path = fresh[(taken_fresh * %(threads)d + id) %% #fresh + 1]
    taken_fresh = taken_fresh + 1
  else
    path = repeated[counter %% #repeated + 1]
  end
  return wrk.format("GET", path, client_headers(counter))
end

function response(status, headers, body)
  if headers["X-Cache-Status"] == "HIT" then hits = hits + 1 end
  if status == 404 then
    not_found = not_found + 1
  elseif status ~= 200 then
    unexpected = unexpected + 1
  end
end

function done(summary, latency, requests)
  local u, nf, f, h = 0, 0, 0, 0
  for _, thread in ipairs(threads) do
    h = h + thread:get("hits")
    u = u + thread:get("unexpected")
    nf = nf + thread:get("not_found")
    f = f + thread:get("taken_fresh")
  end
  io.write(string.format("unexpected statuses: %%d\\n", u))
  io.write(string.format("not found: %%d\\nfresh sent: %%d\\n", nf, f))
  io.write(string.format("proxy cache hits: %%d\\n", h))
end
"""
MIXES = {"realistic": (2, 30), "repeat": (0, 0)}  # (misses, first-time towns) per 100

# --limits: requests come from CLIENTS addresses (X-Forwarded-For, read by sitedir with
# SITEDIR_PROXY_HOPS=1), each far under the public limit, as many real clients would.
CLIENTS_LUA = """
local clients = %(clients)d
function client_headers(n)
  if clients == 0 then return nil end
  local c = n %% clients
  return {["X-Forwarded-For"] = "10." .. math.floor(c / 250) .. "." .. (c %% 250) .. ".7"}
end
"""
PLUMBING_LUA = """
local path = "%(path)s"
local counter = 0
function request()
  counter = counter + 1
  return wrk.format("GET", path, client_headers(counter))
end
"""


def clients_lua(clients: int) -> str:
    return CLIENTS_LUA % {"clients": clients}


def _lua_list(paths: list[str]) -> str:
    return ", ".join(f'"{path}"' for path in paths)


def _nearest(query: str) -> str:
    return f"/api/v1/nearest?q={urllib.parse.quote(query)}"


def scripts(
    work: Path, connections: list[int], mix: str, clients: int = 0
) -> list[tuple[Path, int]]:
    """One wrk script per run: the same repeated towns, disjoint first-time queries and
    made-up words."""
    from inprocess import made_up_words  # beside this script

    places = sorted(get_gazetteer().places(), key=lambda p: p.insee)
    repeated = random.Random(42).sample(places, 200)
    known = {p.name for p in repeated}
    queries = sorted({p.name for p in places if p.name not in known})
    queries += [f"{p.name} {p.department}" for p in places if p.name not in known]
    random.Random(7).shuffle(queries)
    runs = len(connections)
    misses = made_up_words(3000 * runs, seed=11)
    misses_per_100, fresh_per_100 = MIXES[mix]
    out = []
    for run in range(runs):
        # LuaJIT allows some 65,000 constants per chunk: at most 50,000 queries a run.
        fresh = queries[run::runs][:50_000]
        path = work / f"nearest-{run}.lua"
        path.write_text(
            LUA
            % {
                "repeated": _lua_list([_nearest(p.name) for p in repeated]),
                "fresh": _lua_list([_nearest(q) for q in fresh]),
                "misses": _lua_list([_nearest(q) for q in misses[run::runs]]),
                "misses_per_100": misses_per_100,
                "fresh_per_100": fresh_per_100,
                "threads": wrk_threads(connections[run]),
                "clients_lua": clients_lua(clients),
            },
            encoding="utf-8",
        )
        out.append((path, len(fresh)))
    return out


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


def cpu_seconds(process: subprocess.Popen) -> float:
    """CPU time (user + system) used so far by gunicorn's master and its live workers.

    A measure other processes on a shared machine barely move, unlike requests/s: the
    cost of a request, not the share of the machine it got. Redis's own CPU is not in it.
    """
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0.0
    pids = [process.pid]
    try:
        children = Path(f"/proc/{process.pid}/task/{process.pid}/children").read_text().split()
        pids += [int(child) for child in children]
    except OSError:
        pass
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / ticks  # utime, stime
    return total


def wrk_threads(connections: int) -> int:
    return min(connections, 2)


def wrk(
    url: str, connections: int, duration: int, script: str | None, count_non2xx: bool = False
) -> dict:
    """Run wrk and return requests/s, p50 and p99 latency (ms), errors, and the 404s and
    first-time queries the script counted."""
    command = [
        "wrk",
        "-t",
        str(wrk_threads(connections)),
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
    counted = {
        name: int(found.group(1)) if (found := re.search(rf"{label}: (\d+)", out)) else 0
        for name, label in (
            ("unexpected", "unexpected statuses"),
            ("not_found", "not found"),
            ("fresh", "fresh sent"),
            ("hits", "proxy cache hits"),
        )
    }
    scripted = script is not None and not count_non2xx
    return {
        "requests": int(re.search(r"(\d+) requests in", out).group(1)),
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
        "p50": _ms(re.search(r"50%\s+([\d.]+\w+)", out).group(1)),
        "p99": _ms(re.search(r"99%\s+([\d.]+\w+)", out).group(1)),
        # With the script, its own count of unexpected statuses replaces wrk's non-2xx
        # count (which includes the 404s that made-up words rightly get).
        "errors": _errors(out, count_non2xx=not scripted) + counted["unexpected"],
        **counted,
    }


def _ms(text: str) -> float:
    value, unit = re.match(r"([\d.]+)(\w+)", text).groups()
    return float(value) * {"us": 0.001, "ms": 1, "s": 1000}[unit]


def _errors(out: str, count_non2xx: bool = True) -> int:
    total = 0
    socket = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    if socket:
        total += sum(int(g) for g in socket.groups())
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return total + (int(non2xx.group(1)) if non2xx and count_non2xx else 0)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=30)
    parser.add_argument("--connections", type=int, nargs="+", default=[1, 8, 32])
    parser.add_argument(
        "--postgres", action="store_true", help="sitedir on PostgreSQL (127.0.0.1), not SQLite"
    )
    parser.add_argument("--mix", choices=sorted(MIXES), default="realistic")
    parser.add_argument(
        "--warm",
        action="store_true",
        help="serve bench/warm_wsgi.py: search's trigram groups built before the fork",
    )
    parser.add_argument(
        "--plumbing",
        action="store_true",
        help="also measure a hello route through sitedir's hooks (bench/plumbing_wsgi.py)",
    )
    parser.add_argument(
        "--limits",
        action="store_true",
        help="production limits: counted in Redis (REDIS_URL, default DB 11), requests from"
        " 2,000 client addresses through X-Forwarded-For (SITEDIR_PROXY_HOPS=1)",
    )
    parser.add_argument(
        "--ports", type=int, nargs=2, default=[8101, 8102], help="sitedir's and hello's"
    )
    parser.add_argument(
        "--plumbing-only", action="store_true", help="with --plumbing: skip nearest's runs"
    )
    args = parser.parse_args()
    if args.plumbing_only:
        args.plumbing = True
    if args.warm and args.plumbing:
        sys.exit("--warm and --plumbing serve different modules: choose one")
    if not shutil.which("wrk"):
        sys.exit("wrk is needed: apt-get install wrk")

    work = Path(tempfile.mkdtemp(prefix="sitedir-load-"))
    clients = 2000 if args.limits else 0
    run_scripts = scripts(work, args.connections, args.mix, clients)
    plumbing_script = work / "plumbing.lua"
    plumbing_script.write_text(
        clients_lua(clients) + PLUMBING_LUA % {"path": PLUMBING_PATH}, encoding="utf-8"
    )
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
    if args.limits:
        env.update(
            {
                "SITEDIR_RATELIMIT": "true",
                "REDIS_URL": os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/11"),
                "SITEDIR_RATELIMIT_PREFIX": f"sitedir-load-{os.getpid()}",
                "SITEDIR_PROXY_HOPS": "1",
            }
        )
    with open(work / "servers.log", "w") as log:
        module = "wsgi:app"
        if args.warm:
            module = "bench.warm_wsgi:app"
        elif args.plumbing:
            module = "bench.plumbing_wsgi:app"
        port, hello_port = args.ports
        sitedir = start(module, port, env, log)
        hello = start("bench.hello_app:app", hello_port, env, log)
        rows = []
        try:
            for connections, (script, fresh_available) in zip(
                args.connections, run_scripts, strict=True
            ):
                near = None
                if not args.plumbing_only:
                    near = wrk(f"http://127.0.0.1:{port}", connections, args.duration, str(script))
                used = cpu_seconds(hello)
                base = wrk(f"http://127.0.0.1:{hello_port}/", connections, args.duration, None)
                base["cpu_us"] = (cpu_seconds(hello) - used) / base["requests"] * 1e6
                plumbing = None
                if args.plumbing:
                    url = f"http://127.0.0.1:{port}" + PLUMBING_PATH
                    used = cpu_seconds(sitedir)
                    plumbing = wrk(
                        url, connections, args.duration, str(plumbing_script), count_non2xx=True
                    )
                    plumbing["cpu_us"] = (cpu_seconds(sitedir) - used) / plumbing["requests"] * 1e6
                rows.append((connections, near, base, fresh_available, plumbing))
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
        f" sitedir on {'PostgreSQL' if args.postgres else 'SQLite'}; mix: {args.mix};"
        f" trigram groups {'built before the fork' if args.warm else 'built on first need'};"
        f" FRESHNESS_MS {os.environ.get('SITEDIR_FRESHNESS_MS', '1000')};"
        f" limits {'on, in Redis, 2,000 clients' if args.limits else env['SITEDIR_RATELIMIT']};"
        f" access log {env['SITEDIR_ACCESS_LOG']}; load {os.getloadavg()[0]:.1f} at the end"
    )
    print()
    print(
        "| connections | nearest req/s | hello req/s | ratio | nearest p50 ms | nearest p99 ms"
        " | hello p99 ms | errors (nearest/hello) | 404s (made-up words) | first-time towns |"
    )
    print("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for connections, near, base, fresh_available, _ in rows:
        if near is None:
            continue
        # More first-time queries sent than the run's slice holds: some came round again.
        fresh = f"{near['fresh']}" + (" (wrapped)" if near["fresh"] > fresh_available else "")
        print(
            f"| {connections} | {near['rps']:.0f} | {base['rps']:.0f} | "
            f"{near['rps'] / base['rps']:.2f} | {near['p50']:.2f} | {near['p99']:.2f} | "
            f"{base['p99']:.2f} | {near['errors']}/{base['errors']} | {near['not_found']} |"
            f" {fresh} |"
        )
    if args.plumbing:
        print()
        print("The ceiling: hello through sitedir's hooks, against the bare hello.")
        print()
        print(
            "| connections | plumbing req/s | hello req/s | ratio | plumbing p99 ms | errors"
            " | plumbing CPU µs/req | hello CPU µs/req | CPU ratio (hello / plumbing) |"
        )
        print("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
        for connections, _, base, _, plumbing in rows:
            print(
                f"| {connections} | {plumbing['rps']:.0f} | {base['rps']:.0f} |"
                f" {plumbing['rps'] / base['rps']:.2f} | {plumbing['p99']:.2f} |"
                f" {plumbing['errors']} | {plumbing['cpu_us']:.0f} | {base['cpu_us']:.0f} |"
                f" {base['cpu_us'] / plumbing['cpu_us']:.2f} |"
            )
    shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
