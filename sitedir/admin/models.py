"""Admin tables: accounts, API tokens (stored hashed) and the audit log."""

from datetime import datetime

from sqlalchemy import JSON, Boolean, Column, DateTime, ForeignKey, Integer, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from sitedir.audit import AuditEvent  # noqa: F401 - the table moved; this name stays
from sitedir.extensions import Base
from sitedir.models import Site

NETWORK_ADMIN = "network_admin"
SITE_ADMIN = "site_admin"
ROLES = (NETWORK_ADMIN, SITE_ADMIN)

account_site = Table(
    "account_site",
    Base.metadata,
    Column("account_id", ForeignKey("account.id", ondelete="CASCADE"), primary_key=True),
    Column("site_id", ForeignKey("site.id", ondelete="CASCADE"), primary_key=True),
)


class Account(Base):
    """A person who may change the directory: the network admin, or a site's admin."""

    __tablename__ = "account"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True, nullable=False)
    role: Mapped[str] = mapped_column(String(16), nullable=False)
    # argon2 hash; null for a token-only account.
    password_hash: Mapped[str | None] = mapped_column(Text)
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    # Carried in each session cookie; bumping it (logout, new password, disabled) ends
    # every session of the account, including copies of its cookie.
    session_generation: Mapped[int] = mapped_column(
        Integer, nullable=False, default=0, server_default="0"
    )

    sites: Mapped[list[Site]] = relationship(secondary=account_site, order_by=Site.slug)
    tokens: Mapped[list["ApiToken"]] = relationship(back_populates="account")

    def end_sessions(self) -> None:
        """End every session of this account (each cookie carries the old generation)."""
        self.session_generation = (self.session_generation or 0) + 1

    def may_change(self, site: Site) -> bool:
        """True when this account may change this site."""
        if not self.active:
            return False
        return self.role == NETWORK_ADMIN or any(s.id == site.id for s in self.sites)


TOKEN_SCOPES = ("full", "read", "status")


class ApiToken(Base):
    """A bearer token: only its SHA-256 is kept; it expires and can be revoked."""

    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("account.id"), nullable=False, index=True)
    name: Mapped[str | None] = mapped_column(String(100))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # What it may do: full (what its account may), read (GET only), status (a site's
    # status and confirmation only). See TOKEN_SCOPES.
    scope: Mapped[str] = mapped_column(String(16), nullable=False, server_default="full")

    account: Mapped[Account] = relationship(back_populates="tokens")


# What a one-time link lets its holder do.
LINK_INVITE = "invite"  # choose a first password: the account becomes active
LINK_RESET = "reset"  # choose a new password
LINK_CONFIRM = "confirm"  # confirm that a site's status is still right
LINK_PURPOSES = (LINK_INVITE, LINK_RESET, LINK_CONFIRM)


class OneTimeLink(Base):
    """A single-use link sent by email: only the SHA-256 of its 256-bit token is kept."""

    __tablename__ = "one_time_link"

    id: Mapped[int] = mapped_column(primary_key=True)
    purpose: Mapped[str] = mapped_column(String(16), nullable=False)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    account_id: Mapped[int] = mapped_column(
        ForeignKey("account.id", ondelete="CASCADE"), nullable=False, index=True
    )
    site_id: Mapped[int | None] = mapped_column(ForeignKey("site.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    account: Mapped[Account] = relationship()
    site: Mapped[Site | None] = relationship()


class Reminder(Base):
    """A reminder sent about a site (to its admins) or a summary (to the network admins)."""

    __tablename__ = "reminder"

    id: Mapped[int] = mapped_column(primary_key=True)
    # site: the site's admins were asked to confirm; network: the site was in the summary.
    kind: Mapped[str] = mapped_column(String(16), nullable=False)
    site_id: Mapped[int] = mapped_column(
        ForeignKey("site.id", ondelete="CASCADE"), nullable=False, index=True
    )
    sent_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    recipients: Mapped[list] = mapped_column(JSON, nullable=False)

    site: Mapped[Site] = relationship()
