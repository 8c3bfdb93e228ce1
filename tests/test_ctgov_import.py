"""flask studies import-ctgov: a ClinicalTrials.gov record becomes a study with its sites."""

import pytest

from sitedir.admin.models import AuditEvent
from sitedir.extensions import db
from sitedir.models import Contact, Institution, Site, Study
from sitedir.places.gazetteer import get_gazetteer
from tests.ctgov_records import NCT, PHONE, counts, record, write

SLUG = NCT.lower()


def run(runner, *args):
    return runner.invoke(args=["studies", "import-ctgov", *map(str, args)])


@pytest.fixture
def imported(app, runner, tmp_path):
    """The fictional record, imported once."""
    result = run(runner, write(tmp_path, record()))
    assert result.exit_code == 0, result.output
    return result


def sites_of(app, slug=SLUG) -> dict[str, Site]:
    study = db.session.scalar(db.select(Study).where(Study.slug == slug))
    return {s.slug: s for s in study.sites}


def test_creates_the_study_from_the_record_without_translating(app, imported):
    with app.app_context():
        study = db.session.scalar(db.select(Study).where(Study.slug == SLUG))
        title = "Exemple-CAR-T in Refractory Lupus (fictional)"
        # English only in the record: the same words in both columns, nothing translated.
        assert (study.title_fr, study.title_en) == (title, title)
        assert study.condition_fr == study.condition_en == "Systemic Lupus Erythematosus"
        assert study.intervention_en == "Exemple-CAR-T cells"
        assert study.eligibility_fr.startswith("Inclusion Criteria:")
        assert study.phase == "1/2"
        assert study.population_fr == "De 18 ans à 70 ans; tous sexes; pas de volontaires sains"
        assert study.population_en.startswith("From 18 years to 70 years; all sexes")
        assert "en anglais et sans traduction" in study.disclaimer_fr
        assert "l'investigateur du centre qui décide de l'éligibilité" in study.disclaimer_fr
        assert "investigator decides eligibility" in study.disclaimer_en
        assert study.registry_ids == {"nct": NCT, "euct": None}
        assert study.source == f"ClinicalTrials.gov {NCT}, record of 2025-03-14"
        assert study.verified is False
        assert study.orpha_code is None


def test_keeps_french_and_overseas_locations_and_lists_the_others(app, imported):
    output = imported.output
    with app.app_context():
        slugs = set(sites_of(app))
    assert slugs == {
        f"{SLUG}-{town}"
        for town in (
            "clermont-ferrand",
            "lyon",
            "lyon-2",  # a second site in one town
            "saint-denis",
            "pointe-a-pitre",
            "marseille",
            "bordeaux",
            "strasbourg",
            "nantes",
            "toulouse",
        )
    }
    assert "skipped 3 location(s)" in output
    assert "locations[9] Hôpital Exemple Introuvable (Xyzzyville, France): town 'Xyzzyville'" in (
        output
    )
    assert "locations[10] Exemple Klinikum (Berlin, Germany): outside France" in output
    assert "locations[11] Centre Exemple du Pacifique (Nouméa, New Caledonia)" in output
    assert "belongs to no INSEE région" in output


def test_maps_every_location_status_and_never_guesses_recruiting(app, imported):
    with app.app_context():
        sites = sites_of(app)
        status = {slug.removeprefix(f"{SLUG}-"): s.status for slug, s in sites.items()}
        assert status == {
            "clermont-ferrand": "recruiting",
            "lyon": "not_yet_recruiting",
            "lyon-2": "recruiting",
            "saint-denis": "active_not_recruiting",
            "pointe-a-pitre": "active_not_recruiting",  # ENROLLING_BY_INVITATION
            "marseille": "suspended",
            "bordeaux": "completed",
            "strasbourg": "terminated",
            "nantes": "withdrawn",
            "toulouse": "not_yet_recruiting",  # no status in the record
        }
        assert "invitation" in sites[f"{SLUG}-pointe-a-pitre"].status_reason
        assert "ne donne pas le statut" in sites[f"{SLUG}-toulouse"].status_reason
        assert sites[f"{SLUG}-clermont-ferrand"].status_reason is None
        for site in sites.values():
            assert site.source == f"ClinicalTrials.gov {NCT}, record of 2025-03-14"
            assert site.verified is False
            assert site.status_confirmed_at.date().isoformat() == "2025-03-14"


