"""The first deploy, as the README's "Running in production" block says, on an empty
PostgreSQL database: the block's commands run as written, gunicorn serves, a doctor's read
and an admin's login work. And a server started before `db upgrade` says what to run.

The block runs on PostgreSQL only (CI's second pass): a database of its own on the suite's
server, made empty and dropped here. Its addresses (db.internal, cache.internal, port
8000) are replaced by this machine's; everything else is the README's. The command line's
part of it (no server's warm-up before the schema exists) is checked on SQLite too.
"""

import os
import re
import shlex
import socket
import subprocess
import sys
import time
import uuid
from http.cookies import SimpleCookie
from pathlib import Path

import psycopg
import pytest
import requests
from sqlalchemy import make_url

from sitedir.seeding import read_seeds
from tests.helpers import ON_POSTGRES, PASSWORD, TEST_DATABASE_URL
from tests.seeded_db import WORKER

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
REDIS_URL = "redis://127.0.0.1:6379/14"
START_S = 300  # a loaded machine: gunicorn's master builds the gazetteer and the snapshot

postgres_only = pytest.mark.skipif(not ON_POSTGRES, reason="the production block is on PostgreSQL")


def production_block() -> list[str]:
    """The shell lines of the README's production block, comments dropped."""
    section = README.split("## Running in production", 1)[1]
    block = re.search(r"```sh\n(.*?)```", section, re.S)[1]
    lines = [line.split("  #")[0].strip() for line in block.splitlines()]
    return [line for line in lines if line and not line.startswith("#")]


def _this_machine(env_name: str, value: str, database_url: str) -> str:
    """The README's value, or this machine's where the README names its servers."""
    return {
        "DATABASE_URL": database_url,
        "REDIS_URL": REDIS_URL,
    }.get(env_name, value)


@pytest.fixture
def empty_database():
    """A database of this test's own, empty, on the suite's PostgreSQL server; dropped after."""
    base = make_url(TEST_DATABASE_URL)
    name = f"{base.database}_first_deploy_{WORKER}"
    admin = base.set(drivername="postgresql").render_as_string(hide_password=False)

    def run(statement):
        with psycopg.connect(admin, autocommit=True, connect_timeout=5) as connection:
            connection.execute(statement)

    run(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    run(f'CREATE DATABASE "{name}"')
    yield base.set(drivername="postgresql", database=name).render_as_string(hide_password=False)
    run(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _deploy_env(database_url: str) -> dict:
    """The environment the block's `export` lines make, from a clean one."""
    env = {
        key: value
        for key, value in os.environ.items()
        # What the suite sets for its own apps is not the README's: the shipped seeds, the
        # production password cost.
        if not key.startswith(("SITEDIR_", "FLASK_")) and key not in ("DATABASE_URL", "REDIS_URL")
    }
    env.update(
        # Counters of this run only, on a Redis database no other test flushes.
        SITEDIR_RATELIMIT_PREFIX=f"first-deploy-{uuid.uuid4().hex}",
        SITEDIR_BIND=f"127.0.0.1:{_free_port()}",  # the README's default is 127.0.0.1:8000
        WEB_CONCURRENCY="2",  # the machine is shared: 2 workers, not 2 x cores + 1
        SITEDIR_ACCESS_LOG="false",
    )
    for line in production_block():
        if line.startswith("export "):
            name, _, value = line.removeprefix("export ").partition("=")
            env[name] = _this_machine(name, value, database_url)
    return env


def _command(line: str) -> list[str]:
    """A block line as an argv, `.venv/bin/` being the environment these tests run in."""
    argv = shlex.split(line)
    if argv[0].startswith(".venv/bin/"):
        argv[0] = str(Path(sys.executable).parent / argv[0].removeprefix(".venv/bin/"))
    return argv


def _gunicorn(env, log: Path) -> subprocess.Popen:
    (line,) = [line for line in production_block() if "gunicorn" in line]
    return subprocess.Popen(
        _command(line), cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=log.open("wb")
    )


def _wait_ready(url: str, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + START_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"gunicorn exited ({process.returncode}): {log.read_text()}")
        try:
            if requests.get(url + "/readyz", timeout=30).status_code == 200:
                return
        except requests.RequestException:  # not listening yet
            pass
        time.sleep(0.3)
    raise AssertionError(f"{url} not ready within {START_S} s: {log.read_text()}")


def _stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=60)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


class Browser:
    """An admin's browser behind the deploy's TLS proxy: the public Host, X-Forwarded-Proto
    (gunicorn trusts it from 127.0.0.1), and the Secure session cookie sent back by hand
    (requests keeps Secure cookies for https URLs, and gunicorn is reached over http)."""

    def __init__(self, url: str, public_url: str):
        self.url = url
        self.public = public_url
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, **kwargs) -> requests.Response:
        headers = {
            "Host": self.public.removeprefix("https://"),
            "X-Forwarded-Proto": "https",
            "Referer": f"{self.public}{path}",
        }
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        response = requests.request(
            method, self.url + path, headers=headers, allow_redirects=False, timeout=30, **kwargs
        )
        for header in response.raw.headers.getlist("Set-Cookie"):
            for name, morsel in SimpleCookie(header).items():
                self.cookies[name] = morsel.value
        return response


