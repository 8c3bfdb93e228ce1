"""SQLite made read-only under load, then writable again (issue 24.5).

    .venv/bin/python -m bench.faults.sqlite_readonly [--down 10] [--http-port 18615]

The database lives on a small ext4 filesystem of its own (a 64 MB image file in a
temporary folder, mounted on a loop device for the run: needs root), never on the
machine's disks. At 5 s the database's folder, its file and its `-wal` and `-shm` files
are made immutable (`chattr +i`), and mutable again after --down seconds.

Why not `chmod a-w`: permissions are checked when a file is opened, and do not bind
root (this machine's runs are root); a connection already open would go on writing.
Nor `mount -o remount,ro`: the kernel refuses it (EBUSY) while the workers hold the
file open for writing. On ext4, the immutable flag refuses every write, through the
descriptors already open too (EPERM), root's included: what the app sees is what it
sees of a file or a filesystem turned read-only under it.

gunicorn (2 sync workers) and the loop of harness.py (public reads, an admin write every
10th request), /readyz probed every 0.5 s; prints answers per second, errors per second
during the fault, how writes were refused, /readyz, recovery, and acknowledged writes
against stored.
"""

import argparse
import contextlib
import json
import shutil
import subprocess
import tempfile
from pathlib import Path

from bench.faults import harness


@contextlib.contextmanager
def ext4_of_its_own(size_mb: int = 64):
    """A fresh ext4 filesystem on a loop device, mounted in a temporary folder."""
    folder = Path(tempfile.mkdtemp(prefix="sitedir-faults-sqlite-ro-"))
    image, mount = folder / "fs.img", folder / "mnt"
    mount.mkdir()
    with open(image, "wb") as out:
        out.truncate(size_mb * 1024 * 1024)
    subprocess.run(["mkfs.ext4", "-q", "-F", image], check=True)
    subprocess.run(["mount", "-o", "loop", image, mount], check=True)
    try:
        yield mount
    finally:
        subprocess.run(["chattr", "-R", "-i", mount], check=False, capture_output=True)
        subprocess.run(["umount", mount], check=False)
        shutil.rmtree(folder, ignore_errors=True)


def immutable(paths: list[Path], on: bool) -> None:
    """chattr +i (or -i) on each path that exists."""
    present = [str(p) for p in paths if p.exists()]
    subprocess.run(["chattr", "+i" if on else "-i", *present], check=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--down", type=float, default=10)
    parser.add_argument("--http-port", type=int, default=18615)
    args = parser.parse_args()
    with ext4_of_its_own() as mount:
        folder = mount / "db"
        folder.mkdir()
        database = folder / "sitedir.sqlite3"
        targets = [database, Path(f"{database}-wal"), Path(f"{database}-shm"), folder]
        env = harness.app_env(f"sqlite:///{database}", args.http_port)
        token = harness.python(harness.TOKEN_SCRIPT, env)
        log_path = Path(tempfile.mkdtemp()) / "gunicorn.log"
        server = harness.Gunicorn(env, log_path)
        server.start()
        try:
            run = harness.Run(args.http_port, token)
            with harness.Readyz(run) as probe:
                run.until(5)
                immutable(targets, True)
                run.until(5 + args.down)
                immutable(targets, False)
                run.until(5 + args.down + 10)
        finally:
            immutable(targets, False)
            server.stop()
        stored = json.loads(harness.python(harness.COUNT_SCRIPT, env))
        print(
            f"SQLite's folder, file, -wal and -shm immutable (read-only, root included) "
            f"from 5 s to {5 + args.down:.0f} s"
        )
        run.report(5, 5 + args.down, stored)
        probe.report(5, 5 + args.down)
        print(harness.log_summary(log_path))


if __name__ == "__main__":
    main()
