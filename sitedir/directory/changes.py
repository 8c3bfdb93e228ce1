"""The directory's one write service: every public change, in one transaction.

A public change is anything a public answer is made of: a study, an institution, a site
(its status, confirmation, fields, creation) and its contacts. Each goes through a
function here, whoever asks (the admin API with a bearer token, the admin page with a
session, a one-click email link, the ClinicalTrials.gov importer from the command line),
and each one, in the same transaction:

- bumps the version of every site whose public answer changes (its ETag, and every
  process's snapshot; a change to a contact, an institution or a study is a change to
  the site's answer);
- appends the public status history, and applies the status rules below;
- writes the audit entry (who, through what, before and after);
- writes the outbox event (sitedir.events.outbox): the feed and the webhooks announce
  the change only if it happened, and it never happens unannounced.

Nothing else writes those tables: the session refuses a public change made outside this
module when the app's GUARD_PUBLIC_WRITES setting is on (see sitedir.directory.writes),
as it is in the write service's tests.

Status rules (a trust signal must mean what it says):
- a status set is a confirmation: changing it sets `status_confirmed_at` to that moment
  (an import: to the moment the registry verified it), as confirming without a change does;
- a new status clears the previous one's `status_reason` and `expected_reopening`, unless
  new ones are given;
- a site is never suspended, terminated or withdrawn without a public reason
  (ReasonRequired: a 422 in the API, a field error on the page).

Concurrent writers are serialised by versions (the site's, and a contact's for its own
changes): If-Match is checked first, and SQLAlchemy's version counter refuses an UPDATE
based on a version someone else already replaced.

Each change takes an optional `respond`: called after the change is flushed and audited
but before it is committed, it builds the caller's answer. An answer that cannot be built
then leaves nothing committed, instead of a 500 over a change that was made. Inside
`batch()` (the importer's record), nothing commits until the batch ends.

Public provenance names the kind of admin who confirmed a record (site_admin or
network_admin) and when (last_verified_at); which admin it was is in the audit log only.
"""

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, datetime
from typing import Any, TypeVar

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.attributes import flag_modified
from sqlalchemy.orm.exc import StaleDataError

from sitedir.audit import Principal, audit
from sitedir.directory.writes import public_writes
from sitedir.domain.clock import today_in_paris, utc_now
from sitedir.domain.vocabulary import SUSPENDED, TERMINATED, WITHDRAWN, is_open
from sitedir.events import outbox
from sitedir.extensions import db
from sitedir.models import Contact, Institution, Site, StatusChange, Study

# Statuses a doctor must be told the reason of: never set without a public reason.
REASON_REQUIRED = (SUSPENDED, TERMINATED, WITHDRAWN)
# A blank reason (spaces, tabs and newlines only) is none: the same whole-value test in
# Python and in the OpenAPI document, so the two never disagree.
BLANK_REASON = r"^[ \t\n\r]*$"
_BLANK = re.compile(BLANK_REASON[1:-1])


def lacks_reason(status: str, reason: str | None) -> bool:
    """True when this status needs a public reason and `reason` is none."""
    return status in REASON_REQUIRED and _BLANK.fullmatch(reason or "") is not None


_BATCH = "sitedir_write_batch"
UNCONFIRMED = object()  # change_site's confirmed_at: a new status nobody confirmed

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


class ReasonRequired(Exception):
    """A suspended, terminated or withdrawn site needs a public reason; nothing written."""

    field = "status_reason"
    fr = "motif public obligatoire pour un centre suspendu, arrêté ou retiré"
    en = "a public reason is required for a suspended, terminated or withdrawn site"


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


def plain(value):
    """A value as the audit log keeps it (dates and moments in ISO 8601)."""
    return value.isoformat() if isinstance(value, date | datetime) else value


def site_state(site: Site) -> dict:
    """The site's editable fields, as the audit log keeps them."""
    return {field: plain(getattr(site, field)) for field in SITE_FIELDS}


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
    if not db.session.info.get(_BATCH):
        _checked(db.session.commit)


def _finish(respond: Callable[[], Answer] | None) -> Answer | None:
    """Build the answer, then commit: an answer that fails leaves nothing committed."""
    answer = respond() if respond is not None else None
    _commit()
    return answer


@contextmanager
def batch() -> Iterator[None]:
    """Several changes, one transaction: committed when the block ends, else rolled back."""
    session = db.session
    if session.info.get(_BATCH):
        raise RuntimeError("batches do not nest")
    session.info[_BATCH] = True
    try:
        with public_writes():
            yield
            _checked(session.flush)
        session.info.pop(_BATCH, None)
        _checked(session.commit)
    except BaseException:
        session.info.pop(_BATCH, None)
        session.rollback()
        raise


