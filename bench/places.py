"""Place search benchmark: sitedir against addok (with addok-fr and addok-france).

    .venv/bin/python bench/places.py [--skip-addok]

Both answer the same generated query set (bench/data/place_queries.tsv, made by
bench/place_queries.py) over the same communes (sitedir's gazetteer). addok is installed
by this script into bench/.addok-venv (pip: addok, addok-fr, addok-france), with a
redis-server it starts on a private port and stops at the end. Prints top-1 and top-5
accuracy per kind of query, in-process latency (p50, p99) and index start-up time.
"""

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
QUERIES = BENCH / "data" / "place_queries.tsv"
ADDOK_VENV = BENCH / ".addok-venv"
ADDOK_PINS = ["addok==1.3.2", "addok-fr==1.1.0", "addok-france==1.2.0"]
REDIS_PORT = 6391

ADDOK_CONFIG = """
REDIS = {{"host": "127.0.0.1", "port": {port}, "indexes": {{"db": 0}}, "documents": {{"db": 1}}}}
BATCH_WORKERS = 1
LOG_DIR = {log_dir!r}
PROCESSORS_PYPATHS = [
    "addok.helpers.text.tokenize",
    "addok.helpers.text.normalize",
    "addok_france.glue_ordinal",
    "addok_france.fold_ordinal",
    "addok_france.flag_housenumber",
    "addok.helpers.text.synonymize",
    "addok_fr.phonemicize",
]
QUERY_PROCESSORS_PYPATHS = [
    "addok.helpers.text.check_query_length",
    "addok_france.extract_address",
    "addok_france.clean_query",
    "addok_france.remove_leading_zeros",
]
SEARCH_RESULT_PROCESSORS_PYPATHS = [
    "addok.helpers.results.match_housenumber",
    "addok_france.make_labels",
    "addok.helpers.results.score_by_importance",
    "addok.helpers.results.score_by_autocomplete_distance",
    "addok.helpers.results.score_by_ngram_distance",
    "addok.helpers.results.score_by_geo_distance",
    "addok.helpers.results.adjust_scores",
]
"""


def load_queries():
    lines = QUERIES.read_text(encoding="utf-8").splitlines()[1:]
    return [tuple(line.split("\t")) for line in lines]


