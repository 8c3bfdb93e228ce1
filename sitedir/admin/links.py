"""Single-use links sent by email: invitations, password resets, "still right" confirmations.

Each link holds 256 random bits; only their SHA-256 is stored. An invitation or a "still
right" link expires after 7 days, a password reset after 1 hour (whoever reads a mailbox
later must not be able to take the account over); a link is spent by the POST that uses
it (a conditional UPDATE: two clicks at once spend it once). Opening a link (GET) never
changes anything: mail scanners follow links.
"""

import secrets
from datetime import timedelta
from typing import TypeGuard

from flask import current_app, has_request_context
from sqlalchemy import update

from sitedir.admin.auth import hash_token
from sitedir.admin.models import (
    LINK_CONFIRM,
    LINK_INVITE,
    LINK_RESET,
    Account,
    OneTimeLink,
)
from sitedir.domain.clock import as_utc, utc_now
from sitedir.extensions import changed_one_row, db
from sitedir.web.hosts import public_root

LINK_DAYS = 7
LIFETIMES = {
    LINK_INVITE: timedelta(days=LINK_DAYS),
    LINK_RESET: timedelta(hours=1),
    LINK_CONFIRM: timedelta(days=LINK_DAYS),
}
PATHS = {
    LINK_INVITE: "/admin/invitation/",
    LINK_RESET: "/admin/password/",
    LINK_CONFIRM: "/admin/still-right/",
}


def issue(purpose: str, account: Account, site=None) -> tuple:
    """A new link for this account, valid for its purpose's lifetime; (the row, the token:
    shown or sent once)."""
    token = secrets.token_urlsafe(32)
    issued = utc_now()
    row = OneTimeLink(
        purpose=purpose,
        token_hash=hash_token(token),
        account=account,
        site=site,
        created_at=issued,
        expires_at=issued + LIFETIMES[purpose],
    )
    db.session.add(row)
    return row, token


def revoke_unused(account: Account, purposes: tuple[str, ...]) -> None:
    """Revoke the account's unused links of these kinds (a newer one replaces them)."""
    for row in db.session.scalars(
        db.select(OneTimeLink).where(
            OneTimeLink.account_id == account.id,
            OneTimeLink.purpose.in_(purposes),
            OneTimeLink.used_at.is_(None),
            OneTimeLink.revoked_at.is_(None),
        )
    ):
        row.revoked_at = utc_now()


def find(purpose: str, token: str) -> OneTimeLink | None:
    """The link behind a token, whatever its state; None when unknown."""
    if not 20 <= len(token) <= 100:
        return None
    return db.session.scalar(
        db.select(OneTimeLink).where(
            OneTimeLink.token_hash == hash_token(token), OneTimeLink.purpose == purpose
        )
    )


def usable(row: OneTimeLink | None) -> TypeGuard[OneTimeLink]:
    return (
        row is not None
        and row.used_at is None
        and row.revoked_at is None
        and as_utc(row.expires_at) > utc_now()
        and row.account.active
    )


def spend(row: OneTimeLink) -> bool:
    """Mark the link used, once: False when someone spent it first (in this transaction)."""
    return changed_one_row(
        update(OneTimeLink)
        .where(OneTimeLink.id == row.id, OneTimeLink.used_at.is_(None))
        .values(used_at=utc_now())
    )


def absolute(purpose: str, token: str) -> str:
    """The link's URL: SITEDIR_PUBLIC_URL, else the request's (trusted) host, else a path."""
    path = PATHS[purpose] + token
    if current_app.config.get("PUBLIC_URL") or has_request_context():
        return public_root() + path
    return path


NO_PUBLIC_URL = (
    "SITEDIR_PUBLIC_URL is not set: the links in the emails would be bare paths nobody can "
    "open. Set it to the address people open the site at, e.g. "
    "SITEDIR_PUBLIC_URL=https://annuaire.example.fr (http://127.0.0.1:5000 on a laptop)."
)


def public_url_problem() -> str | None:
    """Why a command may not send links (no SITEDIR_PUBLIC_URL outside a request), or None."""
    if current_app.config.get("PUBLIC_URL") or has_request_context():
        return None
    return NO_PUBLIC_URL
