"""A site's public contacts as vCard 4.0 (`/api/v1/sites/<id>/contacts.vcf`), for address books.

One card per public contact: the person's name when the data has one (else the role), the
hospital and unit as ORG, the role in French (English on request) as ROLE and TITLE, and
the public phone and email. A contact with no public channel gets the hospital's
switchboard, said to be the switchboard, when the hospital has one (a contact with a direct
line gets it in its note); the hospital's website as URL; nothing is invented.

As RFC 6350 writes them: KIND (individual for a named person, org for a role-only desk),
N (the name's last word as family name, the rest as given names, the title as prefix:
empty for a role-only card), TEL as a tel: URI (VALUE=uri, RFC 3966) with two TYPE values
(work, voice), and no backslash before a semicolon in a single text value (FN, ROLE,
TITLE, NOTE), where the RFC allows it and address books show it as typed.
"""

import re
import uuid
from bisect import bisect_left
from dataclasses import dataclass, fields
from datetime import datetime

import vobject
from flask import Response, current_app
from flask_smorest import Blueprint

from sitedir.directory.paging import RowLists
from sitedir.directory.sites import site_or_404
from sitedir.domain.clock import as_utc
from sitedir.domain.vocabulary import ROLE_LABELS
from sitedir.i18n import current_language, t
from sitedir.readmodel.snapshot import current_snapshot
from sitedir.web.hosts import public_root

blp = Blueprint("vcards", __name__, description="A site's public contacts as vCard 4.0")

VCARD_MIMETYPE = "text/vcard"


# What a card reads: a site as its public form says it (the read model's stored JSON,
# _from_public_form), never the ORM's rows.
@dataclass(frozen=True, slots=True)
class PublicInstitution:
    name: str
    site_name: str | None
    address: str | None
    postcode: str | None
    city: str
    website: str | None
    switchboard: str | None


@dataclass(frozen=True, slots=True)
class PublicContact:
    id: int
    role: str
    title: str | None
    name: str | None
    unit: str | None
    email: str | None
    phone: str | None
    note_fr: str | None
    note_en: str | None
    last_verified_at: datetime | None


@dataclass(frozen=True, slots=True)
class PublicSite:
    slug: str
    name: str
    institution: PublicInstitution
    public_contacts: list[PublicContact]


def _role(contact: PublicContact) -> str:
    fr, en = ROLE_LABELS.get(contact.role, (contact.role, contact.role))
    return en if current_language() == "en" else fr


def contact_card(site: PublicSite, contact: PublicContact) -> vobject.base.Component:
    """One public contact of a site as a vCard 4.0."""
    inst = site.institution
    role = _role(contact)
    card = vobject.vCard()
    card.add("version").value = "4.0"
    card.add("kind").value = "individual" if contact.name else "org"
    who = " ".join(part for part in (contact.title, contact.name) if part)
    _text(card, "fn", who if contact.name else f"{role} – {site.name}")
    card.add("n").value = _name(contact)
    card.add("org").value = [part for part in (inst.name, inst.site_name, contact.unit) if part]
    _text(card, "role", role)
    _text(card, "title", role)
    if contact.phone:
        _tel(card, contact.phone)
    if contact.email:
        email = card.add("email")
        email.value = contact.email
        email.type_param = "work"
    notes = [contact.note_en if current_language() == "en" else contact.note_fr]
    if not (contact.phone or contact.email) and inst.switchboard:
        # No direct line is public: the hospital's switchboard, said to be one.
        _tel(card, inst.switchboard)
        notes.append(
            t(
                "Pas de coordonnée directe publiée : le numéro est le standard de l'hôpital.",
                "No direct line is published: the number is the hospital's switchboard.",
            )
        )
    elif inst.switchboard:
        # A direct line is the card's number; the switchboard, when the data has it, is
        # said beside it (a vCard has no label for a second number's purpose).
        notes.append(
            t(
                f"Standard de l'hôpital : {inst.switchboard}.",
                f"Hospital switchboard: {inst.switchboard}.",
            )
        )
    if inst.address or inst.postcode:
        adr = card.add("adr")
        adr.value = vobject.vcard.Address(
            street=inst.address or "", city=inst.city, code=inst.postcode or "", country="France"
        )
        adr.type_param = "work"
    if inst.website:
        card.add("url").value = inst.website
    if any(notes):
        _text(card, "note", " ".join(n for n in notes if n))
    # Stable across downloads, so that importing again updates the card instead of doubling it.
    # Under SITEDIR_PUBLIC_URL when set: the same whatever Host header the client sent.
    root = public_root()
    card.add("uid").value = uuid.uuid5(
        uuid.NAMESPACE_URL, f"{root}/api/v1/sites/{site.slug}/contacts/{contact.id}"
    ).urn
    if contact.last_verified_at:
        card.add("rev").value = as_utc(contact.last_verified_at).strftime("%Y%m%dT%H%M%SZ")
    card.add("prodid").value = "-//sitedir//vCard//FR"
    return card