@pytest.mark.database
@postgres_only
def test_the_readmes_production_block_on_an_empty_database(empty_database, tmp_path):
    env = _deploy_env(empty_database)
    assert env["SITEDIR_SEED_ON_START"] == "false"  # the README's deploy: instances only serve
    url = f"http://{env['SITEDIR_BIND']}"

    # A server started before the deploy step: one line saying what to run, and it stops.
    early = _gunicorn(env, tmp_path / "early.log")
    assert early.wait(timeout=START_S) != 0
    said = (tmp_path / "early.log").read_text().strip().splitlines()
    assert said == [
        "sitedir: the database has no schema: "
        "run `flask --app sitedir.app db upgrade` before starting the server"
    ]

    # The block's commands, in order, as written; set-password asks twice.
    for line in production_block():
        if line.startswith("export ") or "gunicorn" in line:
            continue
        given = f"{PASSWORD}\n{PASSWORD}\n" if "set-password" in line else None
        done = subprocess.run(
            _command(line), cwd=ROOT, env=env, input=given, capture_output=True, text=True
        )
        assert done.returncode == 0, f"{line}\n{done.stdout}\n{done.stderr}"

    server = _gunicorn(env, tmp_path / "gunicorn.log")
    try:
        _wait_ready(url, server, tmp_path / "gunicorn.log")
        # A doctor's read: every shipped site, with URLs on the public address.
        sites = requests.get(f"{url}/api/v1/sites?limit=1000", timeout=30)
        assert sites.status_code == 200, sites.text
        shipped = {record["id"] for record in read_seeds(str(ROOT / "seeds"))["sites.yaml"]}
        assert {site["id"] for site in sites.json()} == shipped
        # An admin's login, through the form, as the README's account.
        browser = Browser(url, env["SITEDIR_PUBLIC_URL"])
        form = browser.request("GET", "/admin/login")
        assert form.status_code == 200, form.text
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', form.text)[1]
        login = browser.request(
            "POST",
            "/admin/login",
            data={"email": "reseau@exemple.fr", "password": PASSWORD, "csrf_token": token},
        )
        assert login.status_code == 302, login.text
        assert login.headers["Location"].removeprefix(browser.public) == "/admin/"
        home = browser.request("GET", "/admin/")
        assert home.status_code == 200 and "reseau@exemple.fr" in home.text
    finally:
        _stop(server)


# --- the command line on an empty database, without the server's warm-up ----------------


def _cli(env, *args):
    return subprocess.run(
        [sys.executable, "-m", "flask", "--app", "sitedir.app", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=START_S,
    )


@pytest.fixture
def empty_sqlite(tmp_path):
    return {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'empty.db'}",
        "SITEDIR_SEED_ON_START": "false",
    }


@pytest.mark.parametrize("command", [("db", "upgrade"), ("init-db",)])
def test_the_schema_commands_work_on_an_empty_database_that_seeds_nothing_at_start(
    empty_sqlite, command
):
    done = _cli(empty_sqlite, *command)
    assert done.returncode == 0, done.stderr
    again = _cli(empty_sqlite, "db", "current")
    assert "(head)" in again.stdout, again.stderr


def test_the_server_entry_stops_with_one_line_on_a_database_without_schema(empty_sqlite):
    done = subprocess.run(
        [sys.executable, "-c", "import wsgi"],
        cwd=ROOT,
        env=empty_sqlite,
        capture_output=True,
        text=True,
        timeout=START_S,
    )
    assert done.returncode == 1
    assert done.stderr.strip().splitlines() == [
        "sitedir: the database has no schema: "
        "run `flask --app sitedir.app db upgrade` before starting the server"
    ]


def test_an_older_schema_is_named_with_the_revision_the_code_needs(tmp_path):
    from flask_migrate import downgrade

    from sitedir.app import create_app
    from sitedir.database import MIGRATIONS_DIR, schema_problem
    from sitedir.extensions import db

    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'old.db'}"})
    assert schema_problem(app) is None
    with app.app_context():
        downgrade(directory=MIGRATIONS_DIR, revision="-1")
        db.engine.dispose()
    problem = schema_problem(app)
    assert problem.startswith("sitedir: the database is at revision ")
    assert problem.endswith("run `flask --app sitedir.app db upgrade` before starting the server")


def test_dev_flask_builds_the_app_alone():
    """`./dev flask ...` goes to the factory, not to wsgi.py and its warm-up."""
    dev = (ROOT / "dev").read_text(encoding="utf-8")
    (line,) = [
        line for line in dev.splitlines() if '/bin/flask" --app' in line and " run " not in line
    ]
    assert '--app sitedir.app "$@"' in line
