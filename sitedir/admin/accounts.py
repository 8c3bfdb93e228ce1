"""Accounts' life: invitations, password resets by email, disabling; each step audited.

Shared by `flask accounts ...` and the network admin's "Comptes" page. When no SMTP server
is configured, the functions still make the link and return it: the caller shows it to
the person who can pass it on.
"""

import gzip
import smtplib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import timedelta
from functools import cache
from pathlib import Path
from typing import cast

from flask import Flask, after_this_request, current_app, has_request_context
from sqlalchemy import update
from werkzeug.local import LocalProxy

from sitedir import mail
from sitedir.admin import links
from sitedir.admin.auth import hash_password
from sitedir.admin.models import (
    LINK_CONFIRM,
    LINK_INVITE,
    LINK_RESET,
    NETWORK_ADMIN,
    SITE_ADMIN,
    Account,
    OneTimeLink,
)
from sitedir.audit import Principal, audit
from sitedir.domain.clock import utc_now
from sitedir.extensions import changed_one_row, db
from sitedir.models import Site

MIN_PASSWORD = 12
MAX_PASSWORD = 1024
# One reset email per address in this time, whatever the number of requests.
RESET_QUIET = timedelta(minutes=5)
# Reset emails per account in a day: a new request never revokes a pending link (an
# attacker could otherwise keep invalidating the owner's), so their number is bounded,
# and the last one says so.
RESET_PER_DAY = 3


class AccountError(Exception):
    """A refusal, in French and English; `field` names the form field it is about, so that
    a page can say it next to that field (RGAA 11.10) rather than in a banner."""

    def __init__(self, fr: str, en: str, field: str | None = None):
        super().__init__(en)
        self.fr, self.en, self.field = fr, en, field


class AccountExists(AccountError):
    pass


@dataclass
class Sent:
    """A link made for someone: its URL, whether an email carried it, and why not when
    the mail server failed (None: sent, or no server configured)."""

    url: str
    emailed: bool
    error: str | None = None


@cache
def common_passwords() -> frozenset[str]:
    path = Path(__file__).with_name("common_passwords.txt")
    lines = path.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip().lower() for line in lines if line and not line.startswith("#"))


@cache
def french_words() -> list[str]:
    """The most frequent French words, most frequent first (tools/french_words.py)."""
    path = Path(__file__).with_name("data") / "french_words.txt.gz"
    with gzip.open(path, "rt", encoding="utf-8") as lines:
        return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


@cache
def _estimator():
    """zxcvbn, which also knows French words (loaded once per process)."""
    from zxcvbn import zxcvbn
    from zxcvbn.matching import RANKED_DICTIONARIES, add_frequency_lists

    if "french" not in RANKED_DICTIONARIES:
        add_frequency_lists({"french": french_words()})
    return zxcvbn


# zxcvbn's score: 3 is "safely unguessable" for an online attack (about 10^8 guesses and
# more), and the login is rate-limited per account; 0-2 are refused.
MIN_SCORE = 3
# zxcvbn's matching grows with the length: what follows the first 100 characters adds
# strength it need not measure.
MEASURED = 100
WEAKNESSES = (
    # (zxcvbn pattern, dictionary or None, why in French, why in English), first found wins
    (
        "dictionary",
        "passwords",
        "il ressemble à un mot de passe très courant",
        "it is like a very common password",
    ),
    (
        "spatial",
        None,
        "c'est une suite de touches voisines du clavier",
        "it is a run of neighbouring keys",
    ),
    ("sequence", None, "c'est une suite (123456, abcdef)", "it is a sequence (123456, abcdef)"),
    (
        "repeat",
        None,
        "il répète les mêmes caractères ou le même mot",
        "it repeats characters or a word",
    ),
    ("date", None, "il repose sur une date", "it rests on a date"),
    (
        "dictionary",
        None,
        "il repose sur un ou deux mots courants",
        "it rests on one or two common words",
    ),
)
HINT_FR = (
    "Essayez plutôt une phrase de quatre ou cinq mots sans rapport entre eux (« vélo rouge "
    "du facteur breton ») : la longueur compte plus que les chiffres et les symboles."
)
HINT_EN = "Try four or five unrelated words instead: length counts more than digits or symbols."


