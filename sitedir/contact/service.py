"""Contact requests: store one, tell the right people, hand it to the admins, forget it.

Stored first, mailed after: a request is committed before any email goes out, so an SMTP
server that is missing, slow or refusing loses nothing (the admin page lists it, and says
that nobody was emailed).

Who is told: a contact request goes to the site's active site admins, or to the active
network admins when the site has none; an error report to the network admins, who keep
the directory's data.
"""

import logging
import smtplib
from datetime import timedelta
from typing import cast

from flask import current_app, url_for
from sqlalchemy import CursorResult
from sqlalchemy.exc import IntegrityError

from sitedir import mail
from sitedir.admin.auth import Principal, audit
from sitedir.admin.models import NETWORK_ADMIN, SITE_ADMIN, Account, account_site
from sitedir.contact import mails
from sitedir.contact.models import ERROR_REPORT, HANDLED, NEW, ContactRequest
from sitedir.domain.clock import in_paris, utc_now
from sitedir.extensions import changed_one_row, db
from sitedir.models import Site
from sitedir.web.hosts import public_root

log = logging.getLogger(__name__)

# The fields a request takes from the validated form (ContactRequestInSchema).
FIELDS = (
    "kind",
    "doctor_name",
    "profession",
    "place_name",
    "place_insee",
    "email",
    "phone",
    "rpps",
    "message",
)


class TokenSpent(Exception):
    """This form token was already spent on a request."""


def recipients(site: Site, kind: str) -> list[str]:
    """Who is emailed about a request: see the module's docstring. Active accounts only."""
    if kind != ERROR_REPORT:
        site_admins = db.session.scalars(
            db.select(Account.email)
            .join(account_site, account_site.c.account_id == Account.id)
            .where(
                account_site.c.site_id == site.id,
                Account.role == SITE_ADMIN,
                Account.active.is_(True),
            )
            .order_by(Account.email)
        ).all()
        if site_admins:
            return list(site_admins)
    return list(
        db.session.scalars(
            db.select(Account.email)
            .where(Account.role == NETWORK_ADMIN, Account.active.is_(True))
            .order_by(Account.email)
        )
    )


def admin_url(request: ContactRequest) -> str:
    """The request's page in the admin, as an absolute URL (SITEDIR_PUBLIC_URL first)."""
    return public_root() + url_for("contact_admin.request_page", reference=request.reference)


def create(site: Site, data: dict, nonce: str, lang: str) -> ContactRequest:
    """Store the request (committed), then email the doctor and the site's admins.

    Raises TokenSpent, with nothing stored, when the nonce was used before.
    """
    now = utc_now()
    request = ContactRequest(
        site=site,
        **{field: data.get(field) for field in FIELDS},
        lang=lang,
        form_nonce=nonce,
        status=NEW,
        created_at=now,
        # Unique until the id is known (80 random bits of the nonce, within the column's
        # 24 characters), then the reference proper, in the same transaction.
        reference=f"~{nonce[:20]}",
    )
    db.session.add(request)
    try:
        db.session.flush()
    except IntegrityError as error:
        db.session.rollback()
        raise TokenSpent from error
    request.reference = f"DC-{in_paris(now).year}-{request.id:06d}"
    db.session.commit()
    notify(request)
    return request


def _send(to: list[str], message: mail.Message) -> bool:
    """mail.send, logged instead of raised: the request is stored whatever the server does."""
    try:
        return mail.send(to, message)
    except (smtplib.SMTPException, OSError) as error:
        log.warning("contact request mail not sent to %d address(es): %s", len(to), error)
        return False


def notify(request: ContactRequest) -> None:
    """Email the doctor (the reference, what comes next) and whoever handles the request."""
    if not mail.configured():
        return
    site = request.site
    _send([request.email], mails.to_doctor(request, site))
    to = recipients(site, request.kind)
    if to and _send(to, mails.to_admins(request, site, admin_url(request))):
        request.notified_at = utc_now()
        db.session.commit()


def visible_to(principal: Principal):
    """The select of the requests this account may read: its sites' (network admins: all)."""
    query = db.select(ContactRequest).join(ContactRequest.site)
    account = principal.account
    if account.role != NETWORK_ADMIN:
        mine = [site.id for site in account.sites]
        query = query.where(ContactRequest.site_id.in_(mine))
    return query


def find(principal: Principal, reference: str) -> ContactRequest | None:
    """The request with this reference, if this account may read it."""
    return db.session.scalar(
        visible_to(principal).where(ContactRequest.reference == reference[:24])
    )


def _state(request: ContactRequest) -> dict:
    # The note's length, not its text: the audit log outlives the request (90 days), and
    # the note may say things about the doctor that go with the request.
    return {
        "status": request.status,
        "handled_at": request.handled_at.isoformat() if request.handled_at else None,
        "note_chars": len(request.note or ""),
    }


def handle(request: ContactRequest, principal: Principal, note: str | None) -> bool:
    """Mark the request handled by this admin, now, with an optional note; audited.

    False (nothing changed) when someone else marked it handled first.
    """
    before = _state(request)
    now = utc_now()
    values = {"status": HANDLED, "handled_by_id": principal.account.id, "handled_at": now}
    if note is not None:
        values["note"] = note
    if not changed_one_row(
        db.update(ContactRequest)
        .where(ContactRequest.id == request.id, ContactRequest.status == NEW)
        .values(**values)
    ):
        db.session.rollback()
        return False
    db.session.refresh(request)
    audit(
        principal,
        "contact_request.handle",
        f"contact_request:{request.reference}",
        before,
        _state(request),
    )
    db.session.commit()
    return True


def save_note(request: ContactRequest, principal: Principal, note: str | None) -> None:
    """Replace the request's internal note; audited (its length, not its text)."""
    before = _state(request)
    request.note = note
    audit(
        principal,
        "contact_request.note",
        f"contact_request:{request.reference}",
        before,
        _state(request),
    )
    db.session.commit()


def purge(days: int | None = None, now=None) -> int:
    """Delete the requests made more than `days` (SITEDIR_CONTACT_RETENTION_DAYS) ago."""
    days = current_app.config["CONTACT_RETENTION_DAYS"] if days is None else days
    cutoff = (now or utc_now()) - timedelta(days=days)
    # A DELETE answers a CursorResult (its rowcount); execute() is typed for any statement.
    deleted = cast(
        CursorResult,
        db.session.execute(db.delete(ContactRequest).where(ContactRequest.created_at < cutoff)),
    ).rowcount
    audit(
        None, "contact_request.purge", "contact_request:*", None, {"deleted": deleted, "days": days}
    )
    db.session.commit()
    return deleted
