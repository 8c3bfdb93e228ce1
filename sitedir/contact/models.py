"""The contact-request table: a referring doctor's request to be called back by a site."""

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from sitedir.admin.models import Account
from sitedir.extensions import Base
from sitedir.models import Site

# What a request asks: to be contacted by the site, or to report an error in its data.
CONTACT = "contact"
ERROR_REPORT = "error_report"
KINDS = (CONTACT, ERROR_REPORT)

NEW = "new"
HANDLED = "handled"
STATUSES = (NEW, HANDLED)

PROFESSIONS = ("rheumatologist", "internist", "nephrologist", "other")


class ContactRequest(Base):
    """A doctor's request about one site: the doctor's details only, never a patient's.

    Kept `SITEDIR_CONTACT_RETENTION_DAYS` (90) days, then deleted by
    `flask contact-requests purge`.
    """

    __tablename__ = "contact_request"

    id: Mapped[int] = mapped_column(primary_key=True)
    # DC-2026-000123: the Paris year it was made and its row id, zero-padded.
    reference: Mapped[str] = mapped_column(String(24), unique=True, nullable=False)
    site_id: Mapped[int] = mapped_column(
        ForeignKey("site.id", ondelete="CASCADE"), nullable=False, index=True
    )
    kind: Mapped[str] = mapped_column(String(16), nullable=False)
    doctor_name: Mapped[str] = mapped_column(String(120), nullable=False)
    profession: Mapped[str] = mapped_column(String(32), nullable=False)
    # The place of practice, as the gazetteer names it ("Vichy (03)"), and its INSEE code.
    place_name: Mapped[str] = mapped_column(String(160), nullable=False)
    place_insee: Mapped[str] = mapped_column(String(5), nullable=False)
    email: Mapped[str] = mapped_column(String(254), nullable=False)
    phone: Mapped[str | None] = mapped_column(String(32))
    rpps: Mapped[str | None] = mapped_column(String(11))
    message: Mapped[str | None] = mapped_column(Text)
    # The doctor's language: their acknowledgement is written in it first.
    lang: Mapped[str] = mapped_column(String(2), nullable=False, default="fr")
    # The signed form token's nonce: a token is spent once (a replay finds it taken).
    form_nonce: Mapped[str] = mapped_column(String(32), unique=True, nullable=False)
    status: Mapped[str] = mapped_column(String(16), nullable=False, default=NEW, index=True)
    handled_by_id: Mapped[int | None] = mapped_column(ForeignKey("account.id", ondelete="SET NULL"))
    handled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    note: Mapped[str | None] = mapped_column(Text)  # internal: admins only
    # When the site's admins (or the network admins) were emailed; null: not emailed
    # (no SMTP server, or it refused), the request is in the admin page all the same.
    notified_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, index=True
    )

    site: Mapped[Site] = relationship()
    handled_by: Mapped[Account | None] = relationship()
