"""What this server says it does: its CapabilityStatement, and its extension's definition.

Both are written from the same tables the searches run on (search.PARAMS, INCLUDES,
REVINCLUDES), so the statement lists exactly what is implemented.
"""

from sitedir.fhir.definitions import (
    CAPABILITY_DATE,
    CONTACT_ROLE_PATH,
    CTGOV_STATUS,
    FHIR_MIMETYPE,
    FHIR_VERSION,
    LOCATION_DISTANCE_URL,
    RECRUITMENT_STATUS_PATH,
)
from sitedir.fhir.search import DEFAULT_COUNT, INCLUDES, MAX_COUNT, PARAMS, REVINCLUDES

DOCUMENTATION = {
    "Location": (
        "One per trial site (id: the site's slug, as in /api/v1/sites). status: recruiting is "
        "active; not yet recruiting, active not recruiting and suspended are suspended; "
        "completed, terminated and withdrawn are inactive. The extension {recruitment} carries "
        "the ClinicalTrials.gov recruitment status, the date it took effect, the reason, the "
        "expected reopening date and when the site last confirmed it, where the data has them."
    ),
    "Organization": (
        "The hospitals (id: the institution key) and the rare-disease reference centres (partOf "
        "their hospital). Identifiers (FINESS) only where the data holds them."
    ),
    "PractitionerRole": (
        "Public contacts only (id: the contact's id): role (codes of {roles}), site, hospital or "
        "reference centre, unit (specialty.text), public phone and email. The person's name, "
        "when known, is practitioner.display; there is no Practitioner resource."
    ),
    "ResearchStudy": (
        "Each study (id: its slug), its sites, phase, condition (Orphanet). status from the "
        "sites: active if one recruits; else temporarily-closed-to-accrual if one may still "
        "open or reopen (or none is known); else completed, administratively-completed "
        "(terminated) or withdrawn."
    ),
    "StructureDefinition": "Only the definition of this server's recruitment-status extension.",
}


def capability_statement(base: str) -> dict:
    """The CapabilityStatement of this server, for clients of this base URL."""
    names = {
        "recruitment": f"{base}/{RECRUITMENT_STATUS_PATH}",
        "roles": f"{base}/{CONTACT_ROLE_PATH}",
    }
    resources = []
    for kind, specs in PARAMS.items():
        search_params = []
        for spec in specs:
            entry = {"name": spec.name, "type": spec.type, "documentation": spec.doc}
            if spec.definition:
                entry["definition"] = spec.definition
            search_params.append(entry)
        resource = {
            "type": kind,
            "documentation": DOCUMENTATION[kind].format(**names),
            "interaction": [{"code": "read"}, {"code": "search-type"}],
            "searchParam": search_params,
        }
        if INCLUDES[kind]:
            resource["searchInclude"] = list(INCLUDES[kind])
        if REVINCLUDES[kind]:
            resource["searchRevInclude"] = list(REVINCLUDES[kind])
        resources.append(resource)
    resources.append(
        {
            "type": "StructureDefinition",
            "documentation": DOCUMENTATION["StructureDefinition"],
            "interaction": [{"code": "read"}],
        }
    )
    return {
        "resourceType": "CapabilityStatement",
        "url": f"{base}/metadata",
        "name": "SitedirFhirServer",
        "title": "sitedir — annuaire des centres de l'essai CAR-T lupus (FHIR, lecture seule)",
        "status": "active",
        "date": CAPABILITY_DATE,
        "publisher": "sitedir",
        "description": (
            "Read-only FHIR R4 view of the directory of the French sites of a CAR-T lupus "
            "trial: the same data as the JSON API under /api/v1."
        ),
        "kind": "instance",
        "software": {"name": "sitedir"},
        "implementation": {"description": "sitedir FHIR API", "url": base},
        "fhirVersion": FHIR_VERSION,
        "format": [FHIR_MIMETYPE, "json"],
        "rest": [
            {
                "mode": "server",
                "documentation": (
                    f"Searches answer searchset Bundles with total and self, next and previous "
                    f"links; _count (default {DEFAULT_COUNT}, at most {MAX_COUNT}; 0 gives the "
                    "total only) and _offset (matches skipped) page them. Matches have "
                    "search.mode match, _include and _revinclude resources include, and notes "
                    "(ignored parameters, the place near-place resolved) come in an "
                    "OperationOutcome with mode outcome. Unknown parameters are ignored, or "
                    "refused (400) with Prefer: handling=strict. near matches carry "
                    f"{LOCATION_DISTANCE_URL} (km) on Bundle.entry.search. Errors are "
                    "OperationOutcomes. JSON only (application/fhir+json, _format=json)."
                ),
                "resource": resources,
            }
        ],
    }


def _slice(name: str, value_type: str, short: str, required: bool = False) -> list:
    path = f"Extension.extension:{name}"
    return [
        {
            "id": path,
            "path": "Extension.extension",
            "sliceName": name,
            "short": short,
            "min": 1 if required else 0,
            "max": "1",
        },
        {"id": f"{path}.url", "path": "Extension.extension.url", "fixedUri": name},
        {
            "id": f"{path}.value[x]",
            "path": "Extension.extension.value[x]",
            "type": [{"code": value_type}],
        },
    ]


def recruitment_status_definition(base: str) -> dict:
    """The StructureDefinition of the recruitment-status extension on Location."""
    url = f"{base}/{RECRUITMENT_STATUS_PATH}"
    codes = ", ".join(CTGOV_STATUS.values())
    elements = [
        {
            "id": "Extension",
            "path": "Extension",
            "short": "ClinicalTrials.gov recruitment status of a trial site",
            "definition": (
                "The site's recruitment status as ClinicalTrials.gov names it, with what the "
                "directory knows of it: since when, why, when it should reopen, when the site "
                "last confirmed it, and whether that is too long ago (stale)."
            ),
        },
        {
            "id": "Extension.extension",
            "path": "Extension.extension",
            "slicing": {
                "discriminator": [{"type": "value", "path": "url"}],
                "rules": "closed",
            },
        },
        *_slice("status", "code", f"ClinicalTrials.gov status: {codes}", required=True),
        *_slice("statusSince", "date", "The day the status took effect"),
        *_slice("reason", "string", "Why (for a site that is not recruiting)"),
        *_slice("expectedReopening", "date", "When recruitment should resume"),
        *_slice("lastConfirmedAt", "dateTime", "When the site last confirmed the status"),
        *_slice(
            "stale",
            "boolean",
            "True when the status was never confirmed, or not for more than "
            "SITEDIR_STALE_DAYS (30) whole days in Paris: call before referring",
            required=True,
        ),
        {"id": "Extension.url", "path": "Extension.url", "fixedUri": url},
        {"id": "Extension.value[x]", "path": "Extension.value[x]", "max": "0"},
    ]
    return {
        "resourceType": "StructureDefinition",
        "id": "recruitment-status",
        "url": url,
        "name": "RecruitmentStatus",
        "title": "Recruitment status (ClinicalTrials.gov)",
        "status": "active",
        "date": CAPABILITY_DATE,
        "publisher": "sitedir",
        "description": elements[0]["definition"],
        "fhirVersion": FHIR_VERSION,
        "kind": "complex-type",
        "abstract": False,
        "context": [{"type": "element", "expression": "Location"}],
        "type": "Extension",
        "baseDefinition": "http://hl7.org/fhir/StructureDefinition/Extension",
        "derivation": "constraint",
        "differential": {"element": elements},
    }
