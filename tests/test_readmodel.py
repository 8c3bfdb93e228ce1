"""The read model (sitedir/readmodel/): one site's change makes one entry again, in every
projection (the JSON form, FHIR, the map markers, the vCards), and time-dependent values
are added by each answer, never stored."""

from datetime import timedelta

import pytest

from sitedir.directory import changes
from sitedir.domain import clock
from sitedir.domain.vocabulary import FHIR_LOCATION_STATUS
from sitedir.extensions import db
from sitedir.fhir.catalogue import fhir_model
from sitedir.models import Site
from sitedir.readmodel import snapshot as snapshot_module

STUDY = "cart-lupus"


def _read_every_projection(client) -> None:
    assert client.get("/api/v1/sites?limit=1000").status_code == 200
    assert client.get("/api/v1/nearest?q=Vichy&study=" + STUDY).status_code == 200
    assert client.get("/fhir/Location?_count=100").status_code == 200
    assert client.get("/fhir/ResearchStudy").status_code == 200
    assert client.get(f"/?study={STUDY}").status_code == 200  # the map's markers
    for slug in ("nantes", "clermont-ferrand"):
        assert client.get(f"/api/v1/sites/{slug}/contacts.vcf").status_code == 200


def _counts(app) -> dict:
    with app.app_context():
        fhir = dict(fhir_model().rebuilt)
    return {
        "fhir_sites": fhir.get("site", 0),
        "fhir_studies": fhir.get("study", 0),
        "markers": app.extensions.get("sitedir_marker_rebuilt", [0])[0],
        "vcards": app.extensions.get("sitedir_vcard_rebuilt", [0])[0],
    }


def test_one_site_change_rebuilds_one_entry_in_every_projection(app, client, monkeypatch):
    dumped = []
    original = snapshot_module._serialise
    monkeypatch.setattr(
        snapshot_module, "_serialise", lambda s: dumped.append(s.slug) or original(s)
    )
    _read_every_projection(client)
    with app.app_context():
        total = db.session.scalar(db.select(db.func.count(Site.id)))
    assert len(dumped) == total  # the first read made every entry
    before = _counts(app)
    assert before["fhir_sites"] == total and before["markers"] > 0 and before["vcards"] == 2
    dumped.clear()
    _read_every_projection(client)  # nothing changed: nothing made again
    assert dumped == [] and _counts(app) == before

    with app.app_context():
        site = db.session.scalar(db.select(Site).where(Site.slug == "nantes"))
        new = "active_not_recruiting" if site.status != "active_not_recruiting" else "recruiting"
        changes.change_site(site, {"status": new}, None)
    _read_every_projection(client)
    after = _counts(app)
    assert dumped == ["nantes"]  # the JSON form
    assert after["fhir_sites"] - before["fhir_sites"] == 1  # its Location, roles, hospital
    assert after["fhir_studies"] - before["fhir_studies"] == 1  # the study that lists it
    assert after["markers"] - before["markers"] == 1
    assert after["vcards"] - before["vcards"] == 1  # nantes's cards; clermont's are kept
    location = client.get("/fhir/Location/nantes").get_json()
    assert location["status"] == FHIR_LOCATION_STATUS[new]


def test_stale_is_added_at_answer_time_and_a_new_day_rebuilds_no_json(
    app, client, tokens, monkeypatch
):
    dumped = []
    original = snapshot_module._serialise
    monkeypatch.setattr(
        snapshot_module, "_serialise", lambda s: dumped.append(s.slug) or original(s)
    )
    client.post("/api/v1/sites/clermont-ferrand/confirm", headers=tokens["own"])
    sites = {s["id"]: s for s in client.get("/api/v1/sites").get_json()}
    assert sites["clermont-ferrand"]["stale"] is False
    with app.app_context():
        built = snapshot_module.current_snapshot()
        row = next(r for r in built.rows if r.id == "clermont-ferrand")
        assert b'"stale":' in row.codec.unpack(row.packed)
        assert b'"stale":true' not in row.codec.unpack(row.packed)
        assert b'"stale":false' not in row.codec.unpack(row.packed)  # no value stored
    dumped.clear()
    later = clock.today_in_paris() + timedelta(days=app.config["STALE_DAYS"] + 1)
    monkeypatch.setattr(clock, "today_in_paris", lambda: later)
    sites = {s["id"]: s for s in client.get("/api/v1/sites").get_json()}
    assert sites["clermont-ferrand"]["stale"] is True
    nearest = client.get("/api/v1/nearest?q=Clermont-Ferrand&study=" + STUDY).get_json()
    shown = {s["id"]: s["stale"] for s in nearest["results"] + nearest["nearer_not_open"]}
    assert shown["clermont-ferrand"] is True
    assert dumped == []  # a new day re-encodes nothing
    with app.app_context():
        assert snapshot_module.current_snapshot() is built  # the day is not in its key


