"""What a ClinicalTrials.gov record's words mean in the directory (pure: no database).

Honesty rules, as the design asks:
- The study's texts (title, conditions, interventions, eligibility criteria) exist in the
  record in English only. They go, word for word, into both the English and the French
  columns: nothing is translated, summarised or invented. What the directory writes in its
  own words (the population line built from the age and sex fields, "not stated", the
  disclaimer) is written properly in both languages, and the French disclaimer says the
  study's texts are the record's, in English.
- Contacts are the record's location contacts only: a role with no name stays a role, a
  phone or email the record does not give stays null, one it gives in an unusable form is
  left out (and reported), never repaired.
- A location's status is the record's. ENROLLING_BY_INVITATION becomes
  active_not_recruiting: participants are invited from a population chosen in advance, so
  the site does not take referrals, which is what "open" means here. A location with no
  status is never taken as recruiting (see site_status).
"""

import re
from dataclasses import dataclass, field

from marshmallow import ValidationError, validate

from sitedir.ctgov.record import RECRUITMENT_STATUSES
from sitedir.domain.vocabulary import (
    ACTIVE_NOT_RECRUITING,
    COMPLETED,
    NOT_YET_RECRUITING,
    PHONE_RE,
    RECRUITING,
    STATUS_LABELS,
    STATUSES,
    SUSPENDED,
    TERMINATED,
    WITHDRAWN,
)
from sitedir.places.normalize import fold

KNOWN_STATUSES = frozenset(RECRUITMENT_STATUSES)
# The record gives no reason for these; the directory never shows them without one.
UNEXPLAINED = {
    SUSPENDED: "suspendu",
    TERMINATED: "arrêté",
    WITHDRAWN: "retiré",
}

# The country names ClinicalTrials.gov uses for France and the overseas territories it
# lists apart (folded: case, accents and punctuation do not matter).
FRENCH_COUNTRIES = frozenset(
    fold(name)
    for name in (
        "France",
        "Réunion",
        "Guadeloupe",
        "Martinique",
        "French Guiana",
        "Mayotte",
        "New Caledonia",
        "French Polynesia",
        "Saint Pierre and Miquelon",
        "Saint Barthélemy",
        "Saint Martin",
        "Saint Martin (French part)",
        "Wallis and Futuna",
    )
)

SITE_STATUS = {
    "RECRUITING": RECRUITING,
    "NOT_YET_RECRUITING": NOT_YET_RECRUITING,
    "ACTIVE_NOT_RECRUITING": ACTIVE_NOT_RECRUITING,
    # Invited from a predefined population: the site takes no referrals.
    "ENROLLING_BY_INVITATION": ACTIVE_NOT_RECRUITING,
    "SUSPENDED": SUSPENDED,
    "COMPLETED": COMPLETED,
    "TERMINATED": TERMINATED,
    "WITHDRAWN": WITHDRAWN,
}
# A study whose overall status is one of these cannot have a site taking patients.
CLOSED_OVERALL = {
    "NOT_YET_RECRUITING": NOT_YET_RECRUITING,
    "ACTIVE_NOT_RECRUITING": ACTIVE_NOT_RECRUITING,
    "SUSPENDED": SUSPENDED,
    "COMPLETED": COMPLETED,
    "TERMINATED": TERMINATED,
    "WITHDRAWN": WITHDRAWN,
}
# When one facility appears twice in a record, its site takes the most open status.
OPENNESS = {status: rank for rank, status in enumerate(STATUSES[1:2] + STATUSES[:1] + STATUSES[2:])}

ROLES = {
    "PRINCIPAL_INVESTIGATOR": ("principal_investigator", None),
    "SUB_INVESTIGATOR": (
        "collaborator",
        ("Investigateur associé (sub-investigator)", "Sub-investigator"),
    ),
    "STUDY_CHAIR": ("collaborator", ("Président de l'étude (study chair)", "Study chair")),
    "STUDY_DIRECTOR": ("collaborator", ("Directeur de l'étude (study director)", "Study director")),
    # ClinicalTrials.gov's facility contact: whom to ask about taking part.
    "CONTACT": ("referral_desk", None),
}
PHASES = {
    "EARLY_PHASE1": "early 1",
    "PHASE1": "1",
    "PHASE2": "2",
    "PHASE3": "3",
    "PHASE4": "4",
    "NA": "n/a",
}

TITLE = re.compile(r"(?i)(dr|pr|prof|professor|doctor)\.?\s+(\S.*)")
AGE = re.compile(r"(?i)([0-9]+)\s*(year|month|week|day|hour|minute)s?")
AGE_UNITS_FR = {
    "year": ("an", "ans"),
    "month": ("mois", "mois"),
    "week": ("semaine", "semaines"),
    "day": ("jour", "jours"),
    "hour": ("heure", "heures"),
    "minute": ("minute", "minutes"),
}
PHONE = re.compile(PHONE_RE[1:-1], re.ASCII)
EMAIL = validate.Email()
# A record point farther than this from its commune's is not trusted: the commune's point
# is used instead (the gazetteer knows no commune's extent; the largest are ~20 km across).
FAR_KM = 25


