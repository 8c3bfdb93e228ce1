"""What this server says it does: its CapabilityStatement, and its extension's definition.

Both are written from the same tables the searches run on (search.PARAMS, INCLUDES,
REVINCLUDES), so the statement lists exactly what is implemented.
"""

from sitedir.domain.vocabulary import ROLE_LABELS
from sitedir.fhir.definitions import (
    CAPABILITY_DATE,
    CONTACT_ROLE_PATH,
    CTGOV_STATUS,
    FHIR_MIMETYPE,
    FHIR_VERSION,
    LOCATION_DISTANCE_URL,
    RECRUITMENT_STATUS_PATH,
)
from sitedir.fhir.resources import narrative
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
    "CodeSystem": "Only the contact-role CodeSystem of PractitionerRole.code.",
}
INTERACTIONS = [{"code": "read"}, {"code": "vread"}, {"code": "search-type"}]
VERSIONING = {
    # meta.versionId and meta.lastUpdated change exactly when the resource's JSON does.
    "versioning": "versioned",
    # vread answers the current version only: older ones are not kept.
    "readHistory": False,
    "conditionalRead": "full-support",  # If-None-Match (W/"versionId") and If-Modified-Since
}


def capability_statement(base: str, canonical: str | None = None) -> dict:
    """The CapabilityStatement of this server, for clients of this base URL (sitedir's own
    definitions under `canonical`, the base by default)."""
    canonical = canonical or base
    names = {
        "recruitment": f"{canonical}/{RECRUITMENT_STATUS_PATH}",
        "roles": f"{canonical}/{CONTACT_ROLE_PATH}",
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
            "interaction": INTERACTIONS,
            **VERSIONING,
            "searchParam": search_params,
        }
        if INCLUDES[kind]:
            resource["searchInclude"] = list(INCLUDES[kind])
        if REVINCLUDES[kind]:
            resource["searchRevInclude"] = list(REVINCLUDES[kind])
        resources.append(resource)
    for kind in ("StructureDefinition", "CodeSystem"):
        resources.append(
            {"type": kind, "documentation": DOCUMENTATION[kind], "interaction": [{"code": "read"}]}
        )
    return {
        "resourceType": "CapabilityStatement",
        "text": narrative(
            "sitedir : serveur FHIR R4 en lecture seule (JSON).",
            "Location, Organization, PractitionerRole, ResearchStudy : read, vread, "
            "search-type (GET et POST _search).",
        ),
        "url": f"{base}/metadata",
        "name": "SitedirFhirServer",
        # Every study the directory lists (ResearchStudy), not the first one alone.
        "title": "sitedir — annuaire des centres des études cliniques (FHIR, lecture seule)",
        "status": "active",
        "date": CAPABILITY_DATE,
        "publisher": "sitedir",
        "description": (
            "Read-only FHIR R4 view of the directory of the French sites of the clinical "
            "studies it lists (one ResearchStudy each): the same data as the JSON API under "
            "/api/v1."
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
                    "Search by GET [type]?params, GET [type]/_search?params or POST "
                    "[type]/_search with the parameters form-encoded (the same search, paging "
                    "and links). Searches answer searchset Bundles with total and self, next "
                    f"and previous links; _count (default {DEFAULT_COUNT}, at most {MAX_COUNT}; "
                    "0 gives the total only) and _offset (matches skipped) page them. Matches "
                    "have search.mode match, _include and _revinclude resources include, and "
                    "notes (ignored parameters, the place near-place resolved) come in an "
                    "OperationOutcome with mode outcome. Result parameters: _summary (true, "
                    "text, data, count, false) and _elements, the resources cut tagged "
                    "SUBSETTED; _total (accurate and estimate: the exact count; none: no "
                    "total); _sort=near (with near or near-place) or _id (otherwise), the "
                    "orders searches have anyway. Unknown parameters and chained parameters "
                    "(not supported) are ignored and named in that OperationOutcome, or "
                    "refused (400) with Prefer: handling=strict. near takes one point. near "
                    f"matches carry {LOCATION_DISTANCE_URL} (km) on Bundle.entry.search. "
                    'Reads and vreads carry ETag W/"versionId" and Last-Modified and answer '
                    "If-None-Match and If-Modified-Since with 304; vread serves the current "
                    "version only; there is no _history. Errors are OperationOutcomes. JSON "
                    "only: application/fhir+json (fhirVersion=4.0 honoured, another version "
                    "refused with 406), application/json, _format=json; XML is refused (406)."
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


def contact_role_code_system(base: str) -> dict:
    """The CodeSystem of the contact roles (PractitionerRole.code), from the vocabulary."""
    concepts = []
    for code, (fr, en) in ROLE_LABELS.items():
        concepts.append(
            {
                "code": code,
                "display": fr,
                "designation": [{"language": "en", "value": en}],
            }
        )
    return {
        "resourceType": "CodeSystem",
        "id": "contact-role",
        "text": narrative("Rôles des contacts d'un centre : " + ", ".join(ROLE_LABELS) + "."),
        "url": f"{base}/{CONTACT_ROLE_PATH}",
        "name": "SitedirContactRole",
        "title": "Rôles des contacts d'un centre (sitedir)",
        "status": "active",
        "date": CAPABILITY_DATE,
        "publisher": "sitedir",
        "description": "The roles of a trial site's public contacts, as sitedir names them.",
        "language": "fr",
        "caseSensitive": True,
        "content": "complete",
        "count": len(concepts),
        "concept": concepts,
    }


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
        "text": narrative(
            "Extension de Location : statut de recrutement ClinicalTrials.gov d'un centre "
            f"({codes}), depuis quand, pourquoi, réouverture prévue, dernière confirmation, "
            "et s'il est à revérifier (stale)."
        ),
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
