"""flask studies import-ctgov: a ClinicalTrials.gov record becomes a study with its sites."""

import pytest

from sitedir.admin.models import AuditEvent
from sitedir.directory.writes import public_writes
from sitedir.extensions import db
from sitedir.models import Contact, Institution, Site, Study
from sitedir.places.gazetteer import get_gazetteer
from tests.ctgov_records import NCT, PHONE, SOURCE, counts, location, record, write

SLUG = NCT.lower()


@pytest.fixture(autouse=True)
def _guarded(app):
    """Every import here writes through the write service: the guard would refuse otherwise."""
    app.config["GUARD_PUBLIC_WRITES"] = True


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
        assert study.source == SOURCE
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
            assert site.source == SOURCE
            assert site.verified is False
            # statusVerifiedDate's month, its first day: not the posting date (2025-03-14).
            assert site.status_confirmed_at.date().isoformat() == "2025-02-01"


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
    assert f"study {SLUG} ({SOURCE}): create" in result.output
    assert f"site {SLUG}-saint-denis: create" in result.output
    assert "dry run: nothing written" in result.output
    assert counts(app) == before


def _updated_record():
    data = record()
    data["protocolSection"]["statusModule"]["lastUpdatePostDateStruct"]["date"] = "2025-04-01"
    data["protocolSection"]["statusModule"]["statusVerifiedDate"] = "2025-04"
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
        with public_writes():
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
        new_source = f"ClinicalTrials.gov {NCT}, statut vérifié en avril 2025"
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
        with public_writes():
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
        with public_writes():
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


def test_a_point_far_from_its_town_is_not_used_and_is_reported(app, runner, tmp_path):
    data = record()
    location = data["protocolSection"]["contactsLocationsModule"]["locations"][1]
    location["geoPoint"] = {"lat": 50.6329, "lon": 3.0573}  # Lille, for a Lyon facility
    result = run(runner, write(tmp_path, data))
    assert result.exit_code == 0, result.output
    assert (
        "locations[1]: the record's point is 558 km from Lyon 3e Arrondissement (69)"
        in result.output
    )
    assert "not used: the commune's point is (precision: commune)" in result.output
    lyon_commune = get_gazetteer().by_insee("69383")
    with app.app_context():
        lyon = sites_of(app)[f"{SLUG}-lyon"]
        assert (lyon.institution.latitude, lyon.institution.longitude) == (
            lyon_commune.latitude,
            lyon_commune.longitude,
        )
        assert lyon.institution.point_precision == "commune"
    public = app.test_client().get(f"/api/v1/sites/{SLUG}-lyon").get_json()
    assert public["point_precision"] == "commune"
    answer = app.test_client().get("/api/v1/nearest?q=Lille&limit=1").get_json()
    assert answer["results"][0]["id"] != f"{SLUG}-lyon" or answer["results"][0]["distance_km"] > 500


def test_a_point_near_its_town_is_the_sites(app, runner, tmp_path):
    data = record()
    location = data["protocolSection"]["contactsLocationsModule"]["locations"][1]
    location["geoPoint"] = {"lat": 45.7601, "lon": 4.8801}  # 3 km from Lyon's point
    result = run(runner, write(tmp_path, data))
    assert result.exit_code == 0, result.output
    assert "locations[1]: the record's point" not in result.output
    with app.app_context():
        lyon = sites_of(app)[f"{SLUG}-lyon"].institution
        assert (lyon.latitude, lyon.longitude) == (45.7601, 4.8801)
        assert lyon.point_precision is None  # the building's point


# --- issue 20: defects that misplace patients ----------------------------------------------


def _only(*locations, **status):
    return record(locations=list(locations), **({"status": status} if status else {}))


def test_saint_denis_france_is_not_la_reunion(app, runner, tmp_path):
    data = _only(location("Centre hospitalier de Saint-Denis", "Saint-Denis", "", "France"))
    result = run(runner, write(tmp_path, data))
    assert result.exit_code == 0, result.output
    with app.app_context():
        (site,) = sites_of(app).values()
        assert (site.institution.department, site.institution.insee) == ("93", "93066")
    assert "also possible: Saint-Denis (11)" in result.output


def test_an_ambiguous_town_is_skipped_with_its_candidates(app, runner, tmp_path):
    data = _only(
        location("Centre hospitalier", "Marly", "", "France"),
        location("Hôpital Exemple Nord", "Lyon", "69003"),
    )
    result = run(runner, write(tmp_path, data))
    assert result.exit_code == 0, result.output
    assert "locations[0] Centre hospitalier (Marly, France): town 'Marly' is ambiguous" in (
        result.output
    )
    assert "Marly (59)" in result.output and "Marly (57)" in result.output
    with app.app_context():
        assert set(sites_of(app)) == {f"{SLUG}-lyon"}


def test_a_cedex_postcode_and_an_uppercase_town(app, runner, tmp_path):
    data = _only(location("CHU Exemple Cedex", "CLERMONT-FERRAND CEDEX 1", "63003"))
    result = run(runner, write(tmp_path, data))
    assert result.exit_code == 0, result.output
    with app.app_context():
        (site,) = sites_of(app).values()
        assert site.city == site.institution.city == "Clermont-Ferrand"
        assert site.institution.postcode is None  # a CEDEX code is no address's postcode
        assert site.institution.insee == "63113"
        assert site.slug == f"{SLUG}-clermont-ferrand"