def test_places_sites_from_the_point_or_the_gazetteer(app, imported):
    gazetteer = get_gazetteer()
    with app.app_context():
        sites = sites_of(app)
        reunion = sites[f"{SLUG}-saint-denis"].institution
        assert (reunion.insee, reunion.department, reunion.region) == ("97411", "974", "04")
        assert (reunion.latitude, reunion.longitude) == (-20.8823, 55.4504)  # geoPoint
        lyon = sites[f"{SLUG}-lyon"].institution  # no geoPoint
        place = gazetteer.by_insee("69383")
        assert (lyon.insee, lyon.postcode, lyon.region) == ("69383", "69003", "84")
        assert (lyon.latitude, lyon.longitude) == (place.latitude, place.longitude)
        antilles = sites[f"{SLUG}-pointe-a-pitre"].institution
        assert (antilles.department, antilles.region) == ("971", "01")
        assert lyon.source.startswith(f"ClinicalTrials.gov {NCT}")
        assert lyon.verified is False


def test_shares_an_institution_with_the_other_study_but_not_its_site(app, imported):
    with app.app_context():
        mine = db.session.scalar(db.select(Site).where(Site.slug == f"{SLUG}-clermont-ferrand"))
        seeded = db.session.scalar(db.select(Site).where(Site.slug == "clermont-ferrand"))
        # "CHU de Clermont-Ferrand" in Clermont-Ferrand: the seeded institution, matched.
        assert mine.institution_id == seeded.institution_id
        assert mine.institution.key == "chu-clermont-gabriel-montpied"
        assert mine.study.slug == SLUG and seeded.study.slug == "cart-lupus"
        assert {c.id for c in mine.contacts}.isdisjoint({c.id for c in seeded.contacts})
        # The shared institution is not rewritten by the import.
        assert not mine.institution.source.startswith("ClinicalTrials.gov")


def test_contacts_are_the_records_only(app, imported):
    with app.app_context():
        sites = sites_of(app)
        contacts = sites[f"{SLUG}-clermont-ferrand"].contacts
        fields = [(c.role, c.title, c.name, c.phone, c.email) for c in contacts]
        assert fields == [
            ("principal_investigator", "Dr", "Exemple", PHONE, None),
            ("referral_desk", None, None, None, "essai.exemple@example.org"),
        ]
        assert all(c.source.startswith(f"ClinicalTrials.gov {NCT}") for c in contacts)
        assert not any(c.verified for c in contacts)
        # A role with no name stays a role, with no invented channel.
        (role_only,) = sites[f"{SLUG}-toulouse"].contacts
        assert (role_only.role, role_only.name, role_only.phone, role_only.email) == (
            "principal_investigator",
            None,
            None,
            None,
        )
        assert sites[f"{SLUG}-lyon"].contacts == []


def test_every_write_is_audited_from_the_command_line(app, imported):
    with app.app_context():
        events = db.session.scalars(
            db.select(AuditEvent).where(AuditEvent.action == "study.import")
        ).all()
        targets = {e.target for e in events}
        assert f"study:{SLUG}" in targets
        assert f"site:{SLUG}-lyon" in targets
        assert "institution:hopital-exemple-nord-lyon" in targets
        assert all(e.via == "cli" and e.account_id is None for e in events)


def test_a_second_import_changes_nothing_and_says_so(app, runner, tmp_path, imported):
    before = counts(app)
    result = run(runner, write(tmp_path, record()))
    assert result.exit_code == 0, result.output
    assert f"nothing to change: study {SLUG} already holds this record" in result.output
    assert f"site {SLUG}-lyon: unchanged" in result.output
    assert counts(app) == before


def test_dry_run_prints_the_plan_and_writes_nothing(app, runner, tmp_path):
    before = counts(app)
    result = run(runner, write(tmp_path, record()), "--dry-run")
    assert result.exit_code == 0, result.output
    assert f"study {SLUG} (ClinicalTrials.gov {NCT}, record of 2025-03-14): create" in result.output
    assert f"site {SLUG}-saint-denis: create" in result.output
    assert "dry run: nothing written" in result.output
    assert counts(app) == before


def _updated_record():
    data = record()
    data["protocolSection"]["statusModule"]["lastUpdatePostDateStruct"]["date"] = "2025-04-01"
    locations = data["protocolSection"]["contactsLocationsModule"]["locations"]
    locations[0]["status"] = "SUSPENDED"
    locations[0]["contacts"] = [
        {"name": "Dr Exemple", "role": "PRINCIPAL_INVESTIGATOR", "phone": PHONE},
        {"name": "Pr Modèle", "role": "SUB_INVESTIGATOR"},
    ]
    del locations[7]  # Nantes is no longer listed
    return data


