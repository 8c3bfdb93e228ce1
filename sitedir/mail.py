"""Email through the configured SMTP server: French first, an English part, text and HTML.

Every message is built the same way (`build`): what it is about first (the study, the
site by hospital and town, who sent it: `Message.facts`), then what to do, then how to
reach the network team, from a sender with a display name. Its text and HTML parts come
from the Jinja templates in `mail_templates/` (the HTML one autoescaped), so a feature
writes only its paragraphs and links.

Without SITEDIR_SMTP_HOST nothing is sent (a laptop): `send` says so, and the caller
shows the link to whoever can pass it on (the network admin's page, the CLI).

smtplib's timeout bounds each socket read, not the message: a server that answers one
byte at a time holds a caller for as long as it likes. `send` gives each message a
total deadline (SITEDIR_SMTP_DEADLINE), after which its connection is shut.
"""

import smtplib
import socket
import ssl
import threading
from dataclasses import dataclass, field
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import formataddr, make_msgid, parseaddr

from flask import current_app
from jinja2 import Environment, PackageLoader, select_autoescape

from sitedir.logs import dependencies

SMTP_TIMEOUT = 10  # seconds per socket operation; the message as a whole: SMTP_DEADLINE
DEFAULT_SENDER_NAME = "Annuaire des centres de l'essai"

_templates = Environment(
    loader=PackageLoader("sitedir", "mail_templates"),
    autoescape=select_autoescape(["html"]),
    keep_trailing_newline=True,
    trim_blocks=True,
    lstrip_blocks=True,
)


@dataclass(frozen=True)
class Message:
    """What to say, twice: French then English, as paragraphs; `links` are the actions.

    `facts` say what the message is about, before anything else: (French label / English
    label, value) rows, such as the study, the site (hospital and town) and who invited.
    """

    subject: str
    paragraphs_fr: list[str]
    paragraphs_en: list[str]
    links: list[tuple[str, str]]  # (French label / English label, URL)
    facts: list[tuple[str, str]] = field(default_factory=list)


class Refused(smtplib.SMTPRecipientsRefused):
    """The server took the message for some recipients and refused the others."""


class DeadlineExceeded(TimeoutError):
    """The SMTP conversation for one message took longer than SITEDIR_SMTP_DEADLINE."""


def configured() -> bool:
    """Whether an SMTP server is configured (else nothing is sent)."""
    return bool(current_app.config.get("SMTP_HOST"))


def network_contact() -> str | None:
    """How to reach the network team: SITEDIR_NETWORK_CONTACT, else the addresses of the
    active network admins; None when there is neither (nothing is made up)."""
    configured_contact = current_app.config.get("NETWORK_CONTACT")
    if configured_contact:
        return configured_contact
    from sitedir.admin.models import NETWORK_ADMIN, Account
    from sitedir.extensions import db

    emails = db.session.scalars(
        db.select(Account.email)
        .where(Account.role == NETWORK_ADMIN, Account.active, Account.password_hash.is_not(None))
        .order_by(Account.email)
    ).all()
    return ", ".join(emails) or None


def sender() -> str:
    """SITEDIR_MAIL_FROM, given a display name when it has none."""
    name, address = parseaddr(current_app.config["MAIL_FROM"])
    return formataddr((name or DEFAULT_SENDER_NAME, address))


def render(message: Message, contact: str | None) -> tuple[str, str]:
    """The message's (text, HTML) parts."""
    context = {"message": message, "contact": contact}
    return (
        _templates.get_template("message.txt").render(context),
        _templates.get_template("message.html").render(context),
    )


def build(to: list[str], message: Message) -> EmailMessage:
    """The email for these recipients: sender, subject, text and HTML parts."""
    text, html = render(message, network_contact())
    email = EmailMessage()
    # One line, whatever a site's city or name holds: a CR or LF in a header is refused by
    # the stdlib (and, let through, would add a header of the sender's choosing).
    email["Subject"] = " ".join(message.subject.split())
    email["From"] = sender()
    email["To"] = ", ".join(to)
    email["Message-ID"] = make_msgid(domain=Address(addr_spec=parseaddr(sender())[1]).domain)
    email["Content-Language"] = "fr, en"
    email.set_content(text)
    email.add_alternative(html, subtype="html")
    return email


def _converse(smtp: smtplib.SMTP, config, email: EmailMessage) -> dict:
    smtp.connect(config["SMTP_HOST"], config["SMTP_PORT"])
    if config["SMTP_STARTTLS"]:
        smtp.starttls(context=ssl.create_default_context())
    if config.get("SMTP_USER"):
        smtp.login(config["SMTP_USER"], config.get("SMTP_PASSWORD") or "")
    return smtp.send_message(email)


def send(to: list[str], message: Message) -> bool:
    """Send the message; False (nothing sent) when no SMTP server is configured.

    Raises smtplib.SMTPException or OSError when it was not sent (Refused when some
    recipients were refused, DeadlineExceeded when the server took too long).
    """
    if not configured() or not to:
        return False
    config = current_app.config
    email = build(to, message)
    smtp = smtplib.SMTP(timeout=SMTP_TIMEOUT)
    deadline = config["SMTP_DEADLINE"]
    expired = threading.Event()

    def cut():
        # Shutting the socket down wakes a read blocked in the sending thread.
        expired.set()
        sock = smtp.sock
        if sock is not None:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    timer = threading.Timer(deadline, cut)
    timer.daemon = True
    timer.start()
    try:
        refused = _converse(smtp, config, email)
        try:
            smtp.quit()
        except (smtplib.SMTPException, OSError):
            pass  # the message was accepted: a failed goodbye loses nothing
    except (smtplib.SMTPException, OSError) as exc:
        if expired.is_set():
            late = DeadlineExceeded(
                f"the SMTP server took more than {deadline:g} s for one message"
            )
            dependencies.down("smtp", late)
            raise late from exc
        dependencies.down("smtp", exc)  # logged once per outage (sitedir.logs)
        raise
    finally:
        timer.cancel()
        smtp.close()
    dependencies.up("smtp")
    if refused:
        raise Refused(refused)
    return True


def _words(reply) -> str:
    text = reply.decode(errors="replace") if isinstance(reply, bytes) else str(reply)
    return " ".join(text.split())


def one_line(exc: BaseException) -> str:
    """An SMTP or network failure in one line, for a command's output or a log."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return "refused: " + ", ".join(
            f"{address} ({code} {_words(reply)})"
            for address, (code, reply) in exc.recipients.items()
        )
    if isinstance(exc, smtplib.SMTPResponseException):
        return f"{exc.smtp_code} {_words(exc.smtp_error)}"
    return " ".join(f"{type(exc).__name__}: {exc}".split())