def test_near_searches_from_the_index_answer_as_a_pass_over_every_site(client):
    """`near` reads the Locations' spatial index (the page and a count), and gives what a
    pass over every record gives: the same matches, order, distances and total."""
    scan = "&_lastUpdated=gt2000-01-01"  # a filter the index does not hold: every record
    for origin in ("45.77|3.08", "48.85|2.35", "43.6|1.44", "-21.1|55.5"):
        for reach in ("", "|50|km", "|300|km", "|800000|m"):
            for extra in ("", "&status=active", "&study=" + STUDY, "&_count=2&_offset=1"):
                query = f"/fhir/Location?near={origin}{reach}{extra}"
                indexed, scanned = client.get(query).get_json(), client.get(query + scan).get_json()
                assert indexed["total"] == scanned["total"], query
                assert _hits(indexed) == _hits(scanned), query
    assert client.get("/fhir/Location?near=45.77|3.08|800|km").get_json()["total"] > 0


def _hits(bundle) -> list:
    return [
        (e["resource"]["id"], e["search"]["extension"][0]["valueDistance"]["value"])
        for e in bundle.get("entry", [])
        if e["search"]["mode"] == "match"
    ]


def test_fhir_catches_up_from_the_snapshots_log_after_several_builds(app, client):
    """Two changes, each seen by a JSON read first: FHIR's next request makes the two
    entries again (from the snapshot's log), not a comparison of every site."""
    client.get("/fhir/Location?_count=1")
    with app.app_context():
        before = fhir_model().rebuilt["site"]
    for slug in ("nantes", "toulouse"):
        with app.app_context():
            site = db.session.scalar(db.select(Site).where(Site.slug == slug))
            new = (
                "active_not_recruiting" if site.status != "active_not_recruiting" else "recruiting"
            )
            changes.change_site(site, {"status": new}, None)
        assert client.get("/api/v1/sites").status_code == 200  # the read model moves on
    body = client.get("/fhir/Location?_count=100").get_json()
    with app.app_context():
        assert fhir_model().rebuilt["site"] - before == 2
    statuses = {e["resource"]["id"]: e["resource"]["status"] for e in body["entry"]}
    with app.app_context():
        for slug in ("nantes", "toulouse"):
            site = db.session.scalar(db.select(Site).where(Site.slug == slug))
            assert statuses[slug] == FHIR_LOCATION_STATUS[site.status]


def test_a_near_search_for_no_page_still_counts(client):
    """_count=0 (or _summary=count): no page to find, the total still counted."""
    for query in ("&_count=0", "&_summary=count"):
        bundle = client.get(f"/fhir/Location?near=45.77|3.08|800|km{query}").get_json()
        assert bundle["total"] > 0 and "entry" not in bundle


# ---- hospitals with no site ------------------------------------------------------------

HOSPITAL = {
    "key": "chu-limoges-dupuytren",
    "name": "CHU de Limoges",
    "site_name": "Hôpital Dupuytren",
    "address": "2 avenue Martin-Luther-King",
    "postcode": "87000",
    "city": "Limoges",
    "insee": "87085",
    "department": "87",
    "region": "75",
    "latitude": 45.8155,
    "longitude": 1.2367,
    "finess": "870000015",
    "source": "test",
}


def _organizations(client, query: str = "") -> dict:
    bundle = client.get(f"/fhir/Organization?_count=100{query}").get_json()
    return {
        e["resource"]["id"]: e["resource"]
        for e in bundle.get("entry", [])
        if e["search"]["mode"] == "match"
    }


