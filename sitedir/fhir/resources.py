"""FHIR R4 resources built from the directory's records: only what the data holds.

Location (a site), Organization (a hospital, a reference centre), PractitionerRole (a public
contact) and ResearchStudy (a study). Nothing is filled in that the data does not say: a
field without a value is left out, never guessed.
"""

from datetime import datetime
from html import escape

from sitedir.domain.clock import as_utc
from sitedir.domain.vocabulary import (
    ACTIVE_NOT_RECRUITING,
    COMPLETED,
    FHIR_LOCATION_STATUS,
    NOT_YET_RECRUITING,
    RECRUITING,
    ROLE_LABELS,
    STATUS_LABELS,
    SUSPENDED,
    TERMINATED,
)
from sitedir.fhir.definitions import (
    CONTACT_ROLE_PATH,
    CTGOV_STATUS,
    FINESS_SYSTEM,
    ORGANIZATION_TYPE_SYSTEM,
    ORPHANET_SYSTEM,
    PHASE_SYSTEM,
    PHASES,
    RECRUITMENT_STATUS_PATH,
    REGISTRY_SYSTEMS,
    TRANSLATION_URL,
)
from sitedir.models import Contact, Institution, ReferenceCentre, Site, Study


def instant(moment: datetime | None) -> str | None:
    """A FHIR instant (UTC, to the second), or None."""
    if moment is None:
        return None
    return as_utc(moment).strftime("%Y-%m-%dT%H:%M:%SZ")


def narrative(*lines: str | None) -> dict:
    """A short generated narrative (`text`, dom-6): the given lines, escaped, in XHTML."""
    body = "".join(f"<p>{escape(line, quote=False)}</p>" for line in lines if line)
    return {"status": "generated", "div": f'<div xmlns="http://www.w3.org/1999/xhtml">{body}</div>'}


def _compact(resource: dict) -> dict:
    """Drop the empty members: FHIR forbids empty strings, lists and objects."""
    return {k: v for k, v in resource.items() if v not in (None, "", [], {})}


def _translated(english: str | None) -> dict | None:
    """The `_element` companion that carries an English translation of a French text."""
    if not english:
        return None
    return {
        "extension": [
            {
                "url": TRANSLATION_URL,
                "extension": [
                    {"url": "lang", "valueCode": "en"},
                    {"url": "content", "valueString": english},
                ],
            }
        ]
    }


def address(inst: Institution) -> dict:
    """The hospital's postal address (street, postcode and town as the data holds them)."""
    return _compact(
        {
            "use": "work",
            "type": "physical",
            "line": [inst.address] if inst.address else None,
            "city": inst.city,
            "postalCode": inst.postcode,
            "country": "FR",
        }
    )


def _institution_telecom(inst: Institution) -> list[dict]:
    telecom = []
    if inst.switchboard:
        telecom.append({"system": "phone", "value": inst.switchboard, "use": "work"})
    if inst.website:
        telecom.append({"system": "url", "value": inst.website, "use": "work"})
    return telecom


def recruitment_extension(site: Site, base: str, stale: bool) -> dict:
    """The site's ClinicalTrials.gov recruitment status, why, until when, confirmed when,
    and whether it is stale (staleness.is_stale, as the JSON API's `stale`)."""
    parts = [{"url": "status", "valueCode": CTGOV_STATUS[site.status]}]
    if site.status_since:
        parts.append({"url": "statusSince", "valueDate": site.status_since.isoformat()})
    if site.status_reason:
        parts.append({"url": "reason", "valueString": site.status_reason})
    if site.expected_reopening:
        parts.append({"url": "expectedReopening", "valueDate": site.expected_reopening.isoformat()})
    if site.status_confirmed_at:
        parts.append({"url": "lastConfirmedAt", "valueDateTime": instant(site.status_confirmed_at)})
    parts.append({"url": "stale", "valueBoolean": stale})
    return {"url": f"{base}/{RECRUITMENT_STATUS_PATH}", "extension": parts}


def location(site: Site, base: str, stale: bool) -> dict:
    """One site as a Location: where it is, its status, and the hospital that manages it."""
    inst = site.institution
    return _compact(
        {
            "resourceType": "Location",
            "id": site.slug,
            "text": narrative(
                site.name,
                f"Statut : {STATUS_LABELS[site.status][0]}",
                ", ".join(p for p in (inst.address, inst.postcode, inst.city) if p),
            ),
            "extension": [recruitment_extension(site, base, stale)],
            "status": FHIR_LOCATION_STATUS[site.status],
            "name": site.name,
            "description": site.lead_department,
            "mode": "instance",
            "telecom": _institution_telecom(inst),
            "address": address(inst),
            "position": {"latitude": inst.latitude, "longitude": inst.longitude},
            "managingOrganization": {
                "reference": f"Organization/{inst.key}",
                "display": site.name,
            },
        }
    )