def weakness(password: str) -> AccountError | None:
    """Why zxcvbn (with French words) finds this password too easy to guess, with a hint;
    None when it is strong enough."""
    result = _estimator()(password[:MEASURED])
    if result["score"] >= MIN_SCORE:
        return None
    found = {(m["pattern"], m.get("dictionary_name")) for m in result["sequence"]}
    why_fr, why_en = "il est trop facile à deviner", "it is too easy to guess"
    for pattern, dictionary, fr, en in WEAKNESSES:
        if any(p == pattern and (dictionary is None or d == dictionary) for p, d in found):
            why_fr, why_en = fr, en
            break
    return AccountError(
        f"Mot de passe trop facile à deviner : {why_fr}. {HINT_FR}",
        f"the password is too easy to guess: {why_en}. {HINT_EN}",
    )


def password_problem(password: str, again: str | None = None) -> AccountError | None:
    """Why this password is refused (the page shows the French, the CLI the English), or None:
    the two copies differ, fewer than 12 characters, too long, among the most common, or
    too easy to guess (zxcvbn, with French words)."""
    if again is not None and password != again:
        return AccountError(
            "Les deux mots de passe ne sont pas identiques.", "the two passwords differ"
        )
    if len(password) < MIN_PASSWORD:
        return AccountError(
            f"Le mot de passe doit compter au moins {MIN_PASSWORD} caractères.",
            f"the password needs at least {MIN_PASSWORD} characters",
        )
    if len(password) > MAX_PASSWORD:
        return AccountError("Ce mot de passe est trop long.", "the password is too long")
    if password.lower() in common_passwords():
        return AccountError(
            "Ce mot de passe est parmi les plus courants : choisissez-en un autre. " + HINT_FR,
            "the password is among the most common ones: choose another",
        )
    return weakness(password)


def set_password(account: Account, password: str) -> None:
    """Store a new password (hashed): every session of the account ends, and its unused
    invitation and reset links stop working (one could otherwise replace this password).
    Uncommitted: the caller audits and commits."""
    account.password_hash = hash_password(password)
    account.end_sessions()
    links.revoke_unused(account, (LINK_INVITE, LINK_RESET))


def normalise_email(email: str) -> str:
    email = (email or "").strip().lower()
    if "@" not in email or len(email) > 254 or any(c.isspace() for c in email):
        raise AccountError("Adresse e-mail invalide.", "Not an email address.", "email")
    return email


def study_titles(sites: Iterable[Site]) -> str:
    """The studies these sites belong to (every study for none: a network admin)."""
    from sitedir.models import Study

    studies = {s.study.title_fr for s in sites}
    if not studies:
        studies = set(db.session.scalars(db.select(Study.title_fr)))
    return " ; ".join(sorted(studies))


def sites_words(account: Account) -> str:
    """The account's sites by town and hospital, or what a network admin looks after."""
    if account.role == NETWORK_ADMIN:
        return "tous les centres (administration du réseau) / every site (network admin)"
    return " ; ".join(s.full_name for s in account.sites)


def _invitation_message(account: Account, url: str, inviter: str) -> mail.Message:
    return mail.Message(
        subject=f"Invitation de {inviter} : annuaire des centres de l'essai / invitation",
        facts=[
            ("Essai / study", study_titles(account.sites)),
            ("Centre(s) / site(s)", sites_words(account)),
            ("Invitation de / invited by", inviter),
            ("Votre compte / your account", account.email),
        ],
        paragraphs_fr=[
            "Bonjour,",
            f"{inviter} vous invite à tenir à jour, dans l'annuaire que consultent les "
            "médecins qui adressent des patients à l'essai, le statut des inclusions et les "
            "contacts des centres ci-dessus.",
            "Choisissez votre mot de passe avec le lien ci-dessous, valable 7 jours et une "
            "seule fois. Si vous n'attendiez pas cette invitation, ignorez ce message.",
        ],
        paragraphs_en=[
            f"{inviter} invites you to keep the recruitment status and contacts of the sites "
            "above up to date in the directory that referring doctors read.",
            "Choose your password with the link above; it works once, for 7 days. If you "
            "did not expect this invitation, ignore this message.",
        ],
        links=[("Choisir mon mot de passe / choose my password", url)],
    )


