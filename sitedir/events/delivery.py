"""Delivering events to webhook endpoints, signed as the Standard Webhooks spec says.

Each request carries `webhook-id` (the event's id, the same on every retry),
`webhook-timestamp` (Unix seconds) and `webhook-signature: v1,<base64 HMAC-SHA256 of
"{id}.{timestamp}.{body}">` keyed with the endpoint's decoded secret.

A worker leases one endpoint at a time (a conditional UPDATE on its lease column, which
works alike on SQLite and PostgreSQL), then delivers that endpoint's events in order:
a failed event holds back the later ones, so a receiver sees one site's changes in the
order they happened. A worker killed mid-delivery leaves its lease to expire; the next
worker sends the same event again, with the same id (at least once). Retries wait 5 s,
5 min, 30 min, 2 h, 5 h, 10 h, then a day, or longer when the receiver's Retry-After
asks it, and stop three days after the event; a 410 disables the endpoint.
"""

import base64
import functools
import hashlib
import hmac
import http.client
import json
import logging
import os
import socket
import ssl
import time
from datetime import datetime, timedelta
from email.utils import parsedate_to_datetime

from flask import current_app
from sqlalchemy import or_, update

from sitedir.clock import as_utc, utc_now
from sitedir.events import addresses
from sitedir.events.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint
from sitedir.events.outbox import iso
from sitedir.extensions import db

log = logging.getLogger(__name__)

SECRET_PREFIX = "whsec_"  # noqa: S105 - the spec's marker, not a secret
RETRY_DELAYS = (5, 300, 1800, 7200, 18000, 36000)  # seconds; then daily
DAILY = 86400
GIVE_UP_AFTER = timedelta(days=3)
MAX_RETRY_AFTER = DAILY


def new_secret() -> str:
    """A new endpoint secret: whsec_ and the base64 of 32 random bytes."""
    return SECRET_PREFIX + base64.b64encode(os.urandom(32)).decode()