def test_a_facility_listed_twice_has_each_contact_once(app, runner, tmp_path):
    person = {"name": "Dr Exemple", "role": "PRINCIPAL_INVESTIGATOR", "phone": PHONE}
    desk = {"role": "CONTACT", "email": "essai.exemple@example.org"}
    data = _only(
        location("Hôpital Exemple Nord", "Lyon", "69003", contacts=[person, desk]),
        location("Hôpital Exemple Nord", "LYON", "69003", contacts=[person, person]),
    )
    result = run(runner, write(tmp_path, data))
    assert result.exit_code == 0, result.output
    with app.app_context():
        (site,) = sites_of(app).values()
        assert [(c.role, c.name) for c in site.contacts] == [
            ("principal_investigator", "Exemple"),
            ("referral_desk", None),
        ]
    again = run(runner, write(tmp_path, data))
    assert "nothing to change" in again.output


def test_an_unknown_status_skips_that_location_only(app, runner, tmp_path):
    data = _only(
        location("Hôpital Exemple Nord", "Lyon", "69003", status="PAUSED_FOR_AUDIT"),
        location("Hôpital Exemple Sud", "Marseille", "13005"),
    )
    result = run(runner, write(tmp_path, data))
    assert result.exit_code == 0, result.output
    assert "locations[0] Hôpital Exemple Nord (Lyon, France): unknown status" in result.output
    with app.app_context():
        assert set(sites_of(app)) == {f"{SLUG}-marseille"}


def test_a_record_with_no_french_site_creates_no_study(app, runner, tmp_path):
    before = counts(app)
    data = _only(location("Exemple Klinikum", "Berlin", "10117", country="Germany"))
    result = run(runner, write(tmp_path, data))
    assert result.exit_code == 0, result.output
    assert "not imported: no location of the record is a site in France" in result.output
    assert counts(app) == before


def test_status_verified_date_is_the_confirmation_and_the_provenance(app, runner, tmp_path):
    data = _only(
        location("Hôpital Exemple Nord", "Lyon", "69003"),
        statusVerifiedDate="2026-09",
    )
    result = run(runner, write(tmp_path, data))
    assert result.exit_code == 0, result.output
    with app.app_context():
        (site,) = sites_of(app).values()
        assert site.status_confirmed_at.date().isoformat() == "2026-09-01"
        assert site.source == f"ClinicalTrials.gov {NCT}, statut vérifié en septembre 2026"
        assert site.verified is False


def test_without_status_verified_date_nothing_is_confirmed(app, runner, tmp_path):
    data = _only(location("Hôpital Exemple Nord", "Lyon", "69003"))
    del data["protocolSection"]["statusModule"]["statusVerifiedDate"]
    result = run(runner, write(tmp_path, data))
    assert result.exit_code == 0, result.output
    with app.app_context():
        (site,) = sites_of(app).values()
        assert site.status_confirmed_at is None  # the posting date confirms nothing
        assert "statut non vérifié" in site.source


def test_a_persons_later_confirmation_counts_over_the_records(app, runner, tmp_path, imported):
    from datetime import UTC, datetime

    slug = f"{SLUG}-lyon"
    with app.app_context():
        site = db.session.scalar(db.select(Site).where(Site.slug == slug))
        with public_writes():
            site.status_confirmed_at = datetime(2025, 3, 10, tzinfo=UTC)  # after 2025-02
            db.session.commit()
    data = record()
    data["protocolSection"]["contactsLocationsModule"]["locations"][1]["status"] = "COMPLETED"
    result = run(runner, write(tmp_path, data))
    assert "the record's status 'completed' not applied: status confirmed on 2025-03-10" in (
        result.output
    )
    with app.app_context():
        site = db.session.scalar(db.select(Site).where(Site.slug == slug))
        assert site.status == "not_yet_recruiting"


def test_a_newer_record_confirms_its_status_change_at_its_verified_month(
    app, runner, tmp_path, imported
):
    data = record(status={"statusVerifiedDate": "2025-06"})
    data["protocolSection"]["contactsLocationsModule"]["locations"][1]["status"] = "RECRUITING"
    result = run(runner, write(tmp_path, data))
    assert result.exit_code == 0, result.output
    with app.app_context():
        site = sites_of(app)[f"{SLUG}-lyon"]
        assert site.status == "recruiting"
        assert site.status_confirmed_at.date().isoformat() == "2025-06-01"
        assert site.history[-1].to_status == "recruiting"


def test_the_records_details_are_kept_and_published(app, client, imported):
    with app.app_context():
        study = db.session.scalar(db.select(Study).where(Study.slug == SLUG))
        assert study.details == {
            "official_title": "A Fictional Phase 1/2 Study of Exemple-CAR-T",
            "sponsor": "Exemple Biotech (fictional)",
            "start_date": "2024-06-03",
            # The record's words, with the MeSH heading that names the same thing.
            "conditions": [{"term": "Systemic Lupus Erythematosus", "mesh": "D008180"}],
            "keywords": ["CAR-T"],
            "central_contacts": [
                {
                    "name": "Exemple Trial Desk",
                    "role": "contact",
                    "phone": "+33 4 00 00 00 00",
                    "email": "trial.desk@example.org",
                }
            ],
            "minimum_age": "18 Years",
            "maximum_age": "70 Years",
            "sex": "ALL",
            "status_verified": "2025-02",
        }
        # The central contact is the study's, not a site's.
        emails = db.session.scalars(db.select(Contact.email)).all()
        assert "trial.desk@example.org" not in emails
    public = client.get(f"/api/v1/studies/{SLUG}").get_json()
    assert public["details"]["sponsor"] == "Exemple Biotech (fictional)"
    assert public["registry_ids"]["nct"] == NCT
