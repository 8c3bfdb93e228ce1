"""Site recruitment statuses, aligned with ClinicalTrials.gov, and their words."""

NOT_YET_RECRUITING = "not_yet_recruiting"
RECRUITING = "recruiting"
ACTIVE_NOT_RECRUITING = "active_not_recruiting"
SUSPENDED = "suspended"
COMPLETED = "completed"
TERMINATED = "terminated"
WITHDRAWN = "withdrawn"

STATUSES = (
    NOT_YET_RECRUITING,
    RECRUITING,
    ACTIVE_NOT_RECRUITING,
    SUSPENDED,
    COMPLETED,
    TERMINATED,
    WITHDRAWN,
)

# What a referring doctor reads, French then English.
LABELS = {
    NOT_YET_RECRUITING: ("Pas encore ouvert aux inclusions", "Not yet recruiting"),
    RECRUITING: ("Ouvert aux inclusions", "Recruiting"),
    ACTIVE_NOT_RECRUITING: ("Actif, sans place disponible", "Active, not recruiting"),
    SUSPENDED: ("Inclusions suspendues", "Suspended"),
    COMPLETED: ("Terminé", "Completed"),
    TERMINATED: ("Arrêté", "Terminated"),
    WITHDRAWN: ("Retiré", "Withdrawn"),
}

# FHIR Location.status, for systems that speak FHIR.
FHIR_LOCATION_STATUS = {
    NOT_YET_RECRUITING: "suspended",
    RECRUITING: "active",
    ACTIVE_NOT_RECRUITING: "suspended",
    SUSPENDED: "suspended",
    COMPLETED: "inactive",
    TERMINATED: "inactive",
    WITHDRAWN: "inactive",
}


def is_open(status: str) -> bool:
    """Return True when a site with this status takes referrals now."""
    return status == RECRUITING
