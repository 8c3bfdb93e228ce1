"""What every fault scenario shares: gunicorn on the app, a client loop, and the tally.

The client loop reads (nearest and the sites' list, in turn) and, every `write_every`
requests, writes: a status change of a site, with a reason that numbers it. A write
answered 200 is *acknowledged*; at the end the stored status changes are counted against
them (lost: acknowledged, not stored; phantom: stored, never acknowledged nor tried).

Each second of the run is tallied by kind (read 200, read 200 stale, read 503, write 200,
write 503, no answer...), and the report prints errors per second during the fault and
the recovery time: from the end of the fault to the first second with only good answers.
"""

import http.client
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PYTHON = ROOT / ".venv" / "bin" / "python"
TOWNS = ["Brest", "Quimper", "Rennes", "Lyon", "Lille", "Nancy", "Dijon", "Tours", "Pau", "Caen"]
SITE = "clermont-ferrand"

TOKEN_SCRIPT = """
from sitedir.app import create_app
from sitedir.admin.accounts import new_account
from sitedir.admin.auth import issue_token
from sitedir.admin.models import SITE_ADMIN
from sitedir.extensions import db
from sitedir.models import Site
app = create_app()
with app.app_context():
    site = db.session.scalar(db.select(Site).where(Site.slug == "clermont-ferrand"))
    account = new_account("bench-faults@example.org", SITE_ADMIN, [site], None)
    token = issue_token(account)[1]
    db.session.commit()
print(token)
"""

COUNT_SCRIPT = """
import json, sys
from sitedir.app import create_app
from sitedir.extensions import db
from sitedir.models import StatusChange
app = create_app()
with app.app_context():
    reasons = db.session.scalars(db.select(StatusChange.reason).where(
        StatusChange.reason.like("bench-fault %"))).all()
print(json.dumps(reasons))
"""


def app_env(database_url: str, port: int, **extra) -> dict:
    """The environment of gunicorn and of the helper scripts."""
    return {
        **os.environ,
        # A run on this machine: a throwaway SECRET_KEY (made in gunicorn's preloading
        # master, so its workers share it), as `./dev run` has.
        "SITEDIR_ENV": "development",
        "DATABASE_URL": database_url,
        "SITEDIR_BIND": f"127.0.0.1:{port}",
        "WEB_CONCURRENCY": "2",
        "SITEDIR_RATELIMIT": "false",
        "SITEDIR_ACCESS_LOG": "false",
        "SITEDIR_SECURE_COOKIES": "false",
        **{k: str(v) for k, v in extra.items()},
    }


