"""The systemd units in deploy/systemd: valid for systemd itself, and supervising as promised.

`systemd-analyze verify` reads each unit as systemd would (unknown keys, bad values, an
ExecStart that is not executable). The units name /opt/sitedir, where the README installs
sitedir; here that path is this checkout, whose .venv has the commands they start.
"""

import configparser
import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
UNITS = ROOT / "deploy" / "systemd"


def _units():
    return sorted(p for p in UNITS.iterdir() if p.suffix in {".service", ".timer"})


def _parsed(path):
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str  # systemd keys are case-sensitive
    parser.read(path)
    return parser


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """The units with /opt/sitedir pointing at this checkout."""
    if not (ROOT / ".venv" / "bin" / "gunicorn").exists():
        pytest.skip("no .venv with gunicorn in this checkout (./dev creates it)")
    folder = tmp_path_factory.mktemp("units")
    for unit in _units():
        text = unit.read_text().replace("/opt/sitedir", str(ROOT))
        (folder / unit.name).write_text(text)
    return folder


def test_every_unit_verifies_cleanly(installed):
    tool = shutil.which("systemd-analyze")
    if tool is None:
        if os.environ.get("CI"):
            pytest.fail("systemd-analyze is missing (Debian package systemd)")
        pytest.skip("systemd-analyze is missing")
    names = [str(p) for p in sorted(installed.iterdir())]
    done = subprocess.run(
        [tool, "verify", "--man=no", *names], capture_output=True, text=True, timeout=120
    )
    # systemd only warns (exit 0) about an unknown key: any word from it is a defect.
    assert done.returncode == 0 and not done.stderr.strip(), done.stderr
    assert not done.stdout.strip(), done.stdout


def test_the_web_process_is_restarted_and_leaves_no_orphan():
    web = _parsed(UNITS / "sitedir-web.service")["Service"]
    assert web["Restart"] == "always"
    # mixed: SIGTERM to the master, then SIGKILL to what is left of the group.
    assert web["KillMode"] == "mixed"
    assert web["ExecStart"].endswith("gunicorn wsgi:app")
    # No ExecReload: SIGHUP under preload_app would serve the old code.
    assert "ExecReload" not in web


def test_each_oneshot_command_has_its_timer():
    for timer in UNITS.glob("*.timer"):
        service = timer.with_suffix(".service")
        assert service.exists(), timer.name
        assert _parsed(service)["Service"]["Type"] == "oneshot"
        assert _parsed(timer)["Timer"]["Persistent"] == "true"


def test_workers_are_supervised():
    worker = _parsed(UNITS / "sitedir-webhooks.service")["Service"]
    assert worker["Restart"] == "always"
    assert "webhooks deliver" in worker["ExecStart"]


def test_every_flask_command_a_unit_starts_exists(tmp_path):
    """A unit naming a command sitedir does not have would fail at its first start.

    Each command line is given to Flask's own `flask` command group in this process (what
    the console script calls): the same resolution of `--app` and of the command, without
    a Python start for each unit."""
    from click.testing import CliRunner
    from flask.cli import cli as flask_command

    env = {
        "DATABASE_URL": f"sqlite:///{tmp_path / 'units.db'}",
        "SITEDIR_SEED_ON_START": "false",
        "SECRET_KEY": "units",
    }
    checked = 0
    for unit in UNITS.glob("*.service"):
        command = _parsed(unit)["Service"]["ExecStart"].split()
        if not command[0].endswith("/flask"):
            continue
        done = CliRunner().invoke(flask_command, [*command[1:], "--help"], env=env)
        assert done.exit_code == 0, (unit.name, done.output[-2000:], done.exception)
        assert "Usage: flask " + " ".join(command[3:]) in done.output, unit.name
        checked += 1
    assert checked >= 4  # contact purge, reminders, studies refresh, webhooks


def test_the_imported_studies_have_their_optional_refresh_timer():
    """Issue 24.10: `flask studies refresh` on a timer of its own, enabled only by those
    who import studies (its unit needs SITEDIR_CTGOV_URL)."""
    service = _parsed(UNITS / "sitedir-studies-refresh.service")["Service"]
    assert service["ExecStart"].endswith("flask --app sitedir.app studies refresh")
    assert service["EnvironmentFile"] == "/etc/sitedir/sitedir.env"
    timer = _parsed(UNITS / "sitedir-studies-refresh.timer")["Timer"]
    assert timer["OnCalendar"].startswith("*-*-* ")  # daily