def touch(site: Site) -> None:
    """The site's public answer changed (its contacts, institution or study): bump its
    version, so its ETag and every process's snapshot see it."""
    with public_writes():
        flag_modified(site, "units")


def change_site(
    site: Site,
    changes: dict,
    principal: Principal | None,
    respond=None,
    *,
    confirmed_at=None,
    action: str = "site.update",
):
    """Apply status and other field changes; a new status goes into the public history.

    A new status is confirmed at `confirmed_at` (default: now; UNCONFIRMED for a
    registry record that does not say when its status was verified), and clears the previous
    status's reason and expected reopening unless `changes` gives new ones. Raises
    ReasonRequired, with nothing changed, for a site left suspended, terminated or
    withdrawn without a reason. `changes` may also set `status_confirmed_at` (a record
    that confirms the status it already had), `source` or `city` (an import's).
    """
    status = changes.get("status", site.status)
    moved = status != site.status
    changes = dict(changes)
    if moved:
        changes.setdefault("status_reason", None)
        changes.setdefault("expected_reopening", None)
        changes["status_confirmed_at"] = (
            None if confirmed_at is UNCONFIRMED else (confirmed_at or utc_now())
        )
    reason = changes.get("status_reason", site.status_reason)
    if lacks_reason(status, reason):
        raise ReasonRequired
    if is_open(status) and "expected_reopening" not in changes:
        changes["expected_reopening"] = None  # open: nothing left to expect
    before = site_state(site)
    from_status = site.status
    with public_writes():
        if moved:
            site.history.append(
                StatusChange(
                    from_status=site.status,
                    to_status=status,
                    reason=reason,
                    changed_at=utc_now(),
                )
            )
            site.status_since = today_in_paris()
        for field, value in changes.items():
            setattr(site, field, value)
        _flush()
        if moved:
            outbox.status_changed(site, from_status, site.history[-1].changed_at)
        after = site_state(site)
        for extra in ("source", "city"):
            if extra in changes:
                before[extra], after[extra] = None, changes[extra]
        audit(principal, action, f"site:{site.slug}", before, after)
        return _finish(respond)


def confirm_site(site: Site, principal: Principal, respond=None):
    """Record that the site's status is still right, today."""
    before = site_state(site)
    with public_writes():
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
    with public_writes():
        contact = Contact(
            **data,
            source=admin_source(principal),
            verified=True,
            last_verified_at=utc_now(),
        )
        site.contacts.append(contact)
        touch(site)
        _flush()
        outbox.contacts_changed(site, public_before)
        audit(principal, "contact.create", f"site:{site.slug}", None, contact_state(contact))
        answer = _finish((lambda: respond(contact)) if respond else None)
    return answer if respond else contact


def update_contact(site: Site, contact: Contact, data: dict, principal: Principal, respond=None):
    """Change a contact's fields; it is now as verified as the admin who changed it."""
    before = contact_state(contact)
    public_before = outbox.public_contacts(site)
    with public_writes():
        for field, value in data.items():
            setattr(contact, field, value)
        contact.source = admin_source(principal)
        contact.verified = True
        contact.last_verified_at = utc_now()
        touch(site)
        _flush()
        outbox.contacts_changed(site, public_before)
        audit(principal, "contact.update", f"site:{site.slug}", before, contact_state(contact))
        return _finish(respond)


def delete_contact(site: Site, contact: Contact, principal: Principal) -> None:
    """Remove a contact from the site (the audit log keeps what it held)."""
    before = contact_state(contact)
    public_before = outbox.public_contacts(site)
    with public_writes():
        db.session.delete(contact)
        touch(site)
        _flush()
        outbox.contacts_changed(site, public_before)
        audit(principal, "contact.delete", f"site:{site.slug}", before, None)
        _commit()


