"""The publisher's details, as the operator set them, or a placeholder that says which
setting is missing (shown on the page, never an invented name or address)."""

from dataclasses import dataclass

# Setting (config key) -> environment variable: what a placeholder names.
FIELDS = {
    "PUBLISHER_NAME": "SITEDIR_PUBLISHER_NAME",
    "PUBLISHER_ADDRESS": "SITEDIR_PUBLISHER_ADDRESS",
    "PUBLISHER_CONTACT": "SITEDIR_PUBLISHER_CONTACT",
    "PUBLICATION_DIRECTOR": "SITEDIR_PUBLICATION_DIRECTOR",
    "HOSTING_PROVIDER": "SITEDIR_HOSTING_PROVIDER",
    "DPO_CONTACT": "SITEDIR_DPO_CONTACT",
    "ACCESSIBILITY_CONTACT": "SITEDIR_ACCESSIBILITY_CONTACT",
    "PRIVACY_LEGAL_BASIS": "SITEDIR_PRIVACY_LEGAL_BASIS",
    "LOG_RETENTION": "SITEDIR_LOG_RETENTION",
}


@dataclass(frozen=True)
class Detail:
    """One of the publisher's details: its value, or the variable that would set it."""

    value: str | None
    variable: str

    @property
    def missing(self) -> bool:
        return not self.value


def details(config) -> dict[str, Detail]:
    """Each detail by its lower-case name (publisher_name, ...), from the app's config.

    The accessibility contact falls back to the publisher's: the statement must give one.
    """
    found = {
        key.lower(): Detail((config.get(key) or "").strip() or None, variable)
        for key, variable in FIELDS.items()
    }
    if found["accessibility_contact"].missing and not found["publisher_contact"].missing:
        found["accessibility_contact"] = found["publisher_contact"]
    return found
