"""The HTTP half of bench/scale.py: the same database served by gunicorn, measured over TCP.

scale.py builds a size's database and measures it in-process; with `--http` it then
calls `measure` here, which starts gunicorn (`wsgi:app`, the repository's
gunicorn.conf.py) on that database and a free port on 127.0.0.1, warms every worker,
and measures:

- nearest with distinct first-time INSEE origins (wrk, 8 connections, a Lua script that
  sends each path once: no answer-cache hits unless the list runs out, which is reported);
- the first request after a status change (made in the database, as in-process), sent
  with urllib a little more than FRESHNESS_MS later (median and worst of 5), and the
  same after the same pause with nothing changed;
- a radius query (radius_km=50, distinct origins, wrk);
- /api/v1/sites: the first page, a middle page by cursor, a filtered page (one request
  each, urllib, so a TCP connect is included);
- the RSS of each worker (the master's children) after the run, max and mean.
"""

import os
import socket
import statistics
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

from load import ROOT, stop, wrk, wrk_threads  # beside this script

from sitedir.directory.paging import encode_cursor
from sitedir.extensions import db
from sitedir.models import Site
from sitedir.readmodel.snapshot import current_snapshot

CONNECTIONS = 8

LUA = """
-- Thread t of n sends paths t, t + n, t + 2n...: no path twice until the list runs out.
local paths = {%(paths)s}
local threads = {}
local next_id = 0

function setup(thread)
  thread:set("id", next_id)
  next_id = next_id + 1
  table.insert(threads, thread)
end

function init(args)
  taken, unexpected = 0, 0
end

function request()
  local path = paths[(taken * %(threads)d + id) %% #paths + 1]
  taken = taken + 1
  return wrk.format("GET", path)
end

function response(status, headers, body)
  if status ~= 200 then
    unexpected = unexpected + 1
  end
end

function done(summary, latency, requests)
  local u, f = 0, 0
  for _, thread in ipairs(threads) do
    u = u + thread:get("unexpected")
    f = f + thread:get("taken")
  end
  io.write(string.format("unexpected statuses: %%d\\nfresh sent: %%d\\n", u, f))
end
"""


def status_changes(app, rng, count: int = 5):
    """Flip `count` random sites between recruiting and suspended, one commit each,
    yielding after each commit (the caller times the first request after it)."""
    with app.app_context():
        ids = db.session.scalars(db.select(Site.id)).all()
        for site_id in rng.sample(ids, count):
            site = db.session.get(Site, site_id)
            site.status = "suspended" if site.status == "recruiting" else "recruiting"
            db.session.commit()
            yield site_id