def test_a_hospital_with_no_site_is_an_organization(app, client):
    """Every hospital the directory holds is an Organization (the CapabilityStatement and
    the README say "the hospitals"), a site or not: read, searched, included."""
    from sitedir.models import Institution, ReferenceCentre

    client.get("/fhir/Organization")  # the projection is built before the hospital comes
    with app.app_context():
        changes.create_institution(dict(HOSPITAL), None, "institution.create")
        hospitals = db.session.scalar(db.select(db.func.count(Institution.id)))
        centres = db.session.scalar(db.select(db.func.count(ReferenceCentre.id)))
    read = client.get(f"/fhir/Organization/{HOSPITAL['key']}")
    assert read.status_code == 200, read.get_data(as_text=True)
    organization = read.get_json()
    assert organization["name"] == "CHU de Limoges – Hôpital Dupuytren"
    assert organization["identifier"] == [
        {"system": "https://finess.esante.gouv.fr", "value": HOSPITAL["finess"]}
    ]
    assert organization["meta"]["versionId"] == "1"
    everything = client.get("/fhir/Organization?_count=100").get_json()
    assert everything["total"] == hospitals + centres  # every hospital, every centre
    assert list(_organizations(client, "&name=hopital%20dupuy")) == [HOSPITAL["key"]]
    assert list(_organizations(client, "&address-city=Limoges")) == [HOSPITAL["key"]]
    assert list(_organizations(client, "&identifier=870000015")) == [HOSPITAL["key"]]
    revinclude = client.get(
        f"/fhir/Organization?_id={HOSPITAL['key']}&_revinclude=Location:organization"
        "&_revinclude=PractitionerRole:organization"
    ).get_json()
    assert [e["resource"]["id"] for e in revinclude["entry"]] == [HOSPITAL["key"]]
    # A fresh process sees it too (a first build), with the same version.
    with app.app_context():
        app.extensions.pop("sitedir_fhir", None)
        app.extensions.pop("sitedir_snapshot", None)
    again = client.get(f"/fhir/Organization/{HOSPITAL['key']}").get_json()
    assert again["meta"] == organization["meta"]


def test_a_hospital_change_makes_its_organization_again_and_nothing_else(app, client):
    """A hospital with no site, corrected: one Organization made again (a new version), no
    site's entry, no full rebuild."""
    from sitedir.models import Institution

    with app.app_context():
        changes.create_institution(dict(HOSPITAL), None, "institution.create")
    assert client.get(f"/fhir/Organization/{HOSPITAL['key']}").status_code == 200
    with app.app_context():
        before = dict(fhir_model().rebuilt)
        institution = db.session.scalar(
            db.select(Institution).where(Institution.key == HOSPITAL["key"])
        )
        changes.update_institution(institution, {"switchboard": "05 55 05 55 55"}, None)
    organization = client.get(f"/fhir/Organization/{HOSPITAL['key']}").get_json()
    assert organization["telecom"] == [
        {"system": "phone", "value": "05 55 05 55 55", "use": "work"}
    ]
    assert organization["meta"]["versionId"] == "2"
    with app.app_context():
        after = dict(fhir_model().rebuilt)
    assert after.get("hospital", 0) - before.get("hospital", 0) == 1
    assert after.get("site", 0) == before.get("site", 0)  # no site changed
    assert after.get("centres", 0) == before.get("centres", 0)


def test_hospitals_are_kept_from_fhirs_first_ask_on(app, client, monkeypatch):
    """The JSON API reads no hospital and builds no FHIR group of trees; FHIR's first
    request makes them once, in the snapshot the JSON API was answering from (same
    fingerprint, parent and log), and every later build keeps them up to date, one
    hospital at a time."""
    from sitedir.models import Institution

    made = []
    original = snapshot_module._hospital_row
    monkeypatch.setattr(
        snapshot_module, "_hospital_row", lambda i, c: made.append(i.key) or original(i, c)
    )
    assert client.get("/api/v1/nearest?q=Vichy").status_code == 200
    with app.app_context():
        plain = snapshot_module.current_snapshot()
        hospitals = db.session.scalar(db.select(db.func.count(Institution.id)))
    assert made == [] and not plain.with_fhir and not plain.hospitals
    assert client.get("/fhir/Organization").status_code == 200
    assert len(made) == hospitals  # every hospital, once
    with app.app_context():
        filled = snapshot_module.current_snapshot()  # a JSON read: the filled one
    assert filled.with_fhir and len(filled.hospitals) == hospitals
    assert (filled.fingerprint, filled.parent, filled.log) == (
        plain.fingerprint,
        plain.parent,
        plain.log,
    )
    assert filled.rows is plain.rows
    # FHIR's near searches' groups (every site whatever its status), in the index from now on.
    every_status = (STUDY, snapshot_module.EVERY_STATUS, True)
    assert every_status not in plain.index.groups and every_status in filled.index.groups
    made.clear()
    with app.app_context():
        changes.create_institution(dict(HOSPITAL), None, "institution.create")
    assert client.get("/api/v1/nearest?q=Vichy").status_code == 200  # JSON moves first
    with app.app_context():
        moved = snapshot_module.current_snapshot()
    assert made == [HOSPITAL["key"]] and HOSPITAL["key"] in moved.hospitals
    assert [h.key for h in moved.changed_hospitals] == [HOSPITAL["key"]]
    assert every_status in moved.index.groups
    assert client.get(f"/fhir/Organization/{HOSPITAL['key']}").status_code == 200


