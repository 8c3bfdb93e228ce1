"""The event types, one row each: what the outbox writes, the feeds say and webhooks send.

A row names the type and gives:
- its builder: the event's data (and its moment) from the site and the writer's arguments;
- what the Atom entry says: a short title after the town, a summary, in French and English;
- what its `data` holds, for the OpenAPI document;
- its webhook payload.

The outbox refuses to write a type without a row (UnknownEventType), so a new type cannot
reach the feed or a receiver half described. An event stored under a type since removed
is shown as a plain change, named as such, never in another type's words (issue 26).
It also names the type on the admin page's webhook form. A new type: one row in TYPES,
one writer in outbox.py, and its line in tests/test_atom_grammar.py's WRITES.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sitedir.domain.clock import as_utc, utc_now
from sitedir.domain.vocabulary import STATUS_LABELS
from sitedir.models import Event, Site

FR, EN = "fr", "en"
# What site.hospital_changed tells of the site's hospital (all public on the site's page).
HOSPITAL_FIELDS = ("address", "postcode", "city", "website", "switchboard")


def iso(value) -> str | None:
    """A moment in UTC with a Z (a date as it is), as every event publishes them."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return as_utc(value).isoformat().replace("+00:00", "Z")
    return value.isoformat()


def webhook_payload(event: Event) -> dict:
    """The body a receiver gets (Standard Webhooks: type, timestamp, data with the id)."""
    return {"type": event.type, "timestamp": iso(event.at), "data": {"id": event.uid, **event.data}}


@dataclass(frozen=True)
class EventType:
    """One kind of public change, as every reader of the outbox presents it."""

    name: str
    # (site, *the writer's arguments) -> (the event's data, its moment)
    build: Callable[..., tuple[dict, datetime]]
    # (data, language) -> what happened, after the town: « inclusions suspendues »
    title: Callable[[dict, str], str]
    # (data, language) -> what changed, one or a few sentences
    summary: Callable[[dict, str], str]
    # The fields `data` holds beyond site, study and city, and a note on them (the document)
    fields: tuple[str, ...]
    # The feed's subtitle's word for these changes (French, English)
    topic: tuple[str, str]
    # Its name where a network admin picks the types a webhook receives (French, English)
    label: tuple[str, str]
    note: str = ""
    payload: Callable[[Event], dict] = webhook_payload

    @property
    def data_doc(self) -> str:
        """What `data` holds, in the OpenAPI document's words."""
        return ", ".join(self.fields) + (f" ({self.note})" if self.note else "")


def _label(status: str | None, lang: str, missing: str = "") -> str:
    labels = STATUS_LABELS.get(status) if status is not None else None
    if labels is None:
        return status or missing
    return labels[0] if lang == FR else labels[1]


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]


def _colon(lang: str) -> str:
    return " : " if lang == FR else ": "


# ---- site.status_changed -----------------------------------------------------------------


def _build_status(site: Site, from_status: str | None, at: datetime | None = None):
    at = at or utc_now()
    data = {
        "from": from_status,
        "to": site.status,
        "reason": site.status_reason,
        "expected_reopening": iso(site.expected_reopening),
        "at": iso(at),
    }
    return data, at


def _status_summary(data: dict, lang: str) -> str:
    parts = [f"{_label(data.get('from'), lang, '—')} → {_label(data.get('to'), lang)}"]
    if data.get("reason"):
        parts.append(("Motif" if lang == FR else "Reason") + _colon(lang) + data["reason"])
    if data.get("expected_reopening"):
        said = "Réouverture prévue" if lang == FR else "Expected reopening"
        parts.append(said + _colon(lang) + data["expected_reopening"])
    return ". ".join(parts) + "."


# ---- site.confirmed, site.created --------------------------------------------------------


def _build_confirmed(site: Site):
    at = as_utc(site.status_confirmed_at) or utc_now()
    return {"status": site.status, "at": iso(at)}, at


def _build_created(site: Site):
    at = utc_now()
    return {"status": site.status, "reason": site.status_reason, "at": iso(at)}, at


# ---- site.contacts_changed ---------------------------------------------------------------


def _build_contacts(site: Site, contacts: list[dict]):
    at = utc_now()
    return {"contacts": contacts, "at": iso(at)}, at


def _contacts_summary(data: dict, lang: str) -> str:
    count = len(data.get("contacts") or [])
    if lang == FR:
        return f"Contacts publics{_colon(lang)}{count}."
    return f"Public contacts{_colon(lang)}{count}."


# ---- site.hospital_changed ---------------------------------------------------------------


def _build_hospital(site: Site):
    at = utc_now()
    institution = site.institution
    data = {field: getattr(institution, field) for field in HOSPITAL_FIELDS}
    return {"hospital": data, "at": iso(at)}, at


