"""Registering and removing webhook endpoints (shared by the API and the admin page)."""

from flask import current_app

from sitedir.admin.auth import Principal, audit
from sitedir.clock import utc_now as now
from sitedir.events import addresses
from sitedir.events.delivery import new_secret
from sitedir.events.models import WebhookEndpoint
from sitedir.extensions import db


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
        created_at=now(),
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


def remove(endpoint: WebhookEndpoint, principal: Principal | None) -> None:
    """Stop delivering to this endpoint (its attempts stay, for the record)."""
    endpoint.active = False
    endpoint.disabled_reason = "deleted"
    audit(principal, "webhook.delete", f"webhook:{endpoint.id}", {"url": endpoint.url}, None)
    db.session.commit()


def listed():
    """Endpoints not deleted, newest first."""
    return db.session.scalars(
        db.select(WebhookEndpoint)
        .where(
            db.or_(
                WebhookEndpoint.disabled_reason.is_(None),
                WebhookEndpoint.disabled_reason != "deleted",
            )
        )
        .order_by(WebhookEndpoint.id.desc())
    ).all()
