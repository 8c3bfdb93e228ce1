"""A real SMTP server on 127.0.0.1 (aiosmtpd), started by the test on a free port."""

import email
import email.policy
import re
import socket

import pytest


class Inbox:
    """What the SMTP server received, as parsed messages."""

    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.messages.append((list(envelope.rcpt_tos), message))
        return "250 OK"

    def to(self, address):
        return [m for rcpt, m in self.messages if address in rcpt]


def text_of(message) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


def link_in(message, path: str) -> str:
    """The first link in the message's text whose path starts with `path`."""
    found = re.search(r"https?://[^\s]+" + re.escape(path) + r"[A-Za-z0-9_-]+", text_of(message))
    assert found, text_of(message)
    return found[0]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(name="smtp")
def smtp_server():
    """(inbox, settings for the app) of a running SMTP server on 127.0.0.1."""
    controller_module = pytest.importorskip("aiosmtpd.controller")
    inbox = Inbox()
    port = _free_port()
    controller = controller_module.Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    settings = {
        "SMTP_HOST": "127.0.0.1",
        "SMTP_PORT": port,
        "SMTP_STARTTLS": False,
        "MAIL_FROM": "annuaire <annuaire@example.org>",
    }
    yield inbox, settings
    controller.stop()