def test_a_failed_first_read_of_the_hospitals_is_made_good_by_the_next_ask(
    app, client, monkeypatch
):
    from sqlalchemy.exc import OperationalError

    from sitedir.models import Institution

    made = []
    original = snapshot_module._hospital_row

    def failing(inst, cache):
        if len(made) == 3:
            raise OperationalError("SELECT", {}, Exception("the database went away"))
        made.append(inst.key)
        return original(inst, cache)

    monkeypatch.setattr(snapshot_module, "_hospital_row", failing)
    assert client.get("/api/v1/nearest?q=Vichy").status_code == 200
    assert client.get("/fhir/Organization").status_code == 503  # nothing of FHIR's yet
    monkeypatch.setattr(snapshot_module, "_hospital_row", original)
    with app.app_context():
        hospitals = set(db.session.scalars(db.select(Institution.key)))
    bundle = client.get("/fhir/Organization?_count=100").get_json()
    keys = {e["resource"]["id"] for e in bundle["entry"] if e["search"]["mode"] == "match"}
    assert len(made) == 3 and hospitals <= keys  # every hospital is an Organization
    # The sites' entries were kept through it: a change makes one again, not all of them.
    dumped = []
    serialise = snapshot_module._serialise
    monkeypatch.setattr(
        snapshot_module, "_serialise", lambda s: dumped.append(s.slug) or serialise(s)
    )
    with app.app_context():
        site = db.session.scalar(db.select(Site).where(Site.slug == "nantes"))
        new = "active_not_recruiting" if site.status != "active_not_recruiting" else "recruiting"
        changes.change_site(site, {"status": new}, None)
    assert client.get("/api/v1/nearest?q=Vichy").status_code == 200
    assert dumped == ["nantes"]


def test_fhirs_first_ask_after_a_failed_build_builds_again_with_its_parts(app, client):
    """A build that failed forgets the cache's snapshot while the last good one still
    answers (fresh): FHIR's first request then builds again, its parts with it."""
    assert client.get("/api/v1/nearest?q=Vichy").status_code == 200
    with app.app_context():
        store = app.extensions["sitedir_snapshot"]
        store["sites"].snapshot = None  # what a failed build leaves
        store["sites"].epoch = None
    response = client.get("/fhir/Organization?_count=100")
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    with app.app_context():
        assert snapshot_module.current_snapshot().with_fhir


def test_fhir_refuses_a_snapshot_without_its_parts(app):
    with app.app_context():
        snapshot = snapshot_module.current_snapshot()
        with pytest.raises(ValueError, match="fhir=True"):
            fhir_model().follow(snapshot)


def test_near_with_status_filters_the_index_does_not_hold_answers_as_a_pass(client):
    """Alternatives of `status`, a status that is not `active`, or `status` twice: the
    matches and the total are those of a pass over every record."""
    scan = "&_lastUpdated=gt2000-01-01"
    for extra in (
        "&status=active,suspended",
        "&status=suspended",
        "&status=inactive|suspended",
        "&status=active&status=suspended",
        "&status=active&study=" + STUDY,
        "&status=active&study=no-such-study",
    ):
        for reach in ("", "|300|km"):
            query = f"/fhir/Location?near=45.77|3.08{reach}{extra}"
            indexed, scanned = client.get(query).get_json(), client.get(query + scan).get_json()
            assert indexed["total"] == scanned["total"], query
            assert _hits(indexed) == _hits(scanned), query
