"""Registering and removing webhook endpoints (shared by the API and the admin page)."""

from flask import current_app
from sqlalchemy import update

from sitedir.audit import Principal, audit
from sitedir.domain.clock import utc_now
from sitedir.events import addresses
from sitedir.events.delivery import new_secret
from sitedir.events.models import WebhookEndpoint
from sitedir.extensions import changed_one_row, db


def register(url: str, events: list[str], principal: Principal | None) -> tuple:
    """Check the URL (RefusedAddress if refused), save the endpoint; (row, secret).

    The secret is shown once, here; it stays in the table because each delivery is
    signed with it.
    """
    addresses.check_url(url, current_app.config["WEBHOOKS_ALLOW_PRIVATE"])
    secret = new_secret()
    endpoint = WebhookEndpoint(
        url=url,
        events=sorted(set(events)),
        secret=secret,
        created_at=utc_now(),
        created_by=principal.account.email if principal else None,
        active=True,
    )
    db.session.add(endpoint)
    db.session.flush()
    audit(
        principal,
        "webhook.create",
        f"webhook:{endpoint.id}",
        None,
        {"url": url, "events": endpoint.events},
    )
    db.session.commit()
    return endpoint, secret


DELETED = "deleted"


def is_deleted(endpoint: WebhookEndpoint | None) -> bool:
    """True for no endpoint, or one already deleted: both are a 404 to whoever asks."""
    return endpoint is None or endpoint.disabled_reason == DELETED


def remove(endpoint: WebhookEndpoint, principal: Principal | None) -> bool:
    """Stop delivering to this endpoint (its attempts stay, for the record); False, and
    nothing written, when it was already deleted (a second click, or two at once)."""
    # A conditional UPDATE: of two deletes racing, one changes the row and is audited.
    if not changed_one_row(
        update(WebhookEndpoint)
        .where(
            WebhookEndpoint.id == endpoint.id,
            db.or_(
                WebhookEndpoint.disabled_reason.is_(None),
                WebhookEndpoint.disabled_reason != DELETED,
            ),
        )
        .values(active=False, disabled_reason=DELETED)
    ):
        db.session.rollback()
        return False
    audit(principal, "webhook.delete", f"webhook:{endpoint.id}", {"url": endpoint.url}, None)
    db.session.commit()
    return True


def listed():
    """Endpoints not deleted, newest first."""
    return db.session.scalars(
        db.select(WebhookEndpoint)
        .where(
            db.or_(
                WebhookEndpoint.disabled_reason.is_(None),
                WebhookEndpoint.disabled_reason != DELETED,
            )
        )
        .order_by(WebhookEndpoint.id.desc())
    ).all()
