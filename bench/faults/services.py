"""PostgreSQL clusters and Redis servers of a fault scenario's own, never the machine's.

Each is started in a temporary folder on a port given by the caller (the `faults` helper
uses 5510-5519 and 6310-6319), and stopped and removed on the way out, even after a
failure. PostgreSQL runs as the system's `postgres` user when started as root (initdb
refuses root).
"""

import contextlib
import os
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path


def postgres_bin() -> Path | None:
    """The folder of initdb and pg_ctl, or None when this machine has no PostgreSQL."""
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))
    if found:
        return found[-1].parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


class Cluster:
    """A running PostgreSQL cluster: its URL, and ways to stop, hang and resume it."""

    def __init__(self, folder: Path, port: int, pg_bin: Path):
        self.folder, self.port, self.pg_bin = folder, port, pg_bin
        self.data = folder / "data"
        self.log = folder / "pg.log"

    def url(self, database: str = "postgres", driver: str = "postgresql") -> str:
        """The URL of one of its databases."""
        return f"{driver}://postgres@127.0.0.1:{self.port}/{database}"

    def run(self, tool: str, *words, check=True):
        """Run one of PostgreSQL's tools as the cluster's owner."""
        command = [str(self.pg_bin / tool), *map(str, words)]
        if os.geteuid() == 0:
            command = ["runuser", "-u", "postgres", "--", *command]
        return subprocess.run(command, check=check, capture_output=True, text=True)

    def pg_ctl(self, *words) -> None:
        """pg_ctl on this cluster (start, stop -m fast...)."""
        self.run(
            "pg_ctl",
            "-D",
            self.data,
            "-w",
            "-l",
            self.log,
            "-o",
            f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1",
            *words,
        )

    def createdb(self, name: str) -> str:
        """Create a database; its URL."""
        self.run("createdb", "-h", "127.0.0.1", "-p", self.port, "-U", "postgres", name)
        return self.url(name)

    def sql(self, query: str, database: str = "postgres") -> str:
        """One query through psql; its answer, unaligned."""
        done = self.run(
            "psql",
            "-h",
            "127.0.0.1",
            "-p",
            self.port,
            "-U",
            "postgres",
            "-d",
            database,
            "-Atc",
            query,
            check=False,
        )
        if done.returncode:
            raise RuntimeError(f"psql on {self.port}: {done.stderr.strip()}")
        return done.stdout.strip()

    def pids(self) -> list[int]:
        """The postmaster and every process it forked (backends, checkpointer...)."""
        first = (self.data / "postmaster.pid").read_text().split()[0]
        master = int(first)
        children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
        return [master, *map(int, children)]

    def hang(self) -> None:
        """SIGSTOP the whole cluster: the kernel still accepts and acknowledges, nobody
        answers (a frozen VM, a stuck storage)."""
        for pid in self.pids():
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGSTOP)

    def resume(self) -> None:
        """SIGCONT the whole cluster."""
        for pid in self.pids():
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGCONT)


@contextlib.contextmanager
def postgres_cluster(
    port: int, name: str = "faults", folder: Path | None = None, initdb=(), log=None
):
    """A fresh PostgreSQL cluster on 127.0.0.1:`port` (trust auth), removed afterwards;
    in `folder` (an empty one: a small filesystem of the caller's) or a temporary one,
    with `initdb`'s extra words, its server log in `log` (default: in the folder)."""
    pg_bin = postgres_bin()
    if pg_bin is None:
        raise RuntimeError("no PostgreSQL on this machine (initdb not found)")
    folder = folder or Path(tempfile.mkdtemp(prefix=f"sitedir-{name}-pg-"))
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres")
    cluster = Cluster(folder, port, pg_bin)
    if log is not None:
        cluster.log = Path(log)
        if os.geteuid() == 0:
            cluster.log.touch()
            shutil.chown(cluster.log, "postgres")
    cluster.run("initdb", "-D", cluster.data, "-U", "postgres", "--auth=trust", *initdb)
    cluster.pg_ctl("start")
    try:
        yield cluster
    finally:
        with contextlib.suppress(Exception):
            cluster.resume()
        with contextlib.suppress(Exception):
            cluster.pg_ctl("stop", "-m", "immediate")
        shutil.rmtree(folder, ignore_errors=True)


@contextlib.contextmanager
def standby_cluster(primary: Cluster, port: int, name: str = "faults-standby"):
    """A streaming replica of `primary` on 127.0.0.1:`port` (pg_basebackup -R: a hot
    standby that follows it), running once it streams; removed afterwards."""
    folder = Path(tempfile.mkdtemp(prefix=f"sitedir-{name}-pg-"))
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres")
    cluster = Cluster(folder, port, primary.pg_bin)
    host = ("-h", "127.0.0.1", "-p", primary.port, "-U", "postgres")
    cluster.run("pg_basebackup", *host, "-D", cluster.data, "-R", "-X", "stream", "-c", "fast")
    cluster.pg_ctl("start")
    try:
        deadline = time.monotonic() + 60
        while (
            primary.sql("SELECT count(*) FROM pg_stat_replication WHERE state = 'streaming'") != "1"
        ):
            if time.monotonic() > deadline:
                raise RuntimeError(f"the standby on {port} never streamed from {primary.port}")
            time.sleep(0.2)
        yield cluster
    finally:
        with contextlib.suppress(Exception):
            cluster.pg_ctl("stop", "-m", "immediate")
        shutil.rmtree(folder, ignore_errors=True)


class RedisServer:
    """A running redis-server of the scenario's own."""

    def __init__(self, port: int, folder: Path):
        self.port, self.folder, self.process = port, folder, None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        """Start it (again) and wait until it answers."""
        self.process = subprocess.Popen(
            [
                shutil.which("redis-server"),
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.folder),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        import socket

        while time.monotonic() < deadline:
            with (
                contextlib.suppress(OSError),
                socket.create_connection(("127.0.0.1", self.port), 0.2) as s,
            ):
                s.sendall(b"PING\r\n")
                if s.recv(16).startswith(b"+PONG"):
                    return
            time.sleep(0.05)
        raise RuntimeError(f"redis-server on {self.port} never answered")

    def kill(self) -> None:
        """kill -9, as a crash."""
        self.process.kill()
        self.process.wait()

    def hang(self) -> None:
        """SIGSTOP: connections are accepted by the kernel, nothing answers."""
        os.kill(self.process.pid, signal.SIGSTOP)

    def resume(self) -> None:
        """SIGCONT."""
        os.kill(self.process.pid, signal.SIGCONT)


@contextlib.contextmanager
def redis_server(port: int, name: str = "faults"):
    """A redis-server on 127.0.0.1:`port`, no persistence, stopped afterwards."""
    if not shutil.which("redis-server"):
        raise RuntimeError("no redis-server on this machine")
    folder = Path(tempfile.mkdtemp(prefix=f"sitedir-{name}-redis-"))
    server = RedisServer(port, folder)
    server.start()
    try:
        yield server
    finally:
        if server.process and server.process.poll() is None:
            with contextlib.suppress(Exception):
                server.resume()
            server.process.terminate()
            server.process.wait(10)
        shutil.rmtree(folder, ignore_errors=True)