def _reset_message(account: Account, url: str, last: bool = False) -> mail.Message:
    message = mail.Message(
        subject="Mot de passe oublié : annuaire des centres de l'essai / password reset",
        facts=[
            ("Essai / study", study_titles(account.sites)),
            ("Centre(s) / site(s)", sites_words(account)),
            ("Votre compte / your account", account.email),
        ],
        paragraphs_fr=[
            "Bonjour,",
            "Quelqu'un (vous, sans doute) a demandé un nouveau mot de passe pour l'annuaire. "
            "Le lien ci-dessous est valable 1 heure, une seule fois. Si ce n'était pas vous, "
            "ignorez ce message : rien ne change.",
        ],
        paragraphs_en=[
            "Someone (you, probably) asked for a new password for the directory. The link "
            "works once, for 1 hour. If it was not you, ignore this message.",
        ],
        links=[("Choisir un nouveau mot de passe / choose a new password", url)],
    )
    if last:
        message.paragraphs_fr.append(
            f"C'est la {RESET_PER_DAY}e demande en 24 heures : les suivantes sont ignorées "
            "jusqu'à demain. Si ce n'étaient pas vous, prévenez l'administrateur du réseau."
        )
        message.paragraphs_en.append(
            f"This is the {RESET_PER_DAY}rd request in 24 hours: later ones are ignored until "
            "tomorrow. If they were not yours, tell the network admin."
        )
    return message


def inviter_words(principal: Principal | None) -> str:
    """Who sends an invitation: the network admin's address, or the network team (CLI)."""
    if principal is None:
        return "l'équipe du réseau"
    return principal.account.email


def _send_link(account: Account, purpose: str, token: str, message_for) -> Sent:
    """Email the link; a server that fails or refuses is said in `error`, never raised:
    the account and its link are committed, and the caller shows the link to pass on."""
    url = links.absolute(purpose, token)
    try:
        emailed = mail.send([account.email], message_for(url))
    except (smtplib.SMTPException, OSError) as exc:
        current_app.logger.warning("email to %s not sent: %s", account.email, mail.one_line(exc))
        return Sent(url, False, mail.one_line(exc))
    return Sent(url, emailed)


def new_account(
    email: str, role: str, sites: Iterable[Site] = (), password: str | None = None
) -> Account:
    """Add an account to the session (uncommitted) and return it: the one way accounts are
    made (`flask accounts create`, invitations, tests); without a password it waits for
    one (an invitation) or uses tokens only, and a password is stored hashed (argon2)."""
    account = Account(
        email=email,
        role=role,
        created_at=utc_now(),
        sites=list(sites),
        password_hash=hash_password(password) if password else None,
    )
    db.session.add(account)
    return account


def invite(
    email: str, role: str, site_slugs: list[str], principal: Principal | None
) -> tuple[Account, Sent]:
    """Create an account without a password and send it an invitation link."""
    email = normalise_email(email)
    if db.session.scalar(db.select(Account.id).where(Account.email == email)):
        raise AccountExists(
            f"Un compte existe déjà pour {email}.",
            f"An account already exists for {email}.",
            "email",
        )
    if role not in (SITE_ADMIN, NETWORK_ADMIN):
        raise AccountError("Rôle inconnu.", "Unknown role.", "role")
    if role == SITE_ADMIN and not site_slugs:
        raise AccountError(
            "Un administrateur de centre a besoin d'au moins un centre.",
            "A site admin needs at least one site.",
            "sites",
        )
    sites = db.session.scalars(db.select(Site).where(Site.slug.in_(site_slugs))).all()
    missing = set(site_slugs) - {s.slug for s in sites}
    if missing:
        raise AccountError(
            f"Centre(s) inconnu(s) : {', '.join(sorted(missing))}.",
            f"Unknown site(s): {', '.join(sorted(missing))}.",
            "sites",
        )
    account = new_account(email, role, sites if role == SITE_ADMIN else [])
    db.session.flush()
    _, token = links.issue(LINK_INVITE, account)
    audit(
        principal,
        "account.invite",
        f"account:{email}",
        None,
        {"role": role, "sites": sorted(site_slugs) if role == SITE_ADMIN else []},
    )
    # Committed before the email leaves: a mail server that is down never loses the
    # invitation, whose link the page then shows to pass on.
    db.session.commit()
    inviter = inviter_words(principal)
    sent = _send_link(
        account, LINK_INVITE, token, lambda url: _invitation_message(account, url, inviter)
    )
    return account, sent


def resend(account: Account, principal: Principal | None) -> Sent:
    """A new link for the account (older unused ones revoked): an invitation while it has
    no password, else a password reset."""
    if not account.active:
        raise AccountError("Ce compte est désactivé.", "This account is disabled.")
    purpose = LINK_INVITE if account.password_hash is None else LINK_RESET
    links.revoke_unused(account, (LINK_INVITE, LINK_RESET))
    _, token = links.issue(purpose, account)
    audit(principal, f"account.{purpose}_resent", f"account:{account.email}")
    db.session.commit()  # the link exists whatever the mail server does
    if purpose == LINK_INVITE:
        inviter = inviter_words(principal)
        return _send_link(
            account, purpose, token, lambda url: _invitation_message(account, url, inviter)
        )
    return _send_link(account, purpose, token, lambda url: _reset_message(account, url))