def _name(contact: PublicContact) -> vobject.vcard.Name:
    """N: the last word of the name as family name, the others as given names."""
    if not contact.name:
        return vobject.vcard.Name()
    *given, family = contact.name.split()
    return vobject.vcard.Name(family=family, given=" ".join(given), prefix=contact.title or "")


def _text(card, name: str, value: str) -> None:
    """A single text value, escaped as RFC 6350 §3.4 asks: backslash, newline and comma,
    but not the semicolon (vobject escapes it too; address books then show the `\\`)."""
    line = card.add(name)
    line.value = value.replace("\\", "\\\\").replace("\n", "\\n").replace(",", "\\,")
    line.encoded = True  # already escaped: vobject writes it as it is


def tel_uri(number: str) -> str:
    """A phone number as a tel: URI (RFC 3966): `+33 4 73 75 07 50` is
    `tel:+33-4-73-75-07-50`; a number written without `+` is one dialled in France
    (`tel:04-73-75-07-50;phone-context=+33`)."""
    written = number.strip()
    if written.startswith("+"):
        written = written.replace("(0)", "")  # the trunk 0 is not dialled after +33
    digits = re.sub(r"[ .-]+", "-", written).strip("-")
    if digits.startswith("+"):
        return f"tel:{digits}"
    return f"tel:{digits};phone-context=+33"


def _tel(card, number: str) -> None:
    tel = card.add("tel")
    tel.value = tel_uri(number)
    tel.encoded = True  # a URI, not text: its `;phone-context` is not escaped
    tel.params["VALUE"] = ["uri"]
    tel.params["TYPE"] = ["work", "voice"]


def site_vcards(site: PublicSite) -> str:
    """Every public contact of the site, one vCard after the other."""
    return "".join(contact_card(site, c).serialize() for c in site.public_contacts)


def _moment(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


_INSTITUTION = tuple(f.name for f in fields(PublicInstitution))
# The fields the stored contact holds as they are (its note and provenance are nested).
_CONTACT = ("id", "role", "title", "name", "unit", "email", "phone")


def _from_public_form(data: dict) -> PublicSite:
    """A site as its public form (the read model's stored JSON) says it, with the
    attributes contact_card reads: the cards are a projection of the stored entry."""
    contacts = [
        PublicContact(
            **{k: c[k] for k in _CONTACT},
            note_fr=(c.get("note") or {}).get("fr"),
            note_en=(c.get("note") or {}).get("en"),
            last_verified_at=_moment((c.get("provenance") or {}).get("last_verified_at")),
        )
        for c in data["contacts"]
    ]
    institution = data["institution"]
    return PublicSite(
        slug=data["id"],
        name=data["name"],
        institution=PublicInstitution(**{k: institution[k] for k in _INSTITUTION}),
        public_contacts=contacts,
    )


def row_vcards(row) -> str:
    """The vCards of a read-model row, made again only when the row was (or for another
    language or public root, which the cards name)."""
    key = (current_language(), public_root())
    made = current_app.extensions.setdefault("sitedir_vcard_entries", {})
    found = made.get(row.id)
    if found is None or found[0] is not row:
        found = made[row.id] = (row, {})
    text = found[1].get(key)
    if text is None:
        text = found[1][key] = site_vcards(_from_public_form(row.data))
        counts = current_app.extensions.setdefault("sitedir_vcard_rebuilt", [0])
        counts[0] += 1
    return text


@blp.route("/api/v1/sites/<string:site_id>/contacts.vcf", methods=["GET"])
@blp.doc(
    summary="The site's public contacts as vCard 4.0 (French roles; English with ?lang=en)",
    responses={
        "200": {
            "description": "One vCard 4.0 per public contact (RFC 6350)",
            "content": {"text/vcard": {"schema": {"type": "string"}}},
        }
    },
)
@blp.alt_response(404, response="NOT_FOUND")
def contacts_vcf(site_id: str):
    """The site's public contacts as vCard 4.0, to add to an address book."""
    snapshot = current_snapshot()
    ids = (snapshot.lists or RowLists(snapshot.rows)).ids
    at = bisect_left(ids, site_id)
    if at == len(ids) or ids[at] != site_id:
        site_or_404(site_id)  # the 404 the other site routes give (or a site just added)
        snapshot = current_snapshot()  # pragma: no cover - added since the read
        ids, at = [row.id for row in snapshot.rows], 0
        at = ids.index(site_id)
    row = snapshot.rows[at]
    response = Response(row_vcards(row), content_type=f"{VCARD_MIMETYPE}; charset=utf-8")
    response.headers["Content-Disposition"] = f'attachment; filename="{row.id}-contacts.vcf"'
    response.vary.add("Accept-Language")  # ETag, Cache-Control and 304: web/caching
    return response


def register_vcards(app, api) -> None:
    """Register the vCard blueprint on the Api: it is in the OpenAPI document."""
    api.register_blueprint(blp)
