"""Email through the configured SMTP server: French first, an English part, text and HTML.

Without SITEDIR_SMTP_HOST nothing is sent (a laptop): `send` says so, and the caller
shows the link to whoever can pass it on (the network admin's page, the CLI).
"""

import html
import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import make_msgid

from flask import current_app

SMTP_TIMEOUT = 10


@dataclass(frozen=True)
class Message:
    """What to say, twice: French then English, as paragraphs; `link` is the action."""

    subject: str
    paragraphs_fr: list[str]
    paragraphs_en: list[str]
    links: list[tuple[str, str]]  # (French label / English label, URL)


def configured() -> bool:
    return bool(current_app.config.get("SMTP_HOST"))


def _text(message: Message) -> str:
    lines = [*message.paragraphs_fr]
    lines += [f"{label} : {url}" for label, url in message.links]
    lines += ["", "— English —", "", *message.paragraphs_en]
    return "\n\n".join(lines) + "\n"


def _html(message: Message) -> str:
    def paragraphs(items):
        return "".join(f"<p>{html.escape(p)}</p>" for p in items)

    actions = "".join(
        f'<p><a href="{html.escape(url, quote=True)}">{html.escape(label)}</a></p>'
        for label, url in message.links
    )
    return (
        '<!doctype html><html lang="fr"><body>'
        f"{paragraphs(message.paragraphs_fr)}{actions}<hr>"
        f'<div lang="en">{paragraphs(message.paragraphs_en)}</div></body></html>'
    )


def build(to: list[str], message: Message) -> EmailMessage:
    email = EmailMessage()
    email["Subject"] = message.subject
    email["From"] = current_app.config["MAIL_FROM"]
    email["To"] = ", ".join(to)
    email["Message-ID"] = make_msgid(domain="sitedir")
    email["Content-Language"] = "fr, en"
    email.set_content(_text(message))
    email.add_alternative(_html(message), subtype="html")
    return email


def send(to: list[str], message: Message) -> bool:
    """Send the message; False (nothing sent) when no SMTP server is configured."""
    if not configured() or not to:
        return False
    config = current_app.config
    with smtplib.SMTP(config["SMTP_HOST"], config["SMTP_PORT"], timeout=SMTP_TIMEOUT) as smtp:
        if config["SMTP_STARTTLS"]:
            smtp.starttls(context=ssl.create_default_context())
        if config.get("SMTP_USER"):
            smtp.login(config["SMTP_USER"], config.get("SMTP_PASSWORD") or "")
        smtp.send_message(build(to, message))
    return True