def request_reset(email: str) -> None:
    """Email a reset link if an active account has this address; say nothing either way.

    The caller answers the same page whatever happened, as fast: the email leaves after
    the answer. At most one email per address every few minutes, so the form cannot be
    used to flood someone's mailbox.
    """
    try:
        email = normalise_email(email)
    except AccountError:
        return
    account = db.session.scalar(db.select(Account).where(Account.email == email))
    audit(None, "account.reset_requested", f"account:{email}", None, None, "session")
    if account is None or not account.active:
        db.session.commit()
        return
    recent = db.session.scalar(
        db.select(OneTimeLink.id).where(
            OneTimeLink.account_id == account.id,
            OneTimeLink.purpose == LINK_RESET,
            OneTimeLink.created_at > utc_now() - RESET_QUIET,
        )
    )
    today = db.session.scalar(
        db.select(db.func.count(OneTimeLink.id)).where(
            OneTimeLink.account_id == account.id,
            OneTimeLink.purpose == LINK_RESET,
            OneTimeLink.created_at > utc_now() - timedelta(days=1),
        )
    )
    if recent or today >= RESET_PER_DAY:
        db.session.commit()
        return
    # Earlier links stay valid: the one used first ends the others (set_password).
    _, token = links.issue(LINK_RESET, account)
    db.session.commit()
    last = today + 1 == RESET_PER_DAY
    message = _reset_message(account, links.absolute(LINK_RESET, token), last=last)
    _after_the_answer(lambda: mail.send([email], message))


def _after_the_answer(send: Callable[[], object]) -> None:
    """Run `send` once the answer has gone out (at once outside a request).

    Talking to the SMTP server takes tens to hundreds of milliseconds, and it may fail:
    done before answering, either would tell an asker which addresses have an account.
    A failure is logged.
    """
    if not has_request_context():
        send()
        return
    # Flask types current_app as the app itself; it is a LocalProxy, whose object is what
    # the answer's closing callback can carry (the proxy needs an app context).
    app = cast("LocalProxy[Flask]", current_app)._get_current_object()

    def run():
        with app.app_context():
            try:
                send()
            except Exception:
                app.logger.exception("a password reset email could not be sent")

    @after_this_request
    def _send_when_closed(response):
        response.call_on_close(run)
        return response


def use_password_link(row: OneTimeLink, password: str) -> Account | None:
    """Set the password through an invitation or reset link, spending it; None if spent.

    Every other session of the account ends (a reset is a password change); the caller
    then starts the new session with the account's new generation.
    """
    if not links.spend(row):
        db.session.rollback()
        return None
    account = row.account
    set_password(account, password)
    action = "account.invitation_accepted" if row.purpose == LINK_INVITE else "account.reset_done"
    audit(
        Principal(account, "session"),
        action,
        f"account:{account.email}",
        None,
        {"link_id": row.id, "sessions_ended": True},
    )
    db.session.commit()
    return account


def disable(account: Account, principal: Principal | None) -> list[int]:
    """Disable an account: no login, its sessions ended, its tokens and links revoked.

    AccountError, and nothing written, when it is already disabled.
    """
    # A conditional UPDATE: of two disables racing, one changes the row and is audited.
    if not changed_one_row(
        update(Account).where(Account.id == account.id, Account.active).values(active=False)
    ):
        db.session.rollback()
        raise AccountError("Ce compte est déjà désactivé.", "This account is already disabled.")
    account.active = False
    account.end_sessions()  # ended for good, even if the account came back one day
    revoked = [t.id for t in account.tokens if t.revoked_at is None]
    for token in account.tokens:
        token.revoked_at = token.revoked_at or utc_now()
    links.revoke_unused(account, (LINK_INVITE, LINK_RESET, LINK_CONFIRM))
    audit(
        principal, "account.disable", f"account:{account.email}", None, {"tokens_revoked": revoked}
    )
    db.session.commit()
    return revoked


def last_logins() -> dict[int, object]:
    """When each account last logged in (from the audit log)."""
    from sitedir.admin.models import AuditEvent

    rows = db.session.execute(
        db.select(AuditEvent.account_id, db.func.max(AuditEvent.at))
        .where(AuditEvent.action == "account.login")
        .group_by(AuditEvent.account_id)
    ).all()
    return {account_id: at for account_id, at in rows}
