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
import hashlib
import hmac
import http.client
import json
import logging
import os
import socket
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from typing import cast

from flask import Flask, current_app
from sqlalchemy import or_, update
from werkzeug.local import LocalProxy

from sitedir.domain.clock import as_utc, utc_now
from sitedir.events import addresses
from sitedir.events.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint
from sitedir.events.sending import MAX_RETRY_AFTER, post, retry_after_seconds
from sitedir.events.types import event_type
from sitedir.extensions import changed_one_row, db

log = logging.getLogger(__name__)

__all__ = ["MAX_RETRY_AFTER", "deliver_due", "next_delay", "post", "retry_after_seconds"]

SECRET_PREFIX = "whsec_"  # noqa: S105 - the spec's marker, not a secret
RETRY_DELAYS = (5, 300, 1800, 7200, 18000, 36000)  # seconds; then daily
DAILY = 86400
GIVE_UP_AFTER = timedelta(days=3)
# Attempts one endpoint gets per round before the worker looks at the others again.
ROUND_ATTEMPTS = 100


def new_secret() -> str:
    """A new endpoint secret: whsec_ and the base64 of 32 random bytes."""
    return SECRET_PREFIX + base64.b64encode(os.urandom(32)).decode()


def sign(secret: str, msg_id: str, timestamp: int, body: str) -> str:
    """The `webhook-signature` header's value for this message."""
    key = base64.b64decode(secret.removeprefix(SECRET_PREFIX))
    digest = hmac.new(key, f"{msg_id}.{timestamp}.{body}".encode(), hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def payload(delivery: WebhookDelivery) -> str:
    """The delivery's body: its event as the type's row gives it (sitedir.events.types)."""
    event = delivery.event
    body = event_type(event.type).payload(event)
    return json.dumps(body, ensure_ascii=False, separators=(",", ":"))


def next_delay(attempts: int) -> int:
    """Seconds before the next try, after `attempts` failed ones."""
    return RETRY_DELAYS[attempts - 1] if attempts <= len(RETRY_DELAYS) else DAILY


def _claim(endpoint_id: int, owner: str, now: datetime, lease: float) -> bool:
    """Lease the endpoint for this worker, unless another holds it; committed at once."""
    claimed = changed_one_row(
        update(WebhookEndpoint)
        .where(
            WebhookEndpoint.id == endpoint_id,
            or_(WebhookEndpoint.lease_until.is_(None), WebhookEndpoint.lease_until < now),
        )
        .values(lease_owner=owner, lease_until=now + timedelta(seconds=lease))
    )
    db.session.commit()
    return claimed


def _release(endpoint_id: int, owner: str) -> None:
    db.session.execute(
        update(WebhookEndpoint)
        .where(WebhookEndpoint.id == endpoint_id, WebhookEndpoint.lease_owner == owner)
        .values(lease_owner=None, lease_until=None)
    )
    db.session.commit()


def lease_seconds(config) -> float:
    """How long a claim or a renewal holds an endpoint: always longer than one attempt."""
    return max(config["WEBHOOKS_LEASE_SECONDS"], 2 * config["WEBHOOKS_TIMEOUT"])


def _renew(endpoint_id: int, owner: str, lease: float) -> bool:
    """Extend this worker's lease before an attempt; False when it was lost (expired, taken)."""
    now = utc_now()
    renewed = changed_one_row(
        update(WebhookEndpoint)
        .where(
            WebhookEndpoint.id == endpoint_id,
            WebhookEndpoint.lease_owner == owner,
            WebhookEndpoint.lease_until >= now,
        )
        .values(lease_until=now + timedelta(seconds=lease))
    )
    db.session.commit()
    return renewed


def new_owner() -> str:
    """A worker's name in leases: host, process, and a random part (pids are reused)."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"[:64]


def _concurrency(config) -> int:
    # An in-memory SQLite database is one connection: threads would share its transaction.
    if config["SQLALCHEMY_DATABASE_URI"] in ("sqlite://", "sqlite:///:memory:"):
        return 1
    return max(1, config["WEBHOOKS_CONCURRENCY"])


def deliver_due(now: datetime | None = None, owner: str | None = None, stop=None) -> int:
    """Deliver every due event, a few endpoints at once; return the number of attempts made.

    `now` fixes the clock (tests); otherwise each attempt takes its own. An error on one
    endpoint (its receiver's answer, the database) is logged and that endpoint tried again
    later: it never stops the others. `stop` (a threading.Event) ends the round early.
    """
    owner = owner or new_owner()
    looked = now or utc_now()
    due = db.session.scalars(
        db.select(WebhookDelivery.endpoint_id)
        .join(WebhookEndpoint)
        .where(
            WebhookEndpoint.active,
            WebhookDelivery.state == "pending",
            WebhookDelivery.next_attempt_at <= looked,
        )
        .distinct()
        .order_by(WebhookDelivery.endpoint_id)
    ).all()
    db.session.rollback()  # end the read: the claims below are their own transactions
    workers = min(_concurrency(current_app.config), len(due))
    if workers <= 1:
        return sum(_round(endpoint_id, owner, now, stop) for endpoint_id in due)
    # Flask types current_app as the app itself; it is a LocalProxy, whose object is what a
    # thread can carry (the proxy would look for an app context in that thread).
    app = cast("LocalProxy[Flask]", current_app)._get_current_object()

    def in_thread(endpoint_id):
        with app.app_context():
            try:
                return _round(endpoint_id, owner, now, stop)
            finally:
                db.session.remove()

    # Endpoints side by side: a slow receiver holds one thread for one deadline at most.
    with ThreadPoolExecutor(workers, thread_name_prefix="webhooks") as pool:
        return sum(pool.map(in_thread, due))


def _round(endpoint_id: int, owner: str, now: datetime | None, stop) -> int:
    """Claim one endpoint, deliver what is due, release it; never raises."""
    config = current_app.config
    try:
        if not _claim(endpoint_id, owner, now or utc_now(), lease_seconds(config)):
            return 0  # another worker is on it
    except Exception:
        log.exception("webhook endpoint %s: could not be claimed", endpoint_id)
        db.session.rollback()
        return 0
    try:
        return _deliver_endpoint(endpoint_id, owner, now, stop)
    except Exception:
        # The database, or a bug: logged, and this endpoint's oldest event waits its turn.
        log.exception("webhook endpoint %s: delivery failed, retried later", endpoint_id)
        db.session.rollback()
        _postpone(endpoint_id, now)
        return 0  # counted as nothing done: the worker's loop then waits before looking again
    finally:
        try:
            _release(endpoint_id, owner)
        except Exception:  # the lease then expires by itself
            log.exception("webhook endpoint %s: lease not released", endpoint_id)
            db.session.rollback()


def _postpone(endpoint_id: int, now: datetime | None) -> None:
    """After an error outside any attempt, move the endpoint's oldest due event on a step."""
    try:
        delivery = _oldest(endpoint_id)
        if delivery is not None:
            moment = now or utc_now()
            wait = next_delay(delivery.attempts + 1)
            db.session.execute(
                update(WebhookDelivery)
                .where(WebhookDelivery.id == delivery.id, WebhookDelivery.state == "pending")
                .values(next_attempt_at=moment + timedelta(seconds=wait))
                .execution_options(synchronize_session=False)
            )
            db.session.commit()
    except Exception:
        log.exception("webhook endpoint %s: could not be postponed", endpoint_id)
        db.session.rollback()


def _oldest(endpoint_id: int) -> WebhookDelivery | None:
    return db.session.scalar(
        db.select(WebhookDelivery)
        .where(WebhookDelivery.endpoint_id == endpoint_id, WebhookDelivery.state == "pending")
        .order_by(WebhookDelivery.event_id)
        .limit(1)
    )


def _deliver_endpoint(endpoint_id: int, owner: str, fixed_now: datetime | None, stop) -> int:
    """Deliver this endpoint's pending events in order until one fails or is not due."""
    config = current_app.config
    made = 0
    while made < ROUND_ATTEMPTS and not (stop is not None and stop.is_set()):
        endpoint = db.session.get(WebhookEndpoint, endpoint_id, populate_existing=True)
        if endpoint is None or not endpoint.active or endpoint.lease_owner != owner:
            return made
        delivery = _oldest(endpoint_id)
        now = fixed_now or utc_now()  # each attempt its own moment
        if delivery is None or as_utc(delivery.next_attempt_at) > now:
            return made  # the oldest waits for its retry: the later ones wait behind it
        if now - as_utc(delivery.created_at) > GIVE_UP_AFTER:
            _give_up(endpoint, delivery, now)  # past the window: no attempt at all
            return made
        made += 1
        if not _attempt(endpoint, delivery, owner, now, config):
            return made
    return made


def _attempt(endpoint: WebhookEndpoint, delivery: WebhookDelivery, owner: str, now, config) -> bool:
    """One HTTP attempt, recorded while the lease is held; True when the receiver accepted.

    The endpoint and delivery are the caller's, just read: the commits below expire them,
    and each is read again from the database where it is used after one."""
    endpoint_id, delivery_id = endpoint.id, delivery.id
    body = payload(delivery)
    stamp = int(time.time())
    headers = {
        "webhook-id": delivery.event.uid,
        "webhook-timestamp": str(stamp),
        "webhook-signature": sign(endpoint.secret, delivery.event.uid, stamp, body),
    }
    url, uid = endpoint.url, delivery.event.uid
    db.session.commit()  # no transaction stays open while the receiver is waited for
    # Renewed just before sending, for longer than the attempt's deadline: while this
    # worker sends, no other can claim the endpoint and send the same event.
    if not _renew(endpoint_id, owner, lease_seconds(config)):
        return False
    started = time.monotonic()
    status, retry_after, error = None, None, None
    try:
        status, retry_after = post(
            url, body, headers, config["WEBHOOKS_TIMEOUT"], config["WEBHOOKS_ALLOW_PRIVATE"]
        )
        asked = retry_after_seconds(retry_after, now)
    except addresses.RefusedAddress as exc:
        error = f"refused: {exc.en}"
    except (OSError, ValueError, http.client.HTTPException) as exc:  # never the worker's end
        error = f"{type(exc).__name__}: {exc}"[:300]
    except Exception as exc:  # whatever a receiver's answer does: a failed attempt
        log.exception("webhook %s: the answer could not be read", uid)
        status, error = None, f"{type(exc).__name__}: {exc}"[:300]
    if error is not None:
        asked = None
    duration = (time.monotonic() - started) * 1000
    accepted = status is not None and 200 <= status < 300
    # Recorded only while this worker still holds the lease: a worker that lost it (stopped
    # past its lease) writes nothing; the new holder's attempt counts.
    if not _renew(endpoint_id, owner, lease_seconds(config)):
        log.warning(
            "webhook %s: lease lost during the attempt (%.0f ms), not recorded", uid, duration
        )
        return False
    db.session.add(
        WebhookAttempt(
            delivery_id=delivery_id,
            at=now,
            status_code=status,
            duration_ms=round(duration, 1),
            error=error,
        )
    )
    # attempts + 1 in SQL: two writers never lose an increment.
    values: dict = {"attempts": WebhookDelivery.attempts + 1}
    attempts = delivery.attempts + 1
    given_up = False
    if accepted:
        values.update(state="delivered", delivered_at=now)
    elif status == 410:
        values.update(state="failed")
        endpoint.active = False
        endpoint.disabled_reason = "410 Gone"
    else:
        wait = next_delay(attempts)
        if asked is not None:
            wait = max(wait, asked)
        following = now + timedelta(seconds=wait)
        if following - as_utc(delivery.created_at) > GIVE_UP_AFTER:
            given_up = True  # three days of tries
        else:
            values.update(next_attempt_at=following)
    db.session.execute(
        update(WebhookDelivery)
        .where(WebhookDelivery.id == delivery_id)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    if status == 410:
        _fail_pending(endpoint_id)  # a receiver that is gone: nothing stays owed to it
    db.session.commit()
    if given_up:
        _give_up(endpoint, delivery, now)
    log.info(
        "webhook %s to endpoint %s: %s in %.0f ms", uid, endpoint_id, status or error, duration
    )
    return accepted


def _fail_pending(endpoint_id: int) -> None:
    db.session.execute(
        update(WebhookDelivery)
        .where(WebhookDelivery.endpoint_id == endpoint_id, WebhookDelivery.state == "pending")
        .values(state="failed")
        .execution_options(synchronize_session=False)
    )


def _give_up(endpoint: WebhookEndpoint, delivery: WebhookDelivery, now: datetime) -> None:
    """Give the event up and pause the endpoint: the later events wait, in order, until the
    network admin resumes it (then this one is sent again first); they are told."""
    from sitedir.events.pausing import PAUSED, tell_network_admins

    db.session.execute(
        update(WebhookDelivery)
        .where(WebhookDelivery.id == delivery.id, WebhookDelivery.state == "pending")
        .values(state="failed")
        .execution_options(synchronize_session=False)
    )
    endpoint.active = False
    endpoint.disabled_reason = f"{PAUSED}: {delivery.event.uid}"[:200]
    db.session.commit()
    log.warning("webhook endpoint %s paused: event %s given up", endpoint.id, delivery.event.uid)
    tell_network_admins(endpoint, delivery)