MONTHS_FR = (
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
)


@dataclass
class RecordFacts:
    """What the import needs of a record, beyond its validated shape."""

    nct: str
    date: str | None  # the record's last update, YYYY-MM-DD or YYYY-MM
    overall_status: str | None
    verified: str | None = None  # statusVerifiedDate's month, YYYY-MM

    @property
    def source(self) -> str:
        """The public provenance of everything taken from this record.

        The month the registry's status was verified when the record gives it (what a
        doctor needs to weigh the status), else the record's last update.
        """
        if self.verified:
            year, month = self.verified.split("-")
            when = f"statut vérifié en {MONTHS_FR[int(month) - 1]} {year}"
        elif self.date:
            when = f"fiche du {self.date}, statut non vérifié"
        else:
            when = "fiche sans date"
        return f"ClinicalTrials.gov {self.nct}, {when}"

    @property
    def source_prefix(self) -> str:
        """What every source written from this study's records starts with."""
        return f"ClinicalTrials.gov {self.nct},"


def record_facts(record: dict) -> RecordFacts:
    """The record's NCT number, last update, overall status and verified month."""
    section = record["protocolSection"]
    status = section.get("statusModule", {})
    date = status.get("lastUpdatePostDateStruct", {}).get("date") or status.get(
        "lastUpdateSubmitDate"
    )
    verified = status.get("statusVerifiedDate")
    overall = status.get("overallStatus")
    return RecordFacts(
        nct=section["identificationModule"]["nctId"],
        date=date or verified,
        overall_status=overall if overall in KNOWN_STATUSES else None,
        verified=verified[:7] if verified else None,
    )


def is_french(country: str | None) -> bool:
    """True for France and the overseas names ClinicalTrials.gov lists as countries."""
    return bool(country and fold(country) in FRENCH_COUNTRIES)


class UnknownStatus(ValueError):
    """A location status ClinicalTrials.gov does not define: that location is skipped."""


def site_status(location_status: str | None, overall_status: str | None) -> tuple[str, str | None]:
    """The site's status and, where the record leaves room for doubt, the reason shown.

    With no status for the location (or one that is not a site's), the study's overall
    status decides when it rules out recruiting (not yet, suspended, closed); otherwise
    the site is `not_yet_recruiting`, not open, and the reason says the record does not
    say: a referral is never sent on a guess. A suspended, terminated or withdrawn site
    says that the record gives no reason (the directory never shows one without).
    A value ClinicalTrials.gov does not define raises UnknownStatus.
    """
    if location_status is not None and location_status not in KNOWN_STATUSES:
        raise UnknownStatus(f"unknown status {location_status!r}: the location is left out")
    if location_status in SITE_STATUS:
        status = SITE_STATUS[location_status]
        if location_status == "ENROLLING_BY_INVITATION":
            return status, (
                "ClinicalTrials.gov : inclusions sur invitation (enrolling by invitation), "
                "dans une population définie à l'avance ; le centre ne reçoit pas d'adressages."
            )
        return status, _unexplained(status)
    given = f" (« {location_status} »)" if location_status else ""
    if overall_status in CLOSED_OVERALL:
        status = CLOSED_OVERALL[overall_status]
        return status, (
            f"La fiche ClinicalTrials.gov ne donne pas le statut de ce centre{given} ; "
            f"celui de l'étude est : {STATUS_LABELS[status][0].lower()}."
        )
    return NOT_YET_RECRUITING, (
        f"La fiche ClinicalTrials.gov ne donne pas le statut de ce centre{given} : "
        "renseignez-vous auprès du centre avant d'adresser un patient."
    )


def _unexplained(status: str) -> str | None:
    if status not in UNEXPLAINED:
        return None
    return (
        f"Centre {UNEXPLAINED[status]} d'après la fiche ClinicalTrials.gov, qui n'en donne "
        "pas le motif : renseignez-vous auprès du centre."
    )


def phase(phases: list[str]) -> str:
    """The phase as the directory writes it: "1/2", "early 1", "n/a" or "unknown"."""
    words = [PHASES[p] for p in dict.fromkeys(phases)]
    return "/".join(words) if words else "unknown"


def _age(text: str | None, lang: str) -> str | None:
    if not text:
        return None
    found = AGE.fullmatch(text.strip())
    if not found:
        return text.strip()  # as the record writes it
    count, unit = int(found.group(1)), found.group(2).lower()
    if lang == "fr":
        return f"{count} {AGE_UNITS_FR[unit][count > 1]}"
    return f"{count} {unit}{'s' if count != 1 else ''}"


