"""The outbox: each public change adds its event in the change's own transaction.

Call these after the change is applied and before it is committed: the event and the
change commit together or not at all. Each event is also queued for every active webhook
endpoint that wants its type (still the same transaction).

The feed's cursor is the event's id, so ids must grow in commit order. PostgreSQL hands
out sequence values at INSERT, and two transactions may commit in the other order: an
event with a lower id would appear after a reader had moved past it. On PostgreSQL a
transaction-scoped advisory lock is taken before an event is inserted, so transactions
that write events commit one after the other (writes are rare). SQLite has one writer.
"""

import secrets
from datetime import datetime

from sqlalchemy import text

from sitedir.events.types import (
    EVENT_TYPES,
    HOSPITAL_FIELDS,
    TYPES,
    UnknownEventType,
    iso,
)
from sitedir.extensions import db
from sitedir.models import Event, Site

__all__ = ["EVENT_TYPES", "HOSPITAL_FIELDS", "UnknownEventType", "iso", "record"]

STATUS_CHANGED = "site.status_changed"
CONFIRMED = "site.confirmed"
CREATED = "site.created"
CONTACTS_CHANGED = "site.contacts_changed"
HOSPITAL_CHANGED = "site.hospital_changed"

# Any constant: it names "the event writers' turn" among advisory locks.
_ADVISORY_KEY = 7_316_011
PUBLIC_CONTACT_FIELDS = ("role", "title", "name", "unit", "email", "phone")
# What says who a person is or how to reach them: blanked in past events once changed.
PERSONAL_FIELDS = ("title", "name", "email", "phone")


def record(event_type: str, site: Site, *args) -> Event:
    """Add one event about `site` to the current transaction, and queue its deliveries.

    Its data come from the type's builder (sitedir.events.types) with `args`; a type with
    no row there is refused (UnknownEventType) before anything is written.
    """
    from sitedir.events.models import WebhookDelivery, WebhookEndpoint

    row = TYPES.get(event_type)
    if row is None:
        raise UnknownEventType(event_type)
    data, at = row.build(site, *args)
    session = db.session
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _ADVISORY_KEY})
    event = Event(
        uid="evt_" + secrets.token_hex(12),
        type=event_type,
        site_id=site.id,
        at=at,
        data={"site": site.slug, "study": site.study.slug, "city": site.city, **data},
    )
    session.add(event)
    session.flush()
    # Paused endpoints too: their events wait, in order, for the network admin to resume.
    endpoints = session.scalars(
        db.select(WebhookEndpoint).where(
            db.or_(WebhookEndpoint.active, WebhookEndpoint.disabled_reason.like("paused:%"))
        )
    ).all()
    for endpoint in endpoints:
        if event_type in endpoint.events:
            session.add(
                WebhookDelivery(
                    endpoint_id=endpoint.id,
                    event_id=event.id,
                    state="pending",
                    attempts=0,
                    next_attempt_at=at,
                    created_at=at,
                )
            )
    return event


def status_changed(site: Site, from_status: str | None, at: datetime | None = None) -> Event:
    return record(STATUS_CHANGED, site, from_status, at)


def confirmed(site: Site) -> Event:
    return record(CONFIRMED, site)


def created(site: Site) -> Event:
    return record(CREATED, site)


def hospital_changed(site: Site) -> Event:
    """The site's hospital changed what doctors read of it (address, website, switchboard)."""
    return record(HOSPITAL_CHANGED, site)


def public_contacts(site: Site) -> list[dict]:
    """The site's public contacts as the feed shows them (admin-only ones never)."""
    return [
        {"id": c.id, **{field: getattr(c, field) for field in PUBLIC_CONTACT_FIELDS}}
        for c in site.public_contacts
    ]


def contacts_changed(site: Site, before: list[dict]) -> Event | None:
    """An event when the site's public contacts differ from `before`; else nothing."""
    db.session.flush()
    db.session.refresh(site, ["contacts"])
    after = public_contacts(site)
    if after == before:
        return None  # only an admin-only contact changed: nothing public to tell
    redact_past_contacts(site, after)
    return record(CONTACTS_CHANGED, site, after)


def redact_past_contacts(site: Site, public_now: list[dict]) -> None:
    """Make the site's past events show only what is public now, in this transaction.

    The feed, the Atom entries and webhooks still to be delivered read the events as they
    are stored: a contact made admin-only or deleted leaves every past event, and a name,
    title, email or phone since replaced is blanked (None), so nothing withdrawn from the
    public directory stays readable in its history. Deliveries already made are gone.
    """
    current = {contact["id"]: contact for contact in public_now}
    events = db.session.scalars(
        db.select(Event).where(Event.site_id == site.id, Event.type == CONTACTS_CHANGED)
    )
    for event in events:
        listed = event.data.get("contacts") or []
        kept = [
            _still_public(old, current[old.get("id")]) for old in listed if old.get("id") in current
        ]
        if kept != listed:
            # A new dict: SQLAlchemy sees a JSON column change only when it is reassigned.
            event.data = {**event.data, "contacts": kept}


def _still_public(old: dict, now: dict) -> dict:
    return {
        key: (None if key in PERSONAL_FIELDS and value != now.get(key) else value)
        for key, value in old.items()
    }
