"""An endpoint paused after an event was given up, the network admins told, and its resumption.

Later events to a receiver that missed one would leave it with a stale state, so the
endpoint stops at the event given up; when the network admin resumes it, that event goes
out again first, then the ones that waited, in order, with a new three-day window.
"""

import logging

from sqlalchemy import update

from sitedir import mail
from sitedir.admin.auth import Principal, audit
from sitedir.admin.models import NETWORK_ADMIN, Account
from sitedir.domain.clock import utc_now
from sitedir.events.models import WebhookDelivery, WebhookEndpoint
from sitedir.extensions import changed_one_row, db
from sitedir.models import Event

log = logging.getLogger(__name__)

PAUSED = "paused"


def is_paused(endpoint: WebhookEndpoint) -> bool:
    """True when deliveries stopped at an event given up (resumable)."""
    return not endpoint.active and (endpoint.disabled_reason or "").startswith(PAUSED + ":")


def tell_network_admins(endpoint: WebhookEndpoint, delivery: WebhookDelivery) -> None:
    """Mail the active network admins that this endpoint is paused (never raises)."""
    try:
        to = db.session.scalars(
            db.select(Account.email).where(Account.role == NETWORK_ADMIN, Account.active)
        ).all()
        message = mail.Message(
            subject="sitedir : webhook en pause / webhook paused",
            paragraphs_fr=[
                f"Le point de réception n° {endpoint.id} n'a pas accepté l'événement "
                f"{delivery.event.uid} en trois jours : ses envois sont en pause, les "
                "événements suivants attendent dans l'ordre.",
                "Quand le destinataire répond de nouveau, reprenez les envois depuis la page "
                "Webhooks : cet événement repartira le premier.",
            ],
            paragraphs_en=[
                f"Webhook endpoint #{endpoint.id} did not accept event {delivery.event.uid} "
                "in three days: its deliveries are paused, the later events wait in order.",
                "When the receiver answers again, resume it from the Webhooks page: that "
                "event goes out first.",
            ],
            links=[],
        )
        mail.send(list(to), message)
    except Exception:  # the page says it too; a mail server down must not stop the worker
        log.exception("webhook endpoint %s paused: the network admins were not mailed", endpoint.id)


def resume(endpoint: WebhookEndpoint, principal: Principal | None) -> bool:
    """Resume a paused endpoint from the event given up; False (nothing written) when it
    was not paused (already resumed by another request, deleted, or gone with a 410)."""
    reason = endpoint.disabled_reason or ""
    if not is_paused(endpoint) or not changed_one_row(
        update(WebhookEndpoint)
        .where(WebhookEndpoint.id == endpoint.id, WebhookEndpoint.disabled_reason == reason)
        .values(active=True, disabled_reason=None, lease_owner=None, lease_until=None)
    ):
        db.session.rollback()
        return False
    now = utc_now()
    uid = reason.partition(":")[2].strip()
    event_id = db.session.scalar(db.select(Event.id).where(Event.uid == uid))
    owed = WebhookDelivery.endpoint_id == endpoint.id
    # The given-up event and every later one, pending again with a fresh window, in order.
    db.session.execute(
        update(WebhookDelivery)
        .where(
            owed,
            db.or_(
                WebhookDelivery.state == "pending",
                db.and_(WebhookDelivery.state == "failed", WebhookDelivery.event_id >= event_id)
                if event_id is not None
                else db.false(),
            ),
        )
        .values(state="pending", next_attempt_at=now, created_at=now)
        .execution_options(synchronize_session=False)
    )
    audit(principal, "webhook.resume", f"webhook:{endpoint.id}", {"paused": uid}, None)
    db.session.commit()
    return True