def test_a_newer_record_updates_what_it_changed(app, runner, tmp_path, imported):
    slug = f"{SLUG}-clermont-ferrand"
    with app.app_context():
        site = db.session.scalar(db.select(Site).where(Site.slug == slug))
        version = site.version
        untouched_version = sites_of(app)[f"{SLUG}-bordeaux"].version
        # An admin's contact is not the import's: it stays.
        site.contacts.append(Contact(role="coordinator", source="network_admin", verified=True))
        db.session.commit()
    result = run(runner, write(tmp_path, _updated_record()), "--dry-run")
    assert f"site {slug}: update: status 'recruiting' -> 'suspended'" in result.output
    assert "contacts: 1 added, 1 removed" in result.output
    result = run(runner, write(tmp_path, _updated_record()))
    assert result.exit_code == 0, result.output
    assert f"sites no longer in the record (left as they are):\n  {SLUG}-nantes" in result.output
    with app.app_context():
        site = db.session.scalar(db.select(Site).where(Site.slug == slug))
        assert site.status == "suspended"
        assert [(h.from_status, h.to_status) for h in site.history] == [("recruiting", "suspended")]
        assert site.version > version
        people = [(c.role, c.title, c.name, c.source) for c in site.contacts]
        new_source = f"ClinicalTrials.gov {NCT}, record of 2025-04-01"
        assert people == [
            ("principal_investigator", "Dr", "Exemple", new_source),  # kept, re-sourced
            ("coordinator", None, None, "network_admin"),
            ("collaborator", "Pr", "Modèle", new_source),
        ]
        # The study's source changed: every one of its sites' answers changed with it.
        assert sites_of(app)[f"{SLUG}-bordeaux"].version > untouched_version
        assert sites_of(app)[f"{SLUG}-nantes"].status == "withdrawn"  # left as it was
        event = db.session.scalars(
            db.select(AuditEvent).where(AuditEvent.target == f"site:{slug}").order_by(AuditEvent.id)
        ).all()[-1]
        assert event.before["status"] == "recruiting" and event.after["status"] == "suspended"


def test_a_status_confirmed_after_the_record_is_kept(app, runner, tmp_path, imported):
    from datetime import UTC, datetime

    slug = f"{SLUG}-clermont-ferrand"
    with app.app_context():
        site = db.session.scalar(db.select(Site).where(Site.slug == slug))
        site.status_confirmed_at = datetime(2025, 5, 1, tzinfo=UTC)
        db.session.commit()
    result = run(runner, write(tmp_path, _updated_record()))
    assert result.exit_code == 0, result.output
    assert "the record's status 'suspended' not applied: status confirmed on 2025-05-01" in (
        result.output
    )
    with app.app_context():
        assert db.session.scalar(db.select(Site.status).where(Site.slug == slug)) == "recruiting"


def test_slugs_never_clash_with_other_studies_sites(app, runner, tmp_path):
    with app.app_context():
        seeded = db.session.scalar(db.select(Site).where(Site.slug == "nantes"))
        # Another study's site already holds the slug the import would derive.
        taken = Site(
            slug=f"{SLUG}-lyon",
            study=seeded.study,
            institution=seeded.institution,
            city="Lyon",
            status="recruiting",
            units=[],
            source="test",
        )
        db.session.add(taken)
        db.session.commit()
    result = run(runner, write(tmp_path, record()))
    assert result.exit_code == 0, result.output
    with app.app_context():
        lyon = {s for s in sites_of(app) if "lyon" in s}
        assert lyon == {f"{SLUG}-lyon-2", f"{SLUG}-lyon-3"}


def test_a_custom_slug_names_the_study_and_its_sites(app, runner, tmp_path):
    result = run(runner, write(tmp_path, record()), "--slug", "exemple-lupus")
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert "exemple-lupus-clermont-ferrand" in sites_of(app, "exemple-lupus")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--slug", "cart-lupus"), "study 'cart-lupus' exists and is not the import of"),
        (("--slug", "Not A Slug"), "lowercase words joined by hyphens"),
    ],
)
def test_refuses_a_slug_it_may_not_use(app, runner, tmp_path, args, message):
    before = counts(app)
    result = run(runner, write(tmp_path, record()), *args)
    assert result.exit_code != 0
    assert message in result.output
    assert counts(app) == before


