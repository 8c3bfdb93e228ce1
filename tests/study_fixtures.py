"""Three studies for the study tests: the seeded CAR-T lupus study, a fictional lupus record
and a fictional multiple sclerosis record, both imported with `flask studies import-ctgov`
from tests/ctgov_records.py, with the registry details an import keeps (written here: no
real study, person, phone number or email).
"""

import copy

import pytest
from sqlalchemy.orm.attributes import flag_modified

from sitedir.extensions import db
from sitedir.models import Study
from tests.ctgov_records import LOCATIONS, NCT, record, write

LUPUS = NCT.lower()  # nct09999901
MS_NCT = "NCT09999902"
MS = MS_NCT.lower()

LUPUS_DETAILS = {
    "official_title": "A Fictional Phase 1/2 Study of Exemple-CAR-T",
    "sponsor": "Exemple Biotech (fictional)",
    "start_date": "2025-01-15",
    "conditions": [{"term": "Systemic Lupus Erythematosus", "mesh": "D008180"}],
    "keywords": ["CAR-T"],
    "central_contacts": [
        {
            "name": "Central Exemple",
            "role": "CONTACT",
            "phone": "+33 1 00 00 00 00",
            "email": "central@example.org",
        }
    ],
    "minimum_age": "18 Years",
    "maximum_age": "70 Years",
    "sex": "ALL",
    "status_verified": "2025-03",
}
MS_DETAILS = {
    "sponsor": "Exemple Neuro (fictional)",
    "conditions": [{"term": "Multiple Sclerosis", "mesh": "D009103"}],
    "keywords": ["Sclérose en plaques"],
    "minimum_age": "18 Years",
    "sex": "FEMALE",
}


def lupus_record() -> dict:
    """The lupus record, its Clermont-Ferrand site closed: its nearest open site to Vichy
    is in Lyon, farther than the seeded study's Clermont-Ferrand."""
    locations = copy.deepcopy(LOCATIONS)
    locations[0]["status"] = "COMPLETED"
    return record(locations=locations)


def ms_record() -> dict:
    """A multiple sclerosis record with no open site."""
    data = record(locations=[copy.deepcopy(LOCATIONS[5]), copy.deepcopy(LOCATIONS[6])])
    section = data["protocolSection"]
    section["identificationModule"] = {
        "nctId": MS_NCT,
        "briefTitle": "Exemple cell therapy in multiple sclerosis (fictional)",
    }
    section["conditionsModule"] = {"conditions": ["Multiple Sclerosis"]}
    section["armsInterventionsModule"] = {
        "interventions": [{"type": "BIOLOGICAL", "name": "Exemple cells"}]
    }
    return data


def import_record(runner, tmp_path, data, name):
    result = runner.invoke(args=["studies", "import-ctgov", write(tmp_path, data, name)])
    assert result.exit_code == 0, result.output


def set_details(app, slug, details):
    """Write a study's registry details, touching its sites as the importer does when a
    study changes (so that every process's snapshot reads it again)."""
    with app.app_context():
        study = db.session.scalar(db.select(Study).where(Study.slug == slug))
        study.details = details
        for site in study.sites:
            flag_modified(site, "units")
        db.session.commit()


@pytest.fixture
def three_studies(app, runner, tmp_path):
    import_record(runner, tmp_path, lupus_record(), "lupus.json")
    import_record(runner, tmp_path, ms_record(), "ms.json")
    set_details(app, LUPUS, LUPUS_DETAILS)
    set_details(app, MS, MS_DETAILS)
    return app