def _hospital_summary(data: dict, lang: str) -> str:
    hospital = data.get("hospital") or {}
    place = " ".join(p for p in (hospital.get("postcode"), hospital.get("city")) if p)
    address = ", ".join(p for p in (hospital.get("address"), place) if p)
    said = (
        ("Adresse" if lang == FR else "Address", address),
        ("Standard" if lang == FR else "Switchboard", hospital.get("switchboard")),
        ("Site web" if lang == FR else "Website", hospital.get("website")),
    )
    parts = [name + _colon(lang) + value for name, value in said if value]
    if not parts:
        return "Coordonnées retirées." if lang == FR else "Details removed."
    return ". ".join(parts) + "."


def _same(fr: str, en: str) -> Callable[[dict, str], str]:
    return lambda data, lang: fr if lang == FR else en


TYPES: dict[str, EventType] = {
    row.name: row
    for row in (
        EventType(
            name="site.status_changed",
            build=_build_status,
            title=lambda data, lang: _lower_first(_label(data.get("to"), lang)),
            summary=_status_summary,
            fields=("from", "to", "reason", "expected_reopening", "at"),
            topic=("statuts", "statuses"),
            label=("Changement de statut", "Status change"),
        ),
        EventType(
            name="site.confirmed",
            build=_build_confirmed,
            title=_same("statut confirmé", "status confirmed"),
            summary=lambda data, lang: (
                ("Statut toujours exact" if lang == FR else "Status still accurate")
                + _colon(lang)
                + _label(data.get("status"), lang)
                + "."
            ),
            fields=("status", "at"),
            topic=("confirmations", "confirmations"),
            label=("Statut confirmé", "Status confirmed"),
        ),
        EventType(
            name="site.created",
            build=_build_created,
            title=_same("nouveau centre", "new site"),
            summary=lambda data, lang: (
                ("Le centre rejoint l'étude" if lang == FR else "The site joins the study")
                + _colon(lang)
                + _label(data.get("status"), lang)
                + "."
            ),
            fields=("status", "reason", "at"),
            topic=("nouveaux centres", "new sites"),
            label=("Nouveau centre", "New site"),
        ),
        EventType(
            name="site.contacts_changed",
            build=_build_contacts,
            title=_same("contacts mis à jour", "contacts updated"),
            summary=_contacts_summary,
            fields=("contacts", "at"),
            note=(
                "contacts: public ones only; a contact no longer public leaves past events, "
                "a replaced name, title, email or phone is null there"
            ),
            topic=("contacts publics", "public contacts"),
            label=("Contacts publics modifiés", "Public contacts changed"),
        ),
        EventType(
            name="site.hospital_changed",
            build=_build_hospital,
            title=_same("établissement mis à jour", "hospital updated"),
            summary=_hospital_summary,
            fields=("hospital", "at"),
            note="hospital: " + ", ".join(HOSPITAL_FIELDS),
            topic=("établissements", "hospitals"),
            label=(
                "Établissement modifié (adresse, site, standard)",
                "Hospital changed (address, website, switchboard)",
            ),
        ),
    )
}
EVENT_TYPES = tuple(TYPES)


class UnknownEventType(ValueError):
    """An event type without a row in TYPES: the outbox writes nothing."""

    def __init__(self, name: str):
        super().__init__(f"unknown event type {name!r}: add its row to sitedir/events/types.py")
        self.name = name


def event_type(name: str) -> EventType:
    """The row of a type, or a plain change that names the type (an event stored under a
    type since removed): never another type's words."""
    known = TYPES.get(name)
    if known is not None:
        return known
    return EventType(
        name=name,
        build=_refuse(name),
        title=_same("changement", "change"),
        summary=lambda data, lang: (
            f"Changement non décrit ici ({name}) : voir la fiche du centre."
            if lang == FR
            else f"A change not described here ({name}): see the site's page."
        ),
        fields=(),
        topic=("changements", "changes"),
        label=(name, name),
    )


def _refuse(name: str):
    def build(*args, **kwargs):
        raise UnknownEventType(name)

    return build


def entry_title(event: Event, lang: str = FR) -> str:
    """The Atom entry's title: « Clermont-Ferrand : inclusions suspendues »."""
    data = event.data
    town = data.get("city") or data.get("site") or ""
    return town + _colon(lang) + event_type(event.type).title(data, lang)


def entry_summary(event: Event, study_title: str | None = None, lang: str = FR) -> str:
    """What changed, after the study it is about."""
    about = ""
    if study_title:
        about = ("Étude" if lang == FR else "Study") + _colon(lang) + study_title + ". "
    return about + event_type(event.type).summary(event.data, lang)


def feed_subtitle(lang: str = FR) -> str:
    """The feed's subtitle: what it tells of, from every row."""
    words = [row.topic[0 if lang == FR else 1] for row in TYPES.values()]
    joined = ", ".join(words[:-1]) + (" et " if lang == FR else " and ") + words[-1]
    return joined[:1].upper() + joined[1:]


def data_description() -> str:
    """What each type's `data` holds, for the OpenAPI document."""
    each = "; ".join(f"{row.name}: {row.data_doc}" for row in TYPES.values())
    return f"{each}. Each also has site, study and city."