def hospital(inst: Institution) -> dict:
    """A hospital (the institution hosting sites) as an Organization."""
    name = f"{inst.name} – {inst.site_name}" if inst.site_name else inst.name
    return _compact(
        {
            "resourceType": "Organization",
            "id": inst.key,
            "text": narrative(name, ", ".join(p for p in (inst.postcode, inst.city) if p)),
            "identifier": (
                [{"system": FINESS_SYSTEM, "value": inst.finess}] if inst.finess else None
            ),
            "type": [
                {
                    "coding": [
                        {
                            "system": ORGANIZATION_TYPE_SYSTEM,
                            "code": "prov",
                            "display": "Healthcare Provider",
                        }
                    ]
                }
            ],
            "name": name,
            "alias": [inst.name] if inst.site_name else None,
            "telecom": _institution_telecom(inst),
            "address": [address(inst)],
        }
    )


REFERENCE_KINDS = {
    "reference": ("Centre de référence maladies rares", "Rare disease reference centre"),
    "competence": ("Centre de compétence maladies rares", "Rare disease competence centre"),
}


def reference_centre(centre: ReferenceCentre, organization_id: str) -> dict:
    """A rare-disease reference centre as an Organization, part of its host hospital."""
    fr, en = REFERENCE_KINDS.get(centre.kind, (centre.kind, centre.kind))
    return _compact(
        {
            "resourceType": "Organization",
            "id": organization_id,
            "text": narrative(centre.name, f"{fr} ({centre.network})"),
            "type": [{"text": f"{fr} ({centre.network})", "_text": _translated(en)}],
            "name": centre.name,
            "partOf": {
                "reference": f"Organization/{centre.institution.key}",
                "display": centre.institution.name,
            },
        }
    )


def role_label(role: str) -> tuple[str, str]:
    """A contact role's words, French then English (the vocabulary's table)."""
    return ROLE_LABELS.get(role, (role, role))


def practitioner_role(
    contact: Contact,
    base: str,
    organization: tuple[str, str],
    site: Site | None = None,
) -> dict:
    """A public contact as a PractitionerRole: the role, where, and how to reach it.

    The person, when the data names one, is only text (`practitioner.display`): no
    Practitioner resource is made up around a name.
    """
    fr, en = role_label(contact.role)
    who = " ".join(part for part in (contact.title, contact.name) if part)
    telecom = []
    if contact.phone:
        telecom.append({"system": "phone", "value": contact.phone, "use": "work"})
    if contact.email:
        telecom.append({"system": "email", "value": contact.email, "use": "work"})
    org_id, org_name = organization
    return _compact(
        {
            "resourceType": "PractitionerRole",
            "id": str(contact.id),
            "text": narrative(fr, who if contact.name else None, org_name),
            "practitioner": {"display": who} if contact.name else None,
            "organization": {"reference": f"Organization/{org_id}", "display": org_name},
            "code": [
                {
                    "coding": [
                        {
                            "system": f"{base}/{CONTACT_ROLE_PATH}",
                            "code": contact.role,
                            "display": fr,
                        }
                    ],
                    "text": fr,
                    "_text": _translated(en),
                }
            ],
            "specialty": [{"text": contact.unit}] if contact.unit else None,
            "location": (
                [{"reference": f"Location/{site.slug}", "display": site.name}] if site else None
            ),
            "telecom": telecom,
        }
    )


def study_status(site_statuses: list[str]) -> str:
    """A study's FHIR status, from its sites' statuses (the directory knows no other).

    Any site recruiting: active. Otherwise, any site that may still open or reopen (not yet
    recruiting, active not recruiting, suspended), or no site at all:
    temporarily-closed-to-accrual. Otherwise every site has closed for good: completed if
    one completed, administratively-completed if one was terminated, else withdrawn.
    """
    statuses = set(site_statuses)
    if RECRUITING in statuses:
        return "active"
    if not statuses or statuses & {NOT_YET_RECRUITING, ACTIVE_NOT_RECRUITING, SUSPENDED}:
        return "temporarily-closed-to-accrual"
    if COMPLETED in statuses:
        return "completed"
    if TERMINATED in statuses:
        return "administratively-completed"
    return "withdrawn"


def research_study(study: Study, sites: list[Site]) -> dict:
    """A study as a ResearchStudy: its title, phase, condition, sites and derived status."""
    phase = PHASES.get(study.phase)
    condition = {
        "text": study.condition_fr,
        "_text": _translated(study.condition_en),
    }
    if study.orpha_code:
        condition["coding"] = [{"system": ORPHANET_SYSTEM, "code": str(study.orpha_code)}]
    identifiers = [
        {"system": REGISTRY_SYSTEMS[key], "value": value}
        for key, value in sorted((study.registry_ids or {}).items())
        if value and key in REGISTRY_SYSTEMS
    ]
    status = study_status([s.status for s in sites])
    return _compact(
        {
            "resourceType": "ResearchStudy",
            "id": study.slug,
            "text": narrative(
                study.title_fr, f"Statut (FHIR) : {status}", f"Centres : {len(sites)}"
            ),
            "identifier": identifiers,
            "title": study.title_fr,
            "_title": _translated(study.title_en),
            "status": status,
            "phase": {"coding": [{"system": PHASE_SYSTEM, "code": phase}]} if phase else None,
            "condition": [condition],
            "description": f"{study.eligibility_fr}\n\n{study.disclaimer_fr}",
            "_description": _translated(f"{study.eligibility_en}\n\n{study.disclaimer_en}"),
            "site": [{"reference": f"Location/{s.slug}", "display": s.name} for s in sites],
        }
    )