def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def run_sitedir(queries):
    """Return per-query (top-5 INSEE codes, seconds) and the index start-up time."""
    startup = subprocess.run(
        [
            sys.executable,
            "-c",
            # Modules imported first: timed is reading the data and building the index.
            "import time; from sitedir.places.search import get_index;"
            "t = time.perf_counter(); get_index(); print(time.perf_counter() - t)",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    from sitedir.places.search import search

    search("warm up")
    answers = []
    for query, _, _ in queries:
        t0 = time.perf_counter()
        try:
            codes = [m.place.insee for m in search(query, limit=5)]
        except ValueError:
            codes = []
        answers.append((codes, time.perf_counter() - t0))
    return answers, float(startup.stdout.strip())


def addok_documents(path):
    """Write sitedir's gazetteer as addok municipality documents (one JSON per line)."""
    from sitedir.places.gazetteer import get_gazetteer

    gazetteer = get_gazetteer()
    former = defaultdict(list)
    for entry in gazetteer.former:
        if entry.name:
            former[entry.place.insee].append(entry.name)
    with open(path, "w", encoding="utf-8") as out:
        for p in gazetteer.places():
            population = p.population or 0
            doc = {
                "id": p.insee,
                "_id": p.insee,
                "type": "municipality",
                "name": [p.name, *former[p.insee]],
                "postcode": list(p.postcodes),
                "citycode": p.insee,
                "city": p.name,
                "lat": p.latitude,
                "lon": p.longitude,
                "context": f"{p.department}, {p.department_name}, {p.region_name}",
                "importance": min(1.0, population / 500_000) ** 0.5,
            }
            out.write(json.dumps(doc, ensure_ascii=False) + "\n")


def http_compare(work: Path, config: Path, queries, duration: int, connections: list[int]):
    """wrk against sitedir's /api/v1/places and addok's /search, same queries, same
    number of gunicorn sync workers, one after the other at each concurrency."""
    from urllib.parse import quote

    from load import LUA, start, stop, wrk  # beside this script

    workers = str(os.cpu_count() * 2 + 1)
    scripts = {}
    for name, template in (
        ("sitedir", "/api/v1/places?q={}&limit=5"),
        ("addok", "/search?q={}&limit=5&autocomplete=1"),
    ):
        paths = ", ".join(f'"{template.format(quote(q))}"' for q, _, _ in queries)
        scripts[name] = work / f"{name}.lua"
        scripts[name].write_text(LUA % paths, encoding="utf-8")
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{work / 'sitedir.sqlite3'}",
        "SECRET_KEY": "bench",
        "WEB_CONCURRENCY": workers,
        "SITEDIR_THREADS": "1",
        "SITEDIR_ACCESS_LOG": "false",
        "ADDOK_CONFIG_MODULE": str(config),
    }
    rows = []
    with open(work / "servers.log", "w") as log:
        ours = start("wsgi:app", 8201, env, log)
        theirs = start(
            "addok",
            8202,
            env,
            log,
            command=[
                str(ADDOK_VENV / "bin" / "gunicorn"),
                "-w",
                workers,
                "-b",
                "127.0.0.1:8202",
                "addok.http.wsgi:application",
            ],
        )
        try:
            for c in connections:
                a = wrk("http://127.0.0.1:8201", c, duration, str(scripts["sitedir"]))
                b = wrk("http://127.0.0.1:8202", c, duration, str(scripts["addok"]))
                rows.append((c, a, b))
        finally:
            stop(ours)
            stop(theirs)
    return rows, workers


def run_addok(work: Path, http: dict | None = None):
    if not (ADDOK_VENV / "bin" / "gunicorn").exists():
        subprocess.run([sys.executable, "-m", "venv", str(ADDOK_VENV)], check=True)
        subprocess.run(
            [str(ADDOK_VENV / "bin" / "pip"), "install", "-q", *ADDOK_PINS, "gunicorn==27.0.1"],
            check=True,
        )
    redis = subprocess.Popen(
        [
            "redis-server",
            "--port",
            str(REDIS_PORT),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(work),
        ],
        stdout=subprocess.DEVNULL,
    )
    try:
        time.sleep(1)
        config = work / "addok_config.py"
        config.write_text(ADDOK_CONFIG.format(port=REDIS_PORT, log_dir=str(work)), encoding="utf-8")
        docs = work / "communes.ndjson"
        addok_documents(docs)
        out = work / "addok.json"
        subprocess.run(
            [
                str(ADDOK_VENV / "bin" / "python"),
                str(BENCH / "addok_runner.py"),
                str(config),
                str(docs),
                str(QUERIES),
                str(out),
            ],
            check=True,
        )
        data = json.loads(out.read_text(encoding="utf-8"))
        answers = [(a["ids"], a["seconds"]) for a in data["answers"]]
        rows = http_compare(work, config, **http) if http else None
        return answers, data["index_seconds"], rows
    finally:
        redis.terminate()
        redis.wait(timeout=30)


def report(name, queries, answers):
    per_kind = defaultdict(lambda: [0, 0, 0])
    for (_, expected, kind), (codes, _) in zip(queries, answers, strict=True):
        row = per_kind[kind]
        row[0] += 1
        row[1] += bool(codes) and codes[0] == expected
        row[2] += expected in codes[:5]
    total = [sum(r[i] for r in per_kind.values()) for i in range(3)]
    times = [seconds for _, seconds in answers]
    return {
        "name": name,
        "per_kind": dict(per_kind),
        "top1": total[1] / total[0],
        "top5": total[2] / total[0],
        "count": total[0],
        "p50_us": statistics.median(times) * 1e6,
        "p99_us": percentile(times, 0.99) * 1e6,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skip-addok", action="store_true")
    parser.add_argument(
        "--http-duration",
        type=int,
        default=20,
        help="seconds of wrk per engine and concurrency; 0 skips HTTP",
    )
    parser.add_argument("--connections", type=int, nargs="+", default=[1, 8])
    args = parser.parse_args()
    http_rows = None
    queries = load_queries()
    work = Path(tempfile.mkdtemp(prefix="sitedir-places-"))
    results, startups = [], {}
    answers, startups["sitedir"] = run_sitedir(queries)
    results.append(report("sitedir", queries, answers))
    if not args.skip_addok:
        http = None
        if args.http_duration:
            http = {
                "queries": queries,
                "duration": args.http_duration,
                "connections": args.connections,
            }
        answers, startups["addok (import + ngrams)"], http_rows = run_addok(work, http)
        results.append(report("addok 1.3.2 + addok-fr + addok-france", queries, answers))
    shutil.rmtree(work, ignore_errors=True)

    print(
        f"machine: {os.uname().nodename}, {os.cpu_count()} cores; {len(queries)} queries "
        f"from {QUERIES.relative_to(ROOT)}"
    )
    print()
    print("| engine | top-1 | top-5 | p50 µs | p99 µs |")
    print("| --- | ---: | ---: | ---: | ---: |")
    for r in results:
        print(
            f"| {r['name']} | {r['top1']:.1%} | {r['top5']:.1%} | {r['p50_us']:.0f} | "
            f"{r['p99_us']:.0f} |"
        )
    print()
    kinds = sorted(results[0]["per_kind"])
    print(
        "| kind | queries | " + " | ".join(f"{r['name'].split()[0]} top-1" for r in results) + " |"
    )
    print("| --- | ---: | " + " | ".join("---:" for _ in results) + " |")
    for kind in kinds:
        count = results[0]["per_kind"][kind][0]
        cells = " | ".join(f"{r['per_kind'][kind][1] / count:.1%}" for r in results)
        print(f"| {kind} | {count} | {cells} |")
    print()
    for name, seconds in startups.items():
        print(f"start-up, {name}: {seconds:.2f} s")
    if http_rows:
        rows, workers = http_rows
        print()
        print(
            f"HTTP, gunicorn with {workers} sync workers each, {args.http_duration} s per run,"
            " wrk rotating through the same queries:"
        )
        print()
        print(
            "| connections | sitedir req/s | addok req/s | ratio | sitedir p50 / p99 ms |"
            " addok p50 / p99 ms | errors (sitedir/addok) |"
        )
        print("| ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
        for c, a, b in rows:
            print(
                f"| {c} | {a['rps']:.0f} | {b['rps']:.0f} | {a['rps'] / b['rps']:.1f} | "
                f"{a['p50']:.2f} / {a['p99']:.2f} | {b['p50']:.2f} / {b['p99']:.2f} | "
                f"{a['errors']}/{b['errors']} |"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
