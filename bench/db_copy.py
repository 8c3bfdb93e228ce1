"""What one test's database costs on PostgreSQL: a new copy of the template, the template's
rows put back into the same copy, and the app the `app` fixture then builds on it.

    .venv/bin/python bench/db_copy.py postgresql://postgres@127.0.0.1:5432/test_NAME [N]

Uses the suite's own code (tests/seeded_db.py) on databases named after the URL's
(`test_NAME_bench`, `test_NAME_bench_template`), dropped at the end. Prints the wall time and
this process's CPU time per test for each (PostgreSQL's own work is in the wall time only).
"""

import logging
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.update(
    SITEDIR_ENV="test",
    SITEDIR_SEEDS_DIR=str(ROOT / "tests" / "data" / "seeds"),
    SITEDIR_ARGON2_TIME_COST="1",
    SITEDIR_ARGON2_MEMORY_KIB="8",
    SITEDIR_ARGON2_PARALLELISM="1",
    PYTEST_XDIST_WORKER="bench",  # tests/seeded_db.py names its databases after it
)

from tests.seeded_db import PostgresTemplate, app_without_seeding, close_app  # noqa: E402


def main(url: str, rounds: int) -> None:
    """Time each way `rounds` times, twice over (the machine may be shared)."""
    logging.disable(logging.CRITICAL)
    template = PostgresTemplate(url)
    close_app(template.app("warm-up"))

    def new_copy():
        template._execute(f'DROP DATABASE IF EXISTS "{template.name}" WITH (FORCE)')
        template._execute(f'CREATE DATABASE "{template.name}" TEMPLATE "{template.template}"')

    def put_back():
        if not template.seeded.put_back(template.libpq_url):
            raise SystemExit("the rows could not be put back")

    def app_alone():
        close_app(app_without_seeding(template.url))

    try:
        for _ in range(2):
            for name, step in [
                ("new copy (DROP + CREATE ... TEMPLATE)", new_copy),
                ("rows put back (DELETE + COPY)", put_back),
                ("the app on it (create_app)", app_alone),
            ]:
                wall, cpu = time.perf_counter(), time.process_time()
                for _ in range(rounds):
                    step()
                wall = (time.perf_counter() - wall) / rounds
                cpu = (time.process_time() - cpu) / rounds
                load = os.getloadavg()[0]
                print(f"{name:40} wall {wall:.3f} s  CPU {cpu:.4f} s  load {load:.1f}")
    finally:
        template.close()


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 10)
