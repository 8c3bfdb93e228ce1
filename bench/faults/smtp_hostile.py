"""Hostile mail servers against `flask reminders send`: refusing, dripping, rejecting.

    .venv/bin/python -m bench.faults.smtp_hostile [--deadline 5]

On a SQLite database of its own (a temporary folder) with 4 site admins and a network
admin, every site's status old enough to be reminded. Each mail server, on 127.0.0.1:
- refuse: nothing listens on the port (connection refused);
- drip: accepts, then sends its greeting one byte a second (a tarpit);
- reject: aiosmtpd answering 451 (try later) to every recipient;
then a good aiosmtpd server. For each, the run's duration, exit code and emails sent and
not sent; after the good server, the mails it received against the reminders recorded
(every unreached admin reached at the next run, none twice).
"""

import argparse
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from aiosmtpd.controller import Controller

ROOT = Path(__file__).resolve().parents[2]
FLASK = [sys.executable, "-m", "flask", "--app", "sitedir.app"]
NOW = "2031-06-01T09:00:00+02:00"
SETUP = """
from sitedir.app import create_app
from sitedir.admin.accounts import new_account
from sitedir.admin.models import NETWORK_ADMIN, SITE_ADMIN
from sitedir.extensions import db
from sitedir.models import Site
app = create_app()
with app.app_context():
    for slug in ("bordeaux", "nantes", "marseille", "nancy"):
        site = db.session.scalar(db.select(Site).where(Site.slug == slug))
        account = new_account(f"{slug}@example.org", SITE_ADMIN, [site], "a long passphrase 2031")
        account.active = True
    new_account("reseau@example.org", NETWORK_ADMIN, [], "a long passphrase 2031").active = True
    db.session.commit()
"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Drip:
    """Accepts, then sends "220 drip\\r\\n" one byte a second, forever."""

    def __init__(self):
        self.server = socket.create_server(("127.0.0.1", 0))
        self.port = self.server.getsockname()[1]
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self):
        while True:
            client, _ = self.server.accept()
            threading.Thread(target=self._drip, args=(client,), daemon=True).start()

    @staticmethod
    def _drip(client):
        try:
            for byte in b"220 drip" * 100:
                client.send(bytes([byte]))
                time.sleep(1)
        except OSError:
            pass


class Inbox:
    def __init__(self, code=None):
        self.code, self.received = code, []

    async def handle_RCPT(self, server, session, envelope, address, options):
        if self.code:
            return self.code
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.received.extend(envelope.rcpt_tos)
        return "250 OK"


def remind(env, port) -> tuple[float, int, str]:
    started = time.monotonic()
    done = subprocess.run(
        [*FLASK, "reminders", "send", "--now", NOW],
        env={**env, "SITEDIR_SMTP_PORT": str(port)},
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    return time.monotonic() - started, done.returncode, done.stdout + done.stderr


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--deadline", type=float, default=5)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="sitedir-faults-smtp-"))
    env = {
        **os.environ,
        "SITEDIR_ENV": "development",
        "DATABASE_URL": f"sqlite:///{folder}/sitedir.sqlite3",
        "SITEDIR_SMTP_HOST": "127.0.0.1",
        "SITEDIR_SMTP_STARTTLS": "false",
        "SITEDIR_SMTP_DEADLINE": str(args.deadline),
        "SITEDIR_PUBLIC_URL": "https://annuaire.example.fr",
        "SITEDIR_MAIL_FROM": "annuaire <annuaire@example.org>",
        "SITEDIR_LOG_FORMAT": "json",
    }
    subprocess.run(
        [sys.executable, "-c", SETUP], env=env, cwd=ROOT, check=True, capture_output=True
    )
    print(f"SITEDIR_SMTP_DEADLINE={args.deadline:g}; 4 site admins and 1 network admin to remind")
    print("| server | run (s) | exit | sent | not sent |")
    print("| --- | ---: | ---: | ---: | ---: |")
    drip = Drip()
    rejecting = Controller(Inbox("451 4.3.0 try later"), hostname="127.0.0.1", port=free_port())
    rejecting.start()
    good_inbox = Inbox()
    good = Controller(good_inbox, hostname="127.0.0.1", port=free_port())
    good.start()
    try:
        for name, port in (
            ("refuse (nothing listening)", free_port()),
            ("drip (1 byte/s)", drip.port),
            ("reject (451 to every RCPT)", rejecting.port),
            ("good (aiosmtpd)", good.port),
            ("good, again", good.port),
        ):
            took, code, output = remind(env, port)
            sent = output.count(": sent to") + output.count("sent to ")
            not_sent = output.count("NOT SENT")
            summary = [line for line in output.splitlines() if "email(s) sent" in line]
            sent_n = summary[-1].split()[0] if summary else str(sent)
            print(f"| {name} | {took:.1f} | {code} | {sent_n} | {not_sent} |")
    finally:
        rejecting.stop()
        good.stop()
    addresses = sorted(good_inbox.received)
    print(f"received by the good server: {len(addresses)} ({len(set(addresses))} distinct)")
    shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