def python(script: str, env: dict) -> str:
    """Run a script with the app's settings; its last line of output."""
    done = subprocess.run(
        [PYTHON, "-c", script], env=env, cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    if done.returncode:
        sys.exit(f"helper script failed: {done.stderr[-2000:]}")
    return done.stdout.strip().splitlines()[-1]


class Gunicorn:
    """gunicorn wsgi:app in a process group of its own (as systemd's cgroup would be)."""

    def __init__(self, env: dict, log_path: Path):
        self.env, self.log_path, self.process = env, log_path, None
        self.port = int(env["SITEDIR_BIND"].rsplit(":", 1)[1])

    def start(self, wait=True) -> None:
        self.process = subprocess.Popen(
            [ROOT / ".venv" / "bin" / "gunicorn", "wsgi:app"],
            env=self.env,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=open(self.log_path, "a"),
            start_new_session=True,
        )
        if wait:
            wait_ready(self.port)

    def workers(self) -> list[int]:
        path = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        return [int(p) for p in path.read_text().split()]

    def kill_group(self) -> None:
        """What KillMode=mixed does once the master is gone: every process left, killed."""
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.process.wait()

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.kill_group()
        else:
            self.kill_group()


def request(port, method, path, headers=None, body=None, timeout=40) -> tuple[int, dict, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        connection.request(
            method, path, body=body, headers={"Host": "127.0.0.1", **(headers or {})}
        )
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    except OSError as error:
        return 0, {"error": type(error).__name__}, b""
    finally:
        connection.close()


def wait_ready(port, seconds=120) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if request(port, "GET", "/readyz", timeout=5)[0] == 200:
            return
        time.sleep(0.3)
    sys.exit(f"gunicorn on {port} never became ready")


def kind(status: int, headers: dict) -> str:
    if status == 200 and headers.get("Warning", "").startswith("110"):
        return "200 stale"
    return str(status) if status else "no answer"


class Run:
    """The client loop and its tally, second by second."""

    def __init__(self, port: int, token: str, write_every: int = 10):
        self.port, self.token, self.write_every = port, token, write_every
        self.seconds: dict[int, Counter] = defaultdict(Counter)
        self.slowest: dict[int, float] = defaultdict(float)
        self.acknowledged: list[str] = []
        self.tried: list[str] = []
        self.started = time.monotonic()
        self.n = 0
        self.statuses = ["suspended", "recruiting"]
        # Each refused write, by (status, Content-Type, whether Retry-After was sent).
        self.refusals: Counter = Counter()

    def now(self) -> float:
        return time.monotonic() - self.started

    def step(self) -> None:
        """One request, tallied."""
        self.n += 1
        began = time.monotonic()
        if self.n % self.write_every == 0:
            reason = f"bench-fault {len(self.tried)}"
            self.tried.append(reason)
            status, headers, _ = self._write(reason)
            if status == 200:
                self.acknowledged.append(reason)
            else:
                self.refusals[
                    (status, headers.get("Content-Type", "-"), "Retry-After" in headers)
                ] += 1
            label = "write " + kind(status, headers)
        else:
            path = (
                f"/api/v1/nearest?q={TOWNS[self.n % len(TOWNS)]}" if self.n % 2 else "/api/v1/sites"
            )
            status, headers, _ = request(self.port, "GET", path)
            label = "read " + kind(status, headers)
        second = int(began - self.started)
        self.seconds[second][label] += 1
        self.slowest[second] = max(self.slowest[second], time.monotonic() - began)

    def _write(self, reason):
        status, headers, body = request(self.port, "GET", f"/api/v1/sites/{SITE}")
        if status != 200:
            return status, headers, body
        current = json.loads(body)["status"]
        wanted = self.statuses[1] if current == self.statuses[0] else self.statuses[0]
        return request(
            self.port,
            "PATCH",
            f"/api/v1/sites/{SITE}",
            {
                "Authorization": f"Bearer {self.token}",
                "If-Match": headers.get("ETag", "*"),
                "Content-Type": "application/json",
            },
            json.dumps({"status": wanted, "status_reason": reason}).encode(),
        )

    def until(self, moment: float, during=None) -> None:
        """Loop until `moment` seconds into the run."""
        while self.now() < moment:
            self.step()
            if during:
                during()

    def report(self, fault_from: float, fault_to: float, stored: list[str]) -> None:
        kinds = sorted({k for c in self.seconds.values() for k in c})
        print("| second | " + " | ".join(kinds) + " | slowest (s) |")
        print("| ---: | " + " | ".join("---:" for _ in kinds) + " | ---: |")
        for s in sorted(self.seconds):
            mark = " (fault)" if fault_from <= s < fault_to else ""
            cells = " | ".join(str(self.seconds[s][k]) for k in kinds)
            print(f"| {s}{mark} | {cells} | {self.slowest[s]:.2f} |")
        during = [self.seconds[s] for s in self.seconds if fault_from <= s < fault_to]
        good = ("read 200", "read 200 stale", "write 200")
        errors = sum(sum(v for k, v in c.items() if k not in good) for c in during)
        answers = sum(sum(c.values()) for c in during)
        span = max(fault_to - fault_from, 1)
        print(
            f"during the fault ({span:.0f} s): {answers / span:.1f} answers/s, "
            f"{errors / span:.1f} errors/s (anything but a 200)"
        )
        last = max(self.seconds, default=0)
        silent = [s for s in range(int(fault_from), last) if s not in self.seconds]
        if silent:
            print(
                f"seconds with no answer at all (the client waiting on one request): "
                f"{len(silent)} ({silent[0]}-{silent[-1]})"
            )
        recovered = next(
            (
                s
                for s in sorted(self.seconds)
                if s >= fault_to
                and all(k in ("read 200", "write 200") for k in self.seconds[s])
                and all(
                    all(k in ("read 200", "write 200") for k in self.seconds[t])
                    for t in self.seconds
                    if t > s
                )
            ),
            None,
        )
        if recovered is None:
            print("recovery: not within the run")
        else:
            late = max(recovered - fault_to, 0)
            print(f"recovery: {late:.0f} s after the fault ended (to the second)")
        for (status, content_type, retry_after), n in sorted(self.refusals.items()):
            print(
                f"writes refused: {n} x {status or 'no answer'} {content_type}"
                + (", with Retry-After" if retry_after else ", no Retry-After")
            )
        stored_set, acked = set(stored), set(self.acknowledged)
        lost = acked - stored_set
        phantom = stored_set - set(self.tried)
        unacked_stored = (stored_set & set(self.tried)) - acked
        print(
            f"writes: {len(self.tried)} tried, {len(acked)} acknowledged, "
            f"{len(stored_set)} stored; "
            f"lost {len(lost)}, phantom {len(phantom)}, stored without an acknowledgement "
            f"{len(unacked_stored)} (an answer lost on the way)"
        )


class Readyz:
    """/readyz probed every `every` seconds from a thread of its own while the load runs
    (`with Readyz(run):`): what a load balancer would have seen, second by second."""

    def __init__(self, run: Run, every: float = 0.5):
        self.run, self.every = run, every
        self.seen: dict[int, Counter] = defaultdict(Counter)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="readyz-probe", daemon=True)

    def start(self) -> "Readyz":
        """Start probing; returns itself."""
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop probing (the probe under way ends within its timeout)."""
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(10)

    def __enter__(self) -> "Readyz":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def _loop(self) -> None:
        while not self._stop.wait(self.every):
            began = self.run.now()
            status, _, body = request(self.run.port, "GET", "/readyz", timeout=5)
            try:
                database = json.loads(body)["checks"].get("database", "?")
            except (ValueError, KeyError, TypeError, AttributeError):
                database = "?"
            self.seen[int(began)][f"{status or 'no answer'} {database}"] += 1

    def report(self, fault_from: float, fault_to: float) -> None:
        """/readyz's answers before, during and after the fault."""
        for name, keep in (
            ("before", lambda s: s < fault_from),
            ("during", lambda s: fault_from <= s < fault_to),
            ("after", lambda s: s >= fault_to),
        ):
            total: Counter = Counter()
            for second, answers in self.seen.items():
                if keep(second):
                    total.update(answers)
            print(
                f"/readyz {name} the fault: "
                + (
                    ", ".join(f"{n} x {answer}" for answer, n in total.most_common())
                    or "not probed"
                )
            )


def log_summary(path: Path) -> str:
    """How many lines gunicorn's stderr holds, how many are not JSON, the levels, and the
    most frequent warnings and errors (their first words)."""
    lines = [line for line in Path(path).read_text().splitlines() if line.strip()]
    levels: Counter = Counter()
    messages: Counter = Counter()
    not_json = 0
    for line in lines:
        try:
            record = json.loads(line)
        except ValueError:
            not_json += 1
            continue
        levels[record.get("level")] += 1
        if record.get("level") in ("WARNING", "ERROR", "CRITICAL"):
            messages[
                f"{record.get('level')} {record.get('logger')}: {str(record.get('message'))[:90]}"
            ] += 1
    summary = f"log: {len(lines)} lines ({not_json} not JSON), " + ", ".join(
        f"{level} {n}" for level, n in sorted(levels.items(), key=str)
    )
    return summary + "".join(f"\n    {n} x {m}" for m, n in messages.most_common(5))