def test_refuses_the_same_record_under_a_second_slug(app, runner, tmp_path, imported):
    before = counts(app)
    result = run(runner, write(tmp_path, record()), "--slug", "another")
    assert result.exit_code != 0
    assert f"{NCT} was already imported as study '{SLUG}': use --slug {SLUG}" in result.output
    assert counts(app) == before


def test_one_facility_listed_twice_is_one_site(app, runner, tmp_path):
    data = record()
    locations = data["protocolSection"]["contactsLocationsModule"]["locations"]
    twin = {**locations[1], "status": "RECRUITING", "contacts": [{"name": "Dr Exemple"}]}
    locations.append(twin)
    result = run(runner, write(tmp_path, data))
    assert result.exit_code == 0, result.output
    assert "locations[13] names the same facility as locations[1]" in result.output
    with app.app_context():
        lyon = sites_of(app)[f"{SLUG}-lyon"]
        assert lyon.status == "recruiting"  # the more open of the two
        assert [(c.role, c.name) for c in lyon.contacts] == [("referral_desk", "Exemple")]


def test_unusable_channels_are_left_out_not_repaired(app, runner, tmp_path):
    data = record()
    location = data["protocolSection"]["contactsLocationsModule"]["locations"][1]
    location["contacts"] = [
        {"name": "Dr Exemple", "role": "CONTACT", "phone": "call the desk", "email": "nobody"},
        {"name": "Pr Modèle", "phone": PHONE, "phoneExt": "1234"},
    ]
    result = run(runner, write(tmp_path, data))
    assert result.exit_code == 0, result.output
    assert "phone 'call the desk' is not a phone number; left out" in result.output
    assert "email 'nobody' is not an email address; left out" in result.output
    with app.app_context():
        first, second = sites_of(app)[f"{SLUG}-lyon"].contacts
        assert (first.name, first.phone, first.email) == ("Exemple", None, None)
        assert (second.phone, second.note_fr, second.note_en) == (
            PHONE,
            "poste 1234",
            "extension 1234",
        )


def test_missing_status_follows_a_closed_study(app, runner, tmp_path):
    data = record()
    data["protocolSection"]["statusModule"]["overallStatus"] = "COMPLETED"
    result = run(runner, write(tmp_path, data))
    assert result.exit_code == 0, result.output
    with app.app_context():
        toulouse = sites_of(app)[f"{SLUG}-toulouse"]
        assert toulouse.status == "completed"
        assert "celui de l'étude est : terminé" in toulouse.status_reason


def test_institutions_it_created_follow_the_record(app, runner, tmp_path, imported):
    data = record()
    location = data["protocolSection"]["contactsLocationsModule"]["locations"][1]
    location["geoPoint"] = {"lat": 45.75, "lon": 4.85}
    with app.app_context():
        version = sites_of(app)[f"{SLUG}-lyon"].version
    result = run(runner, write(tmp_path, data))
    assert result.exit_code == 0, result.output
    assert "institution latitude" in result.output
    with app.app_context():
        lyon = sites_of(app)[f"{SLUG}-lyon"]
        assert (lyon.institution.latitude, lyon.institution.longitude) == (45.75, 4.85)
        assert lyon.version > version
        assert db.session.scalar(db.select(db.func.count()).select_from(Institution)) == 9 + 9


def test_a_postcode_in_other_digits_is_not_stored(app, runner, tmp_path):
    data = record()
    location = data["protocolSection"]["contactsLocationsModule"]["locations"][1]
    location["zip"] = "６９００３"  # fullwidth digits: str.isdigit() says yes
    result = run(runner, write(tmp_path, data))
    assert result.exit_code == 0, result.output
    with app.app_context():
        lyon = sites_of(app)[f"{SLUG}-lyon"]
        assert lyon.institution.department == "69"  # placed by its name
        assert lyon.institution.postcode is None


def test_a_point_far_from_its_town_is_reported_and_used(app, runner, tmp_path):
    data = record()
    location = data["protocolSection"]["contactsLocationsModule"]["locations"][1]
    location["geoPoint"] = {"lat": 48.8566, "lon": 2.3522}  # Paris, for a Lyon facility
    result = run(runner, write(tmp_path, data))
    assert result.exit_code == 0, result.output
    assert "locations[1]: the record's point is 39" in result.output
    assert "km from" in result.output and "the record's point is used" in result.output
    with app.app_context():
        lyon = sites_of(app)[f"{SLUG}-lyon"]
        assert (lyon.institution.latitude, lyon.institution.longitude) == (48.8566, 2.3522)
