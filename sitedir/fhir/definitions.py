"""The FHIR vocabulary sitedir speaks: media types, code systems, and its own extension."""

from flask import current_app

from sitedir.web.hosts import public_root

FHIR_VERSION = "4.0.1"
FHIR_MIMETYPE = "application/fhir+json"
# The day this server's CapabilityStatement last changed (its required `date`).
CAPABILITY_DATE = "2026-11-26"

# Standard systems and extensions.
LOCATION_STATUS_SYSTEM = "http://hl7.org/fhir/location-status"
RESEARCH_STUDY_STATUS_SYSTEM = "http://hl7.org/fhir/research-study-status"
LOCATION_DISTANCE_URL = "http://hl7.org/fhir/StructureDefinition/location-distance"
TRANSLATION_URL = "http://hl7.org/fhir/StructureDefinition/translation"
UCUM = "http://unitsofmeasure.org"
FINESS_SYSTEM = "https://finess.esante.gouv.fr"
ORPHANET_SYSTEM = "http://www.orpha.net"
PHASE_SYSTEM = "http://terminology.hl7.org/CodeSystem/research-study-phase"
ORGANIZATION_TYPE_SYSTEM = "http://terminology.hl7.org/CodeSystem/organization-type"
# Where each registry identifier of a study lives, when the data holds one.
# ClinicalTrials.gov under its own https address, the system an NCT number is checked
# against by real clients.
REGISTRY_SYSTEMS = {"nct": "https://clinicaltrials.gov", "euct": "https://euclinicaltrials.eu"}

# sitedir's own definitions, under the canonical base (see canonical_base()).
RECRUITMENT_STATUS_PATH = "StructureDefinition/recruitment-status"
CONTACT_ROLE_PATH = "CodeSystem/contact-role"

# sitedir's site statuses as ClinicalTrials.gov writes them (its API's RecruitmentStatus).
CTGOV_STATUS = {
    "not_yet_recruiting": "NOT_YET_RECRUITING",
    "recruiting": "RECRUITING",
    "active_not_recruiting": "ACTIVE_NOT_RECRUITING",
    "suspended": "SUSPENDED",
    "completed": "COMPLETED",
    "terminated": "TERMINATED",
    "withdrawn": "WITHDRAWN",
}

# A study's phase as the seeds write it, as FHIR's research-study-phase codes.
PHASES = {
    "0": "early-phase-1",
    "1": "phase-1",
    "1/2": "phase-1-phase-2",
    "2": "phase-2",
    "2/3": "phase-2-phase-3",
    "3": "phase-3",
    "4": "phase-4",
}


def base_url() -> str:
    """The FHIR base of this server: `https://host/fhir`.

    Under SITEDIR_PUBLIC_URL when it is set, so that canonical URLs stay the same whatever
    Host header a client sends; else as the client reached it (a trusted host).
    """
    return public_root() + "/fhir"


def canonical_base() -> str:
    """Where sitedir's own definitions live (the extension, the contact-role CodeSystem).

    SITEDIR_FHIR_CANONICAL_URL, else SITEDIR_PUBLIC_URL's /fhir: fixed whatever Host a
    request carries. With neither set, the server's base as the client reached it.
    """
    return current_app.config.get("FHIR_CANONICAL_URL") or base_url()