def replace_contacts(
    site: Site,
    added: list[dict],
    removed: list[Contact],
    resourced: dict[Contact, str],
    principal: Principal | None,
    action: str = "study.import",
) -> None:
    """A source's own contacts at a site, as the source now gives them (an import's).

    `added` are new contacts' columns (provenance included), `removed` the contacts the
    source no longer lists, `resourced` the contacts it still lists, with their new source.
    """
    public_before = outbox.public_contacts(site)
    before = {"contacts_removed": [contact_state(c) for c in removed]}
    after: dict[str, Any] = {
        "contacts_added": [
            {k: c.get(k) for k in ("role", "title", "name", "email", "phone")} for c in added
        ]
    }
    with public_writes():
        for contact in removed:
            site.contacts.remove(contact)
            db.session.delete(contact)
        site.contacts.extend(Contact(**values) for values in added)
        for contact, source in resourced.items():
            contact.source = source
        if resourced:
            after["contacts_resourced"] = len(resourced)
        touch(site)
        _flush()
        if added or removed:
            outbox.contacts_changed(site, public_before)
        audit(principal, action, f"site:{site.slug}", before, after)
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


def create_institution(values: dict, principal: Principal | None, action: str) -> Institution:
    """A new institution (no site's answer changes until a site stands there)."""
    with public_writes():
        institution = Institution(**values)
        db.session.add(institution)
        _flush()
        after = {k: plain(v) for k, v in values.items()}
        audit(principal, action, f"institution:{institution.key}", None, after)
        _commit()
    return institution


def update_institution(
    institution: Institution,
    data: dict,
    principal: Principal | None,
    action: str = "institution.update",
) -> None:
    """Change a hospital's fields (an admin's correction, or an import's own institution).

    Every site of the hospital, in every study, changes with it: its version moves on
    (ETags, every process's snapshot) and the feed tells of each one (site.hospital_changed).
    An admin's change makes the hospital verified by that kind of admin; an import's gives
    its own `source` in `data`. Nothing changed, nothing is written or announced.
    """
    if principal is not None:
        data = {
            **data,
            "source": admin_source(principal),
            "verified": True,
            "last_verified_at": utc_now(),
        }
    before = {**institution_state(institution), **{k: plain(getattr(institution, k)) for k in data}}
    if all(getattr(institution, k) == v for k, v in data.items() if k != "last_verified_at"):
        return  # nothing changed: nothing to announce
    with public_writes():
        for field, value in data.items():
            setattr(institution, field, value)
        sites = db.session.scalars(
            db.select(Site).where(Site.institution_id == institution.id)
        ).all()
        for site in sites:
            touch(site)
        _flush()
        for site in sites:
            outbox.hospital_changed(site)
        after = {**institution_state(institution), **{k: plain(v) for k, v in data.items()}}
        audit(principal, action, f"institution:{institution.key}", before, after)
        _commit()


def create_study(values: dict, principal: Principal | None, action: str) -> Study:
    """A new study (with no site yet)."""
    with public_writes():
        study = Study(**values)
        db.session.add(study)
        _flush()
        after = {k: values[k] for k in ("registry_ids", "source") if k in values}
        audit(principal, action, f"study:{study.slug}", None, after)
        _commit()
    return study


def update_study(study: Study, values: dict, principal: Principal | None, action: str) -> None:
    """Change a study's fields: every one of its sites' answers changes with it."""
    before = {k: plain(getattr(study, k)) for k in values}
    with public_writes():
        for name, value in values.items():
            setattr(study, name, value)
        for site in study.sites:
            touch(site)
        _flush()
        audit(
            principal,
            action,
            f"study:{study.slug}",
            before,
            {k: plain(v) for k, v in values.items()},
        )
        _commit()


def add_site(site: Site, principal: Principal | None, action: str, after: dict) -> Site:
    """A new site, built by the caller (an import's, with its contacts): added, announced
    and audited. ReasonRequired when its status needs a reason it lacks."""
    if lacks_reason(site.status, site.status_reason):
        raise ReasonRequired
    with public_writes():
        db.session.add(site)
        _flush()
        outbox.created(site)
        audit(principal, action, f"site:{site.slug}", None, after)
        _commit()
    return site


def create_site(data: dict, principal: Principal, respond=None):
    """A new site joins a study, with its institution.

    Raises Conflict, with nothing written, when a site or an institution already has this
    id (checked first by the caller; this covers two creates racing each other), and
    ReasonRequired when its status needs a public reason it lacks.
    Returns `respond(site)`'s answer when given, else the site.
    """
    if lacks_reason(data["status"], data.get("status_reason")):
        raise ReasonRequired
    institution_data = dict(data["institution"])
    study = db.session.scalar(db.select(Study).where(Study.slug == data["study"]))
    try:
        with public_writes():
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
                # Set by an admin: confirmed now, as every status set is.
                status_confirmed_at=utc_now(),
                units=[],
                source=admin_source(principal),
                verified=True,
                last_verified_at=utc_now(),
            )
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
