"""Run by bench/places.py inside addok's own virtualenv: import communes, run queries.

    addok-python bench/addok_runner.py CONFIG DOCS QUERIES OUT

Writes, for each query, the ids of addok's first five results and the seconds it took.
"""

import json
import os
import subprocess
import sys
import time


def main(config_path, docs_path, queries_path, out_path):
    os.environ["ADDOK_CONFIG_MODULE"] = config_path
    addok = os.path.join(os.path.dirname(sys.executable), "addok")
    started = time.perf_counter()
    subprocess.run([addok, "batch", docs_path], check=True, capture_output=True)
    subprocess.run([addok, "ngrams"], check=True, capture_output=True)
    index_seconds = time.perf_counter() - started

    from addok.config import config

    config.load()
    from addok.core import search

    queries = [line.rstrip("\n").split("\t")[0] for line in open(queries_path, encoding="utf-8")]
    answers = []
    for query in queries[1:]:
        t0 = time.perf_counter()
        try:
            results = search(query, limit=5, autocomplete=True)
            ids = [r._id for r in results]
        except Exception as exc:
            ids = [f"error: {type(exc).__name__}"]
        answers.append({"ids": ids, "seconds": time.perf_counter() - t0})
    with open(out_path, "w", encoding="utf-8") as out:
        json.dump({"index_seconds": index_seconds, "answers": answers}, out)


if __name__ == "__main__":
    main(*sys.argv[1:5])
