"""The directory's words, each written once: site statuses, contact roles, code patterns.

Pure data: no Flask, marshmallow or database here, so the domain, the API schemas, the
seeds, the admin page, FHIR and the widget all read the same table.
"""

from dataclasses import dataclass

# ---- site statuses -----------------------------------------------------------------------

NOT_YET_RECRUITING = "not_yet_recruiting"
RECRUITING = "recruiting"
ACTIVE_NOT_RECRUITING = "active_not_recruiting"
SUSPENDED = "suspended"
COMPLETED = "completed"
TERMINATED = "terminated"
WITHDRAWN = "withdrawn"


@dataclass(frozen=True, slots=True)
class Status:
    """A site recruitment status (ClinicalTrials.gov's), as each reader needs to see it."""

    value: str
    label_fr: str  # what a referring doctor reads
    label_en: str
    fhir_location_status: str  # FHIR Location.status, for systems that speak FHIR
    is_open: bool  # the site takes referrals now


# In ClinicalTrials.gov's order, which the API's enum and the admin page's list follow.
STATUS_TABLE = (
    Status(
        NOT_YET_RECRUITING,
        "Pas encore ouvert aux inclusions",
        "Not yet recruiting",
        "suspended",
        False,
    ),
    Status(RECRUITING, "Ouvert aux inclusions", "Recruiting", "active", True),
    Status(
        ACTIVE_NOT_RECRUITING,
        "Actif, sans place disponible",
        "Active, not recruiting",
        "suspended",
        False,
    ),
    Status(SUSPENDED, "Inclusions suspendues", "Suspended", "suspended", False),
    Status(COMPLETED, "Terminé", "Completed", "inactive", False),
    Status(TERMINATED, "Arrêté", "Terminated", "inactive", False),
    Status(WITHDRAWN, "Retiré", "Withdrawn", "inactive", False),
)

STATUS_BY_VALUE = {status.value: status for status in STATUS_TABLE}
STATUSES = tuple(status.value for status in STATUS_TABLE)
# French then English.
STATUS_LABELS = {s.value: (s.label_fr, s.label_en) for s in STATUS_TABLE}
FHIR_LOCATION_STATUS = {s.value: s.fhir_location_status for s in STATUS_TABLE}


def is_open(status: str) -> bool:
    """Return True when a site with this status takes referrals now."""
    known = STATUS_BY_VALUE.get(status)
    return known is not None and known.is_open


# ---- contact roles -----------------------------------------------------------------------

# Each role in French then English, the same words on the public page, the admin page,
# vCards and FHIR.
ROLE_LABELS = {
    "principal_investigator": ("Investigateur principal", "Principal investigator"),
    "coordinator": ("Coordination", "Coordinator"),
    "unit_lead": ("Chef de service", "Head of department"),
    "collaborator": ("Collaboration", "Collaborator"),
    "referral_desk": ("Accueil des adressages", "Referral desk"),
    "research_nurse": ("Infirmier·ère de recherche", "Research nurse"),
    "head": ("Responsable", "Head"),
}
CONTACT_ROLES = tuple(ROLE_LABELS)

# ---- the shape of codes --------------------------------------------------------------------

# Written `^...$` for the OpenAPI document (ECMA reads `$` as the very end); Python checks
# them with fullmatch (sitedir.schemas.Pattern), where `$` cannot let a newline through.
INSEE_RE = r"^(\d{5}|2[AB]\d{3})$"
REGION_RE = r"^\d{2}$"
DEPARTMENT_RE = r"^(\d{2}|2[AB]|97\d)$"
SLUG_RE = r"^[a-z0-9]+(-[a-z0-9]+)*$"
POSTCODE_RE = r"^\d{5}$"
PHONE_RE = r"^\+?[0-9 .()-]{6,20}$"