def free_port() -> int:
    """A port the kernel has just handed out and nobody holds (closed before gunicorn binds)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start(env: dict, port: int, log) -> subprocess.Popen:
    """Start gunicorn on `port` and wait for /readyz: unlike /, it never builds a snapshot,
    which takes a worker half a minute at 100,000 sites."""
    process = subprocess.Popen(
        [
            str(ROOT / ".venv" / "bin" / "gunicorn"),
            "-c",
            str(ROOT / "gunicorn.conf.py"),
            "wsgi:app",
        ],
        cwd=ROOT,
        env={**env, "SITEDIR_BIND": f"127.0.0.1:{port}"},
        stdout=log,
        stderr=log,
        start_new_session=True,
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {process.returncode}")
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=2)
            return process
        except OSError:
            time.sleep(0.2)
    stop(process)
    raise RuntimeError("gunicorn did not become ready")


def workers(master: int) -> list[int]:
    """The pids whose parent is `master` (gunicorn's workers)."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as stat:
                # The command name, in parentheses, may hold spaces: split after it.
                fields = stat.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == master:
            found.append(int(entry))
    return sorted(found)


def all_workers(master: int, timeout: float = 60) -> list[int]:
    """The workers once the master has forked all of them: /readyz answers from the first."""
    expected = int(os.environ.get("WEB_CONCURRENCY", (os.cpu_count() or 1) * 2 + 1))
    deadline = time.monotonic() + timeout
    while len(found := workers(master)) < expected and time.monotonic() < deadline:
        time.sleep(0.1)
    return found


def rss_mb(pid: int) -> float:
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def get_ms(url: str, timeout: float = 300) -> float:
    """One GET on a new connection (gunicorn's sync workers close each one): ms, 200 only."""
    started = time.perf_counter()
    with urllib.request.urlopen(url, timeout=timeout) as response:
        response.read()
        status = response.status
    elapsed = (time.perf_counter() - started) * 1000
    assert status == 200, (url, status)
    return elapsed


def warm(base: str, paths, worker_count: int, threshold_ms: float = 250) -> float:
    """Send rounds of 2 x workers concurrent nearest requests until three rounds in a row
    all answer under `threshold_ms`; seconds taken.

    One request per worker is not enough: sync workers race for each connection, so a
    worker may take several while another takes none. With twice as many requests in
    flight as workers, every idle worker accepts one, so a round is slow while any worker
    is still building its snapshot (0.4 s at 1,000 sites, half a minute at 100,000).
    """
    from concurrent.futures import ThreadPoolExecutor

    started = time.monotonic()
    quick = 0
    with ThreadPoolExecutor(2 * worker_count) as pool:
        while quick < 3:
            batch = [base + next(paths) for _ in range(2 * worker_count)]
            slowest = max(pool.map(get_ms, batch))
            quick = quick + 1 if slowest < threshold_ms else 0
            if time.monotonic() - started > 900:
                raise RuntimeError("workers still slow after 15 minutes of warming")
    return time.monotonic() - started


def lua_script(work: Path, name: str, paths: list[str]) -> Path:
    # LuaJIT allows some 65,000 constants per chunk.
    body = ", ".join(f'"{path}"' for path in paths[:60_000])
    script = work / f"{name}.lua"
    script.write_text(LUA % {"paths": body, "threads": wrk_threads(CONNECTIONS)}, encoding="utf-8")
    return script


def measure(app, kind: str, url: str, size: int, rng, work: Path, duration: int) -> dict:
    """Serve the database at `url` with gunicorn and measure it over HTTP (see above)."""
    insees = list(_insees())
    rng.shuffle(insees)
    # A fresh server has an empty answer cache, so every size may use the whole list; the
    # warm-up and the single requests take their origins from a slice wrk never sends.
    singles, measured = iter(insees[:2000]), insees[2000:]
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "SECRET_KEY": "bench",
        # wrk is one client address: the per-address limit would answer 429 to most.
        "SITEDIR_RATELIMIT": "false",
        "SITEDIR_POSTGIS": "true" if kind == "postgis" else "false",
        "SITEDIR_ACCESS_LOG": os.environ.get("SITEDIR_ACCESS_LOG", "true"),
        # At 100,000 sites each worker's first request builds its snapshot for about
        # 30 s of CPU; five at once on 2 cores would pass the default 30 s timeout and be
        # killed mid-build, over and over.
        "SITEDIR_TIMEOUT": os.environ.get("SITEDIR_TIMEOUT", "600"),
    }
    freshness_ms = app.config["FRESHNESS_MS"]
    row = {"size": size, "db": kind}
    with open(work / f"gunicorn-{kind}-{size}.log", "w") as log:
        server = start(env, port, log)
        try:
            pids = all_workers(server.pid)
            row["workers"] = len(pids)
            row["warm_s"] = warm(
                base, (f"/api/v1/nearest?insee={i}&limit=3" for i in singles), len(pids)
            )
            near = wrk(
                base,
                CONNECTIONS,
                duration,
                str(
                    lua_script(
                        work, "nearest", [f"/api/v1/nearest?insee={i}&limit=3" for i in measured]
                    )
                ),
            )
            row.update(
                rps=near["rps"],
                p50=near["p50"],
                p99=near["p99"],
                errors=near["errors"],
                sent=near["fresh"],
                available=min(len(measured), 60_000),
            )
            # The control: the same pause and the same kind of request with nothing
            # changed, so what a change adds is told apart from an idle worker's first
            # request and the new connection.
            idle = []
            for _ in range(5):
                time.sleep(freshness_ms / 1000 + 0.3)
                idle.append(get_ms(f"{base}/api/v1/nearest?insee={next(singles)}"))
            row["idle_p50"], row["idle_max"] = statistics.median(idle), max(idle)
            after_change = []
            for _ in status_changes(app, rng):
                # Past the freshness window every worker checks the change sequence on
                # its next request: the one that takes this request pays the patch.
                time.sleep(freshness_ms / 1000 + 0.3)
                after_change.append(get_ms(f"{base}/api/v1/nearest?insee={next(singles)}"))
            row["change_p50"], row["change_max"] = (
                statistics.median(after_change),
                max(after_change),
            )
            radius = wrk(
                base,
                CONNECTIONS,
                max(duration // 2, 3),
                str(
                    lua_script(
                        work,
                        "radius",
                        [f"/api/v1/nearest?insee={i}&radius_km=50&limit=10" for i in measured],
                    )
                ),
            )
            row["radius_p50"], row["radius_p99"] = radius["p50"], radius["p99"]
            row["errors"] += radius["errors"]
            with app.app_context():
                middle = current_snapshot().rows[size // 2].id
            get_ms(f"{base}/api/v1/sites?limit=100")  # as in-process: the timed one is next
            row["page_first"] = get_ms(f"{base}/api/v1/sites?limit=100")
            row["page_middle"] = get_ms(
                f"{base}/api/v1/sites?limit=100&cursor={encode_cursor(middle)}"
            )
            row["page_filtered"] = get_ms(f"{base}/api/v1/sites?limit=100&open=true&region=11")
            after = workers(server.pid)
            # A worker restarted mid-run (timeout, max_requests) would be measured cold.
            row["restarted"] = len(set(after) - set(pids))
            rss = [rss_mb(pid) for pid in after]
            row["rss_max"], row["rss_mean"] = max(rss), statistics.mean(rss)
            row["rss_master"] = rss_mb(server.pid)
        finally:
            stop(server)
    # Workers the master killed (a timeout) or that died: their answers are in no table.
    text = (work / f"gunicorn-{kind}-{size}.log").read_text(errors="replace")
    row["timeouts"] = text.count("WORKER TIMEOUT") + text.count("Traceback")
    return row


def _insees():
    from sitedir.places.gazetteer import get_gazetteer

    return sorted({p.insee for p in get_gazetteer().places() if p.kind == "commune"})


HEADER = (
    "| database | sites | warm-up (s) | nearest req/s | nearest p50 / p99 (ms) "
    "| after a change p50 / max (ms) | same pause, no change p50 / max (ms) "
    "| radius 50 km p50 / p99 (ms) "
    "| page first / middle / filtered (ms) | worker RSS max / mean (MB) "
    "| first-time origins sent | errors |"
)


def print_table(rows: list[dict]) -> None:
    print(HEADER)
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for row in rows:
        print(format_row(row))


def format_row(row: dict) -> str:
    # More paths sent than the script holds: some came round again (answer-cache hits).
    sent = f"{row['sent']:,}" + (" (wrapped)" if row["sent"] > row["available"] else "")
    restarted = f", {row['restarted']} restarted" if row["restarted"] else ""
    restarted += f", {row['timeouts']} timeouts or tracebacks" if row["timeouts"] else ""
    return (
        f"| {row['db']} | {row['size']:,} | {row['warm_s']:.1f} | {row['rps']:.0f} | "
        f"{row['p50']:.2f} / {row['p99']:.2f} | "
        f"{row['change_p50']:.1f} / {row['change_max']:.1f} | "
        f"{row['idle_p50']:.1f} / {row['idle_max']:.1f} | "
        f"{row['radius_p50']:.2f} / {row['radius_p99']:.2f} | "
        f"{row['page_first']:.1f} / {row['page_middle']:.1f} / {row['page_filtered']:.1f} | "
        f"{row['rss_max']:.0f} / {row['rss_mean']:.0f} ({row['workers']} workers{restarted}) | "
        f"{sent} | {row['errors']} |"
    )
