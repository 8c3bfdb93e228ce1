"""Fictional ClinicalTrials.gov records (API v2 shape) for the import tests: no real study,
person, phone number or email address."""

import copy

NCT = "NCT09999901"
PHONE = "+33 1 00 00 00 00"


def _location(facility, city, zip_code, country="France", status="RECRUITING", **extra):
    location = {"facility": facility, "city": city, "zip": zip_code, "country": country}
    if status is not None:
        location["status"] = status
    location.update(extra)
    return location


LOCATIONS = [
    # 0: an institution the directory already has (seeded for the other study).
    _location(
        "CHU de Clermont-Ferrand",
        "Clermont-Ferrand",
        "63000",
        geoPoint={"lat": 45.7797, "lon": 3.0863},
        contacts=[
            {"name": "Dr Exemple", "role": "PRINCIPAL_INVESTIGATOR", "phone": PHONE},
            {"role": "CONTACT", "email": "essai.exemple@example.org"},
        ],
    ),
    # 1: a new institution, no geoPoint: its point comes from the gazetteer.
    _location("Hôpital Exemple Nord", "Lyon", "69003", status="NOT_YET_RECRUITING"),
    # 2, 3: overseas, under the country names ClinicalTrials.gov uses.
    _location(
        "CHU Exemple de La Réunion",
        "Saint-Denis",
        "97400",
        country="Réunion",
        status="ACTIVE_NOT_RECRUITING",
        geoPoint={"lat": -20.8823, "lon": 55.4504},
    ),
    _location(
        "Centre Exemple des Antilles",
        "Pointe-à-Pitre",
        "97110",
        country="Guadeloupe",
        status="ENROLLING_BY_INVITATION",
    ),
    _location("Hôpital Exemple Sud", "Marseille", "13005", status="SUSPENDED"),
    _location("Clinique Exemple", "Bordeaux", "33000", status="COMPLETED"),
    _location("Hôpital Exemple Est", "Strasbourg", "67000", status="TERMINATED"),
    _location("Hôpital Exemple Ouest", "Nantes", "44000", status="WITHDRAWN"),
    # 8: no status at all.
    _location(
        "Hôpital Exemple Sans Statut",
        "Toulouse",
        "31000",
        status=None,
        contacts=[{"role": "PRINCIPAL_INVESTIGATOR"}],
    ),
    # 9: a town the gazetteer does not know.
    _location("Hôpital Exemple Introuvable", "Xyzzyville", "99999"),
    # 10: abroad.
    _location("Exemple Klinikum", "Berlin", "10117", country="Germany"),
    # 11: an overseas collectivité without an INSEE région.
    _location("Centre Exemple du Pacifique", "Nouméa", "98800", country="New Caledonia"),
    # 12: a second site in Lyon.
    _location("Hôpital Exemple Rive Gauche", "Lyon", "69008"),
]

RECORD = {
    "protocolSection": {
        "identificationModule": {
            "nctId": NCT,
            "briefTitle": "Exemple-CAR-T in Refractory Lupus (fictional)",
            "officialTitle": "A Fictional Phase 1/2 Study of Exemple-CAR-T",
        },
        "statusModule": {
            "statusVerifiedDate": "2025-02",
            "overallStatus": "RECRUITING",
            "startDateStruct": {"date": "2024-06-03", "type": "ACTUAL"},
            "lastUpdatePostDateStruct": {"date": "2025-03-14", "type": "ACTUAL"},
        },
        "sponsorCollaboratorsModule": {
            "leadSponsor": {"name": "Exemple Biotech (fictional)", "class": "INDUSTRY"}
        },
        "conditionsModule": {
            "conditions": ["Systemic Lupus Erythematosus"],
            "keywords": ["CAR-T"],
        },
        "designModule": {"phases": ["PHASE1", "PHASE2"]},
        "armsInterventionsModule": {
            "interventions": [{"type": "BIOLOGICAL", "name": "Exemple-CAR-T cells"}]
        },
        "eligibilityModule": {
            "eligibilityCriteria": "Inclusion Criteria:\n\n* Fictional criterion",
            "healthyVolunteers": False,
            "sex": "ALL",
            "minimumAge": "18 Years",
            "maximumAge": "70 Years",
        },
        "contactsLocationsModule": {
            "centralContacts": [
                {
                    "name": "Exemple Trial Desk",
                    "role": "CONTACT",
                    "phone": "+33 4 00 00 00 00",
                    "email": "trial.desk@example.org",
                }
            ],
            "locations": LOCATIONS,
        },
    },
    "derivedSection": {
        "conditionBrowseModule": {
            "meshes": [{"id": "D008180", "term": "Lupus Erythematosus, Systemic"}]
        }
    },
    "hasResults": False,
}
SOURCE = f"ClinicalTrials.gov {NCT}, statut vérifié en février 2025"


def record(**changes) -> dict:
    """A deep copy of RECORD; `locations=` replaces the location list, `status=` updates
    the status module."""
    data = copy.deepcopy(RECORD)
    if "locations" in changes:
        data["protocolSection"]["contactsLocationsModule"]["locations"] = changes.pop("locations")
    if "status" in changes:
        data["protocolSection"]["statusModule"].update(changes.pop("status"))
    assert not changes, changes
    return data


def location(facility, city, zip_code, country="France", status="RECRUITING", **extra):
    """One location of a record, as ClinicalTrials.gov writes it."""
    return _location(facility, city, zip_code, country, status, **extra)


def write(tmp_path, data, name="record.json"):
    """Write a record (or any JSON-able value, or raw text) to a file; return its path."""
    import json

    path = tmp_path / name
    path.write_text(data if isinstance(data, str) else json.dumps(data), encoding="utf-8")
    return str(path)


def counts(app):
    """How many rows the import could touch: a write changes at least one of these."""
    from sitedir.admin.models import AuditEvent
    from sitedir.extensions import db
    from sitedir.models import Contact, Institution, Site, StatusChange, Study

    with app.app_context():
        models = (Study, Site, Institution, Contact, StatusChange, AuditEvent)
        numbers = {
            m.__name__: db.session.scalar(db.select(db.func.count()).select_from(m)) for m in models
        }
        numbers["versions"] = db.session.scalar(db.select(db.func.sum(Site.version)))
        return numbers