def sign(secret: str, msg_id: str, timestamp: int, body: str) -> str:
    """The `webhook-signature` header's value for this message."""
    key = base64.b64decode(secret.removeprefix(SECRET_PREFIX))
    digest = hmac.new(key, f"{msg_id}.{timestamp}.{body}".encode(), hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def payload(delivery: WebhookDelivery) -> str:
    event = delivery.event
    return json.dumps(
        {
            "type": event.type,
            "timestamp": iso(event.at),
            "data": {"id": event.uid, **event.data},
        },
        ensure_ascii=False,
        separators=(",", ":"),
    )


def next_delay(attempts: int) -> int:
    """Seconds before the next try, after `attempts` failed ones."""
    return RETRY_DELAYS[attempts - 1] if attempts <= len(RETRY_DELAYS) else DAILY


def retry_after_seconds(value: str | None, now: datetime) -> int | None:
    """The receiver's Retry-After (seconds or an HTTP date) in seconds, bounded; or None."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return min(int(value), MAX_RETRY_AFTER)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0, min(int((as_utc(when) - now).total_seconds()), MAX_RETRY_AFTER))


@functools.cache
def _tls() -> ssl.SSLContext:
    """One TLS context for every delivery: loading the CA store takes tens of ms."""
    return ssl.create_default_context()


def post(url: str, body: str, headers: dict, timeout: float, allow_private: bool):
    """POST once, without following redirects; (status, Retry-After) or an exception.

    The connection goes to the address that was checked, not to a second resolution.
    """
    target = addresses.check_url(url, allow_private)
    if target.scheme == "https":
        connection = http.client.HTTPSConnection(
            target.host, target.port, timeout=timeout, context=_tls()
        )
    else:
        connection = http.client.HTTPConnection(target.host, target.port, timeout=timeout)

    def connect_checked(address, *args, **kwargs):
        return socket.create_connection((target.address, target.port), *args, **kwargs)

    connection._create_connection = connect_checked
    try:
        connection.request(
            "POST",
            target.path,
            body=body.encode(),
            headers={
                **headers,
                "Content-Type": "application/json",
                "User-Agent": "sitedir-webhooks/1",
            },
        )
        response = connection.getresponse()
        response.read(65536)
        return response.status, response.getheader("Retry-After")
    finally:
        connection.close()


def _claim(endpoint_id: int, owner: str, now: datetime, lease: float) -> bool:
    """Lease the endpoint for this worker, unless another holds it; committed at once."""
    claimed = db.session.execute(
        update(WebhookEndpoint)
        .where(
            WebhookEndpoint.id == endpoint_id,
            or_(WebhookEndpoint.lease_until.is_(None), WebhookEndpoint.lease_until < now),
        )
        .values(lease_owner=owner, lease_until=now + timedelta(seconds=lease))
    ).rowcount
    db.session.commit()
    return claimed == 1


def _release(endpoint_id: int, owner: str) -> None:
    db.session.execute(
        update(WebhookEndpoint)
        .where(WebhookEndpoint.id == endpoint_id, WebhookEndpoint.lease_owner == owner)
        .values(lease_owner=None, lease_until=None)
    )
    db.session.commit()


def deliver_due(now: datetime | None = None, owner: str | None = None) -> int:
    """Deliver every due event, endpoint by endpoint; return the number of attempts made."""
    now = now or utc_now()
    owner = owner or f"{socket.gethostname()}:{os.getpid()}"
    due = db.session.scalars(
        db.select(WebhookDelivery.endpoint_id)
        .join(WebhookEndpoint)
        .where(
            WebhookEndpoint.active,
            WebhookDelivery.state == "pending",
            WebhookDelivery.next_attempt_at <= now,
        )
        .distinct()
    ).all()
    db.session.rollback()  # end the read: the claims below are their own transactions
    attempts = 0
    for endpoint_id in due:
        if not _claim(endpoint_id, owner, now, current_app.config["WEBHOOKS_LEASE_SECONDS"]):
            continue  # another worker is on it
        try:
            attempts += _deliver_endpoint(endpoint_id, owner, now)
        finally:
            _release(endpoint_id, owner)
    return attempts


def _deliver_endpoint(endpoint_id: int, owner: str, now: datetime) -> int:
    """Deliver this endpoint's pending events in order until one fails or is not due."""
    config = current_app.config
    made = 0
    while True:
        endpoint = db.session.get(WebhookEndpoint, endpoint_id, populate_existing=True)
        if endpoint is None or not endpoint.active or endpoint.lease_owner != owner:
            return made
        delivery = db.session.scalar(
            db.select(WebhookDelivery)
            .where(WebhookDelivery.endpoint_id == endpoint_id, WebhookDelivery.state == "pending")
            .order_by(WebhookDelivery.event_id)
            .limit(1)
        )
        if delivery is None or as_utc(delivery.next_attempt_at) > now:
            return made  # the oldest waits for its retry: the later ones wait behind it
        made += 1
        if not _attempt(endpoint, delivery, now, config):
            return made


def _attempt(endpoint: WebhookEndpoint, delivery: WebhookDelivery, now, config) -> bool:
    """One HTTP attempt, recorded; True when the receiver accepted the event."""
    body = payload(delivery)
    stamp = int(time.time())
    headers = {
        "webhook-id": delivery.event.uid,
        "webhook-timestamp": str(stamp),
        "webhook-signature": sign(endpoint.secret, delivery.event.uid, stamp, body),
    }
    started = time.monotonic()
    status, retry_after, error = None, None, None
    try:
        status, retry_after = post(
            endpoint.url,
            body,
            headers,
            config["WEBHOOKS_TIMEOUT"],
            config["WEBHOOKS_ALLOW_PRIVATE"],
        )
    except addresses.RefusedAddress as exc:
        error = f"refused: {exc.en}"
    except (OSError, ValueError, http.client.HTTPException) as exc:  # never the worker's end
        error = f"{type(exc).__name__}: {exc}"[:300]
    duration = (time.monotonic() - started) * 1000
    db.session.add(
        WebhookAttempt(
            delivery_id=delivery.id,
            at=now,
            status_code=status,
            duration_ms=round(duration, 1),
            error=error,
        )
    )
    delivery.attempts += 1
    accepted = status is not None and 200 <= status < 300
    if accepted:
        delivery.state = "delivered"
        delivery.delivered_at = now
    elif status == 410:
        delivery.state = "failed"
        endpoint.active = False
        endpoint.disabled_reason = "410 Gone"
    else:
        wait = next_delay(delivery.attempts)
        asked = retry_after_seconds(retry_after, now)
        if asked is not None:
            wait = max(wait, asked)
        following = now + timedelta(seconds=wait)
        if following - as_utc(delivery.created_at) > GIVE_UP_AFTER:
            delivery.state = "failed"  # three days of tries: given up
        else:
            delivery.next_attempt_at = following
    db.session.commit()
    log.info(
        "webhook %s to endpoint %s: %s in %.0f ms",
        delivery.event.uid,
        endpoint.id,
        status or error,
        duration,
    )
    return accepted