def population(eligibility: dict) -> tuple[str, str]:
    """A population line (French, English) from the record's age, sex and volunteer fields."""
    low = (_age(eligibility.get("minimumAge"), "fr"), _age(eligibility.get("minimumAge"), "en"))
    high = (_age(eligibility.get("maximumAge"), "fr"), _age(eligibility.get("maximumAge"), "en"))
    if low[0] and high[0]:
        parts = [f"De {low[0]} à {high[0]}"], [f"From {low[1]} to {high[1]}"]
    elif low[0]:
        parts = [f"{low[0]} et plus"], [f"{low[1]} and older"]
    elif high[0]:
        parts = [f"Jusqu'à {high[0]}"], [f"Up to {high[1]}"]
    else:
        parts = ["Âge non précisé par la fiche"], ["Age not stated in the record"]
    sex = {
        "ALL": ("tous sexes", "all sexes"),
        "FEMALE": ("femmes uniquement", "female only"),
        "MALE": ("hommes uniquement", "male only"),
    }.get(eligibility.get("sex", ""))
    if sex:
        parts[0].append(sex[0])
        parts[1].append(sex[1])
    volunteers = eligibility.get("healthyVolunteers")
    if volunteers is not None:
        parts[0].append("volontaires sains acceptés" if volunteers else "pas de volontaires sains")
        parts[1].append("healthy volunteers accepted" if volunteers else "no healthy volunteers")
    return "; ".join(parts[0]), "; ".join(parts[1])


NOT_STATED = ("Non précisé dans la fiche ClinicalTrials.gov.", "Not stated in the record.")


def _both(text: str | None) -> tuple[str, str]:
    """The record's English text in both columns, or "not stated" in each language."""
    text = text.strip() if text else ""
    return (text, text) if text else NOT_STATED


def study_values(record: dict, facts: RecordFacts, slug: str) -> dict:
    """Every Study column, from the record (see the module's honesty rules)."""
    section = record["protocolSection"]
    ident = section["identificationModule"]
    conditions = section.get("conditionsModule", {}).get("conditions", [])
    interventions = section.get("armsInterventionsModule", {}).get("interventions", [])
    eligibility = section.get("eligibilityModule", {})
    title = ident["briefTitle"].strip()
    population_fr, population_en = population(eligibility)
    condition_fr, condition_en = _both(", ".join(c.strip() for c in conditions if c.strip()))
    names = [i["name"].strip() for i in interventions if i.get("name", "").strip()]
    intervention_fr, intervention_en = _both("; ".join(dict.fromkeys(names)))
    eligibility_fr, eligibility_en = _both(eligibility.get("eligibilityCriteria"))
    version = facts.date or "sans date"
    return {
        "slug": slug,
        "title_fr": title,
        "title_en": title,
        "phase": phase(section.get("designModule", {}).get("phases", [])),
        "condition_fr": condition_fr,
        "condition_en": condition_en,
        "orpha_code": None,  # ClinicalTrials.gov records carry no ORPHA code
        "intervention_fr": intervention_fr,
        "intervention_en": intervention_en,
        "population_fr": population_fr,
        "population_en": population_en,
        "eligibility_fr": eligibility_fr,
        "eligibility_en": eligibility_en,
        "disclaimer_fr": (
            f"Textes de l'étude repris tels quels, en anglais et sans traduction, de la fiche "
            f"ClinicalTrials.gov {facts.nct} (version du {version}) : les critères "
            "d'inclusion complets relèvent du protocole, et c'est l'investigateur du centre "
            "qui décide de l'éligibilité."
        ),
        "disclaimer_en": (
            f"The study's texts are taken as they are from ClinicalTrials.gov record "
            f"{facts.nct} (version of {facts.date or 'no date'}): the full inclusion criteria "
            "are in the protocol, and the site's investigator decides eligibility."
        ),
        "registry_ids": {"nct": facts.nct, "euct": None},
        "details": study_details(record, facts)[0],
        "pathway_steps": [],  # a record describes no referral pathway
        "source": facts.source,
        "verified": False,
    }


@dataclass
class ContactValues:
    """A contact as the record gives it, and what was left out of it."""

    values: dict
    dropped: list[str] = field(default_factory=list)

    def key(self) -> tuple:
        """What makes two contacts the same one (provenance aside)."""
        v = self.values
        return (v["role"], v["title"], v["name"], v["email"], v["phone"], v["note_fr"])


