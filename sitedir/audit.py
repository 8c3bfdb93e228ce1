"""Who made a change, and the audit trail every change writes in its own transaction.

Shared by every writer (the admin API and page, the importer, the webhooks' registry, the
reminders): it needs no part of the admin feature, only the account the change is made as.
"""

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from flask import g
from sqlalchemy import JSON, DateTime, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from sitedir.domain.clock import utc_now
from sitedir.extensions import Base, db

if TYPE_CHECKING:
    from sitedir.admin.models import Account


class AuditEvent(Base):
    """Who changed what, when, from which token or session: before and after."""

    __tablename__ = "audit_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False, index=True)
    account_id: Mapped[int | None] = mapped_column(ForeignKey("account.id"))
    account_email: Mapped[str | None] = mapped_column(String(254))
    via: Mapped[str] = mapped_column(String(32), nullable=False)  # token:<id> | session | cli
    action: Mapped[str] = mapped_column(String(64), nullable=False)
    target: Mapped[str] = mapped_column(String(128), nullable=False)  # site:clermont-ferrand
    before: Mapped[dict | None] = mapped_column(JSON)
    after: Mapped[dict | None] = mapped_column(JSON)
    # Made by the server for each request (the access log's id too).
    request_id: Mapped[str | None] = mapped_column(String(64))
    # The client's own X-Request-ID, when it looked like one: kept, never trusted as ours.
    client_request_id: Mapped[str | None] = mapped_column(String(64))


@dataclass(frozen=True)
class Principal:
    """The account behind a request, how it proved it (token:<id>, session, link:<id>),
    and what its token may do (full, or a narrower scope)."""

    account: "Account"
    via: str
    scope: str = "full"


def audit(
    principal: Principal | None,
    action: str,
    target: str,
    before=None,
    after=None,
    via: str | None = None,
):
    """Append an audit event in the current transaction (committed with the change).

    `via` names the channel when nobody is logged in (a failed login: "session");
    without a principal or `via`, the event comes from the command line.
    """
    db.session.add(
        AuditEvent(
            at=utc_now(),
            account_id=principal.account.id if principal else None,
            account_email=principal.account.email if principal else None,
            via=principal.via if principal else (via or "cli"),
            action=action,
            # Bounded to the column: a target may hold an email someone typed.
            target=target[:128],
            before=before,
            after=after,
            # The server's id, never the client's (which is kept apart, as given).
            request_id=g.get("request_id"),
            client_request_id=g.get("client_request_id"),
        )
    )
