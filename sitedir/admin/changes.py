"""Changes to the directory, each in one transaction with its history and audit event.

Shared by the API (bearer tokens) and the admin page (sessions). Concurrent writers are
serialised by versions (the site's, and a contact's for its own changes): If-Match is
checked first, and SQLAlchemy's version counter refuses an UPDATE based on a version
someone else already replaced.

Each change takes an optional `respond`: called after the change is flushed and audited
but before it is committed, it builds the caller's answer. An answer that cannot be built
then leaves nothing committed, instead of a 500 over a change that was made.

Every public change also writes its event (sitedir.events.outbox) before the commit:
the feed and the webhooks announce it only if it happened, and it never happens unannounced.

Public provenance names the kind of admin who confirmed a record (site_admin or
network_admin) and when (last_verified_at); which admin it was is in the audit log only.
"""

from collections.abc import Callable
from datetime import date
from typing import TypeVar

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.attributes import flag_modified
from sqlalchemy.orm.exc import StaleDataError

from sitedir.admin.auth import Principal, audit
from sitedir.clock import today_in_paris, utc_now
from sitedir.events import outbox
from sitedir.extensions import db
from sitedir.models import Contact, Institution, Site, StatusChange, Study
from sitedir.vocabulary import is_open

SITE_FIELDS = (
    "status",
    "status_reason",
    "status_since",
    "expected_reopening",
    "lead_department",
    "status_confirmed_at",
    "version",
)
CONTACT_FIELDS = ("role", "title", "name", "unit", "note_fr", "note_en", "email", "phone", "public")


class StaleWrite(Exception):
    """Someone else changed the site first: the caller's version is out of date."""


class Conflict(Exception):
    """The change clashes with a record that exists (another site or institution's id)."""


Answer = TypeVar("Answer")


# Ids are 32-bit integers in PostgreSQL: a larger one in a URL names nothing.
LARGEST_ID = 2**31 - 1


def contact_of(site: Site, contact_id: int) -> Contact | None:
    """The site's contact with this id, or None (another site's contact is not this one's)."""
    if not 0 < contact_id <= LARGEST_ID:
        return None
    contact = db.session.get(Contact, contact_id)
    return contact if contact is not None and contact.site_id == site.id else None


def contact_etag(contact: Contact) -> str:
    """The contact's entity tag: its id and version (changes with every write)."""
    return contact.etag


def admin_source(principal: Principal) -> str:
    """The public `source` of a record an admin wrote: the kind of admin, never who."""
    return principal.account.role


def _plain(value):
    return value.isoformat() if isinstance(value, date) else value


def site_state(site: Site) -> dict:
    """The site's editable fields, as the audit log keeps them."""
    return {field: _plain(getattr(site, field)) for field in SITE_FIELDS}


def contact_state(contact: Contact) -> dict:
    return {"id": contact.id, **{field: getattr(contact, field) for field in CONTACT_FIELDS}}


def _checked(step) -> None:
    """Run a flush or commit; a concurrent writer that got there first makes it StaleWrite."""
    # The version check runs with the UPDATE, at flush or at commit: either may find the
    # site changed, and then the whole change is rolled back.
    try:
        step()
    except StaleDataError as exc:
        db.session.rollback()
        raise StaleWrite from exc


def _flush() -> None:
    _checked(db.session.flush)


def _commit() -> None:
    _checked(db.session.commit)


def _finish(respond: Callable[[], Answer] | None) -> Answer | None:
    """Build the answer, then commit: an answer that fails leaves nothing committed."""
    answer = respond() if respond is not None else None
    _commit()
    return answer


def _touch(site: Site) -> None:
    # A change to the site's contacts is a change to the site: bump its version, so
    # its ETag and every process's snapshot see it.
    flag_modified(site, "units")


def change_site(site: Site, changes: dict, principal: Principal, respond=None):
    """Apply status and other field changes; a new status goes into the public history."""
    before = site_state(site)
    from_status = site.status
    status = changes.get("status", site.status)
    if status != site.status:
        site.history.append(
            StatusChange(
                from_status=site.status,
                to_status=status,
                reason=changes.get("status_reason", site.status_reason),
                changed_at=utc_now(),
            )
        )
        site.status_since = today_in_paris()
    for field, value in changes.items():
        setattr(site, field, value)
    if is_open(status) and "expected_reopening" not in changes:
        site.expected_reopening = None  # reopened: nothing left to expect
    _flush()
    if status != from_status:
        outbox.status_changed(site, from_status, site.history[-1].changed_at)
    audit(principal, "site.update", f"site:{site.slug}", before, site_state(site))
    return _finish(respond)