def contact_values(contact: dict, source: str) -> ContactValues | None:
    """One location contact as a Contact's columns; None when it holds nothing at all."""
    name = (contact.get("name") or "").strip() or None
    phone = (contact.get("phone") or "").strip() or None
    extension = (contact.get("phoneExt") or "").strip() or None
    email = (contact.get("email") or "").strip() or None
    if not (name or phone or email or contact.get("role")):
        return None
    # The record was checked: its role is one of ROLES (CONTACT when it gives none).
    role, note = ROLES[contact.get("role") or "CONTACT"]
    note_fr, note_en = note if note else (None, None)
    dropped = []
    if phone and not PHONE.fullmatch(phone):
        dropped.append(f"phone {phone!r} is not a phone number")
        phone = extension = None
    if extension:
        note_fr = "; ".join(filter(None, (note_fr, f"poste {extension}")))
        note_en = "; ".join(filter(None, (note_en, f"extension {extension}")))
    if email:
        try:
            EMAIL(email)
        except ValidationError:
            dropped.append(f"email {email!r} is not an email address")
            email = None
    title = None
    if name and (found := TITLE.fullmatch(name)):
        title = "Pr" if found.group(1).lower().startswith("pr") else "Dr"
        name = found.group(2).strip()
    values = {
        "role": role,
        "title": title,
        "name": name,
        "unit": None,
        "note_fr": note_fr,
        "note_en": note_en,
        "email": email,
        "phone": phone,
        "public": True,
        "source": source,
        "verified": False,
        "last_verified_at": None,
    }
    return ContactValues(values, dropped)


def slug_words(text: str, limit: int) -> str:
    """Text as lowercase words joined by hyphens, cut at a word boundary within `limit`."""
    words = fold(text).split()
    out = ""
    for word in words:
        candidate = f"{out}-{word}" if out else word
        if len(candidate) > limit:
            break
        out = candidate
    return out or (words[0][:limit] if words else "")


def _words(term: str) -> str:
    """A term's words, folded and sorted: MeSH writes "Lupus Erythematosus, Systemic"."""
    return " ".join(sorted(fold(term).split()))


def _mesh_codes(record: dict) -> dict[str, tuple[str, str]]:
    """The record's MeSH condition terms, by their words: (term, code)."""
    meshes = record.get("derivedSection", {}).get("conditionBrowseModule", {}).get("meshes", [])
    found: dict[str, tuple[str, str]] = {}
    for mesh in meshes:
        term, code = (mesh.get("term") or "").strip(), (mesh.get("id") or "").strip()
        if term and code:
            found.setdefault(_words(term), (term, code))
    return found


def central_contacts(record: dict) -> tuple[list[dict], list[str]]:
    """The study's central contacts ({name, role, phone, email}) and what was left out."""
    module = record["protocolSection"].get("contactsLocationsModule", {})
    contacts, dropped = [], []
    for number, raw in enumerate(module.get("centralContacts", [])):
        found = contact_values(raw, "")
        if found is None:
            continue
        dropped += [f"centralContacts[{number}]: {d}; left out" for d in found.dropped]
        v = found.values
        name = " ".join(filter(None, (v["title"], v["name"]))) or None
        contacts.append(
            {
                "name": name,
                "role": (raw.get("role") or "CONTACT").lower(),
                "phone": v["phone"],
                "email": v["email"],
            }
        )
    return contacts, dropped


def study_details(record: dict, facts: RecordFacts) -> tuple[dict, list[str]]:
    """What the record says of the study beyond the Study columns (see Study.details).

    Only what the record gives: a key the record leaves out is left out. Returns the
    details and the notes of what was left out of them.
    """
    section = record["protocolSection"]
    ident = section["identificationModule"]
    status = section.get("statusModule", {})
    eligibility = section.get("eligibilityModule", {})
    conditions_module = section.get("conditionsModule", {})
    meshes = _mesh_codes(record)
    conditions, seen = [], set()
    for term in conditions_module.get("conditions", []):
        term = term.strip()
        if term and _words(term) not in seen:
            seen.add(_words(term))
            mesh = meshes.get(_words(term))
            conditions.append({"term": term, "mesh": mesh[1] if mesh else None})
    for key, (term, code) in meshes.items():
        if key not in seen:  # a MeSH heading the record's own words do not name
            seen.add(key)
            conditions.append({"term": term, "mesh": code})
    contacts, dropped = central_contacts(record)
    sponsor = section.get("sponsorCollaboratorsModule", {}).get("leadSponsor", {}).get("name")
    details = {
        "official_title": (ident.get("officialTitle") or "").strip() or None,
        "sponsor": (sponsor or "").strip() or None,
        "start_date": status.get("startDateStruct", {}).get("date"),
        "conditions": conditions,
        "keywords": [k.strip() for k in conditions_module.get("keywords", []) if k.strip()],
        "central_contacts": contacts,
        "minimum_age": (eligibility.get("minimumAge") or "").strip() or None,
        "maximum_age": (eligibility.get("maximumAge") or "").strip() or None,
        "sex": eligibility.get("sex"),
        "status_verified": facts.verified,
    }
    return {k: v for k, v in details.items() if v not in (None, [])}, dropped
