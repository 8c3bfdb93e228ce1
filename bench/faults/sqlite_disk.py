"""SQLite on a filesystem filled up, under load (--mode full).

    .venv/bin/python -m bench.faults.sqlite_disk --mode full [--down 10] [--http-port 18614]

--mode readonly (`mount -o remount,ro`) is refused by the kernel (EBUSY) while the workers
hold the file open for writing, and file permissions do not bind root, which this
machine's runs are: a read-only file is covered by tests/test_faults.py instead.

The database lives on a small tmpfs of its own (16 MB, mounted for the run: needs root),
never on the machine's disks. readonly: `mount -o remount,ro` at 5 s, `rw` again after
--down seconds. full: a file fills the tmpfs at 5 s (writes get SQLITE_FULL), removed
after --down seconds. gunicorn (2 sync workers) and the loop of harness.py; prints
answers per second, errors per second during the fault, recovery, and acknowledged writes
against stored.
"""

import argparse
import json
import subprocess
import tempfile
from pathlib import Path

from bench.faults import harness


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--mode", choices=["readonly", "full"], default="full")
    parser.add_argument("--down", type=float, default=10)
    parser.add_argument("--http-port", type=int, default=18614)
    args = parser.parse_args()
    mount = Path(tempfile.mkdtemp(prefix="sitedir-faults-sqlite-"))
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=16m", "tmpfs", mount], check=True)
    filler = mount / "filler"
    try:
        env = harness.app_env(f"sqlite:///{mount}/sitedir.sqlite3", args.http_port)
        token = harness.python(harness.TOKEN_SCRIPT, env)
        log_path = Path(tempfile.mkdtemp()) / "gunicorn.log"
        server = harness.Gunicorn(env, log_path)
        server.start()
        try:
            run = harness.Run(args.http_port, token)
            run.until(5)
            if args.mode == "readonly":
                subprocess.run(["mount", "-o", "remount,ro", mount], check=True)
            else:
                subprocess.run(
                    ["dd", "if=/dev/zero", f"of={filler}", "bs=64k"], capture_output=True
                )
            run.until(5 + args.down)
            if args.mode == "readonly":
                subprocess.run(["mount", "-o", "remount,rw", mount], check=True)
            else:
                filler.unlink()
            run.until(5 + args.down + 10)
        finally:
            server.stop()
        stored = json.loads(harness.python(harness.COUNT_SCRIPT, env))
        what = "read-only" if args.mode == "readonly" else "full"
        print(f"SQLite's filesystem {what} from 5 s to {5 + args.down:.0f} s")
        run.report(5, 5 + args.down, stored)
        print(harness.log_summary(log_path))
    finally:
        subprocess.run(["umount", "-l", mount], check=False)


if __name__ == "__main__":
    main()