def confirm_site(site: Site, principal: Principal, respond=None):
    """Record that the site's status is still right, today."""
    before = site_state(site)
    site.status_confirmed_at = utc_now()
    _flush()
    outbox.confirmed(site)
    audit(principal, "site.confirm", f"site:{site.slug}", before, site_state(site))
    return _finish(respond)


def add_contact(site: Site, data: dict, principal: Principal, respond=None):
    """Add a contact to the site, confirmed by the kind of admin who entered it.

    Returns `respond(contact)`'s answer when given, else the contact.
    """
    public_before = outbox.public_contacts(site)
    contact = Contact(
        **data,
        source=admin_source(principal),
        verified=True,
        last_verified_at=utc_now(),
    )
    site.contacts.append(contact)
    _touch(site)
    _flush()
    outbox.contacts_changed(site, public_before)
    audit(principal, "contact.create", f"site:{site.slug}", None, contact_state(contact))
    answer = _finish((lambda: respond(contact)) if respond else None)
    return answer if respond else contact


def update_contact(site: Site, contact: Contact, data: dict, principal: Principal, respond=None):
    """Change a contact's fields; it is now as verified as the admin who changed it."""
    before = contact_state(contact)
    public_before = outbox.public_contacts(site)
    for field, value in data.items():
        setattr(contact, field, value)
    contact.source = admin_source(principal)
    contact.verified = True
    contact.last_verified_at = utc_now()
    _touch(site)
    _flush()
    outbox.contacts_changed(site, public_before)
    audit(principal, "contact.update", f"site:{site.slug}", before, contact_state(contact))
    return _finish(respond)


def delete_contact(site: Site, contact: Contact, principal: Principal) -> None:
    """Remove a contact from the site (the audit log keeps what it held)."""
    before = contact_state(contact)
    public_before = outbox.public_contacts(site)
    db.session.delete(contact)
    _touch(site)
    _flush()
    outbox.contacts_changed(site, public_before)
    audit(principal, "contact.delete", f"site:{site.slug}", before, None)
    _commit()


def institution_state(institution: Institution) -> dict:
    """The institution's fields as the admin gave them, for the audit log."""
    fields = (
        "key",
        "name",
        "site_name",
        "address",
        "postcode",
        "city",
        "insee",
        "department",
        "region",
        "latitude",
        "longitude",
        "website",
        "switchboard",
    )
    return {field: getattr(institution, field) for field in fields}


def update_institution(
    institution: Institution, data: dict, principal: Principal, action: str = "institution.update"
) -> None:
    """Correct a hospital's address, website or switchboard (network admins).

    Every site of the hospital changes with it: its version moves on (ETags, every
    process's snapshot) and the feed tells of each one (site.hospital_changed).
    """
    before = institution_state(institution)
    for field, value in data.items():
        setattr(institution, field, value)
    institution.source = admin_source(principal)
    institution.verified = True
    institution.last_verified_at = utc_now()
    if institution_state(institution) == before:
        db.session.rollback()
        return  # nothing changed: nothing to announce
    sites = db.session.scalars(db.select(Site).where(Site.institution_id == institution.id)).all()
    for site in sites:
        _touch(site)
    _flush()
    for site in sites:
        outbox.hospital_changed(site)
    audit(
        principal,
        action,
        f"institution:{institution.key}",
        before,
        institution_state(institution),
    )
    _commit()


def create_site(data: dict, principal: Principal, respond=None):
    """A new site joins a study, with its institution.

    Raises Conflict, with nothing written, when a site or an institution already has this
    id (checked first by the caller; this covers two creates racing each other).
    Returns `respond(site)`'s answer when given, else the site.
    """
    institution_data = dict(data["institution"])
    study = db.session.scalar(db.select(Study).where(Study.slug == data["study"]))
    institution = Institution(
        key=data["id"],
        source=admin_source(principal),
        verified=True,
        last_verified_at=utc_now(),
        **institution_data,
    )
    site = Site(
        slug=data["id"],
        study=study,
        institution=institution,
        city=data["city"],
        status=data["status"],
        status_reason=data.get("status_reason"),
        lead_department=data.get("lead_department"),
        status_since=today_in_paris(),
        joined_on=today_in_paris(),
        units=[],
        source=admin_source(principal),
        verified=True,
        last_verified_at=utc_now(),
    )
    try:
        db.session.add(site)
        db.session.flush()
        outbox.created(site)
        after = {
            **site_state(site),
            "study": data["study"],
            "city": site.city,
            "institution": institution_state(institution),
        }
        audit(principal, "site.create", f"site:{site.slug}", None, after)
        answer = _finish((lambda: respond(site)) if respond else None)
    except IntegrityError as exc:
        # A unique key taken meanwhile (a site's slug, an institution's key): nothing
        # of this change stays.
        db.session.rollback()
        raise Conflict from exc
    return answer if respond else site
