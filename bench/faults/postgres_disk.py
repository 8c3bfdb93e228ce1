"""PostgreSQL's disk full under load, then space freed (issue 24, "disk full").

    .venv/bin/python -m bench.faults.postgres_disk [--size 128] [--down 20] [--wal-segsize 16]

A PostgreSQL cluster of its own (services.py, port 5514) whose data directory is the whole
of a small tmpfs mounted for the run (--size MB: needs root), never the machine's disks
nor its server; its server log is kept outside, to be read afterwards. At 5 s a file
fills the filesystem (`dd` until ENOSPC); --down seconds later it is removed. If the
postmaster is gone by then, it is started again (`pg_ctl start`), as the runbook says.

gunicorn (2 sync workers) and the loop of harness.py (public reads, an admin write every
10th request), /readyz probed every 0.5 s. Prints answers per second, errors per second
while full, how writes were refused, whether the server survived, recovery, and
acknowledged writes against stored; then the server log's lines about the lack of space.
"""

import argparse
import contextlib
import json
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from bench.faults import harness, services


@contextlib.contextmanager
def tmpfs_of_its_own(size_mb: int):
    """A tmpfs of `size_mb` MB, mounted in a temporary folder, unmounted afterwards."""
    mount = Path(tempfile.mkdtemp(prefix="sitedir-faults-pg-disk-"))
    subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size_mb}m", "tmpfs", mount], check=True)
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", mount], check=False)
        shutil.rmtree(mount, ignore_errors=True)


def alive(cluster: services.Cluster) -> bool:
    """Whether the cluster's postmaster is running."""
    try:
        pid = int((cluster.data / "postmaster.pid").read_text().split()[0])
        os.kill(pid, 0)
        return True
    except (OSError, ValueError, IndexError):
        return False


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--size", type=int, default=128, help="the filesystem, in MB")
    parser.add_argument("--down", type=float, default=20)
    parser.add_argument("--wal-segsize", type=int, default=16, help="MB (initdb's default 16)")
    parser.add_argument("--port", type=int, default=5514)
    parser.add_argument("--http-port", type=int, default=18617)
    args = parser.parse_args()
    logs = Path(tempfile.mkdtemp(prefix="sitedir-faults-pg-disk-logs-"))
    shutil.chown(logs, "postgres")
    with (
        tmpfs_of_its_own(args.size) as mount,
        services.postgres_cluster(
            args.port,
            "faults-disk",
            folder=mount,
            initdb=(f"--wal-segsize={args.wal_segsize}",),
            log=logs / "pg.log",
        ) as cluster,
    ):
        cluster.createdb("sitedir")
        env = harness.app_env(cluster.url("sitedir"), args.http_port)
        token = harness.python(harness.TOKEN_SCRIPT, env)
        log_path = logs / "gunicorn.log"
        server = harness.Gunicorn(env, log_path)
        server.start()
        run = harness.Run(args.http_port, token)
        probe = harness.Readyz(run).start()
        filler = mount / "filler"
        events: list[str] = []
        try:
            run.until(5)
            filled_at = run.now()
            subprocess.run(["dd", "if=/dev/zero", f"of={filler}", "bs=1M"], capture_output=True)
            free = shutil.disk_usage(mount).free
            events.append(f"filled at {filled_at:.1f} s ({free} bytes left)")
            was_alive = [True]

            def during() -> None:
                if was_alive[0] and not alive(cluster):
                    was_alive[0] = False
                    events.append(f"postmaster gone at {run.now():.1f} s")

            run.until(5 + args.down, during)
            filler.unlink()
            freed_at = run.now()
            events.append(f"space freed at {freed_at:.1f} s")
            if not alive(cluster):
                cluster.pg_ctl("start")
                events.append(f"postmaster started again, ready at {run.now():.1f} s")
            run.until(freed_at + 15)
        finally:
            probe.stop()
            with contextlib.suppress(OSError):
                filler.unlink()
            server.stop()
        stored = json.loads(harness.python(harness.COUNT_SCRIPT, env))
        print(f"PostgreSQL's data directory on a {args.size} MB tmpfs; " + "; ".join(events))
        run.report(5, int(freed_at) + 1, stored)
        probe.report(5, int(freed_at) + 1)
        print(harness.log_summary(log_path))
        lines = cluster.log.read_text(errors="replace").splitlines()
        space = [line for line in lines if "space" in line or "PANIC" in line]
        print(f"server log: {len(space)} line(s) about space or PANIC; the first ones:")
        for line in space[:6]:
            print("   ", line[:240])
    shutil.rmtree(logs, ignore_errors=True)


if __name__ == "__main__":
    main()
