"""The one write service (sitedir.directory.changes): every writer goes through it, a public
change made around it is refused, and its status rules hold for the API and the page."""

from datetime import date, timedelta

import pytest

from sitedir.directory import changes
from sitedir.directory.writes import UnguardedWrite
from sitedir.domain.clock import utc_now
from sitedir.extensions import db
from sitedir.models import Contact, Institution, Site, Study
from tests.ctgov_records import record, write
from tests.helpers import NEW_SITE, assert_problem, contact_etag, csrf, etag, login

SITE = "clermont-ferrand"
URL = f"/api/v1/sites/{SITE}"
FUTURE = (date.today() + timedelta(days=60)).isoformat()


@pytest.fixture
def guarded(app):
    """The app with the guard on: a public change outside the service raises."""
    app.config["GUARD_PUBLIC_WRITES"] = True
    return app


def _site(slug=SITE) -> Site:
    return db.session.scalar(db.select(Site).where(Site.slug == slug))


# --- the guarantee -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "change",
    [
        lambda site: setattr(site, "status", "terminated"),
        lambda site: setattr(site, "status_confirmed_at", utc_now()),
        lambda site: site.contacts.append(Contact(role="referral_desk", source="x")),
        lambda site: setattr(site.institution, "city", "Ailleurs"),
        lambda site: setattr(site.study, "title_fr", "Un autre titre"),
        lambda site: db.session.delete(site.contacts[0]) if site.contacts else None,
    ],
    ids=["status", "confirmation", "contact added", "institution", "study", "contact deleted"],
)
def test_a_public_change_outside_the_service_is_refused(guarded, change):
    with guarded.app_context():
        site = _site("nantes")
        if not site.contacts:  # a site with no contact: give it one, through the service
            with changes.public_writes():
                site.contacts.append(Contact(role="referral_desk", source="test"))
                db.session.commit()
        with pytest.raises(UnguardedWrite, match=r"outside sitedir\.directory\.changes"):
            change(site)
            db.session.flush()
        db.session.rollback()


def test_a_new_row_outside_the_service_is_refused_at_flush(guarded):
    with guarded.app_context():
        with changes.public_writes():
            institution = Institution(
                key="x",
                name="X",
                city="Lyon",
                insee="69383",
                department="69",
                region="84",
                latitude=45.7,
                longitude=4.8,
                source="test",
            )
        db.session.add(institution)  # built inside, added outside: still refused
        with pytest.raises(UnguardedWrite):
            db.session.flush()
        db.session.rollback()


def test_reads_and_non_public_writes_are_not_guarded(guarded, client, tokens):
    assert client.get("/api/v1/sites").status_code == 200
    with guarded.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(Study)) >= 1


def test_every_writer_goes_through_the_service(guarded, client, tokens, browser, runner, tmp_path):
    """With the guard on, the API, the page and the importer all work: none writes around."""
    own = tokens["own"]
    body = {"status": "suspended", "status_reason": "Pause", "expected_reopening": FUTURE}
    response = client.patch(URL, json=body, headers={**own, "If-Match": etag(client)})
    assert response.status_code == 200, response.get_data(as_text=True)
    assert client.post(f"{URL}/confirm", headers=own).status_code == 200
    added = client.post(f"{URL}/contacts", json={"role": "referral_desk", "name": "X"}, headers=own)
    assert added.status_code == 201, added.get_data(as_text=True)
    contact_id = added.get_json()["id"]
    tag = contact_etag(client, own, contact_id)
    path = f"{URL}/contacts/{contact_id}"
    changed = client.patch(path, json={"name": "Y"}, headers={**own, "If-Match": tag})
    assert changed.status_code == 200, changed.get_data(as_text=True)
    tag = changed.headers["ETag"]
    assert client.delete(path, headers={**own, "If-Match": tag}).status_code == 204
    created = client.post("/api/v1/sites", json=NEW_SITE, headers=tokens["network"])
    assert created.status_code == 201, created.get_data(as_text=True)

    login(browser)
    page = browser.get(f"/admin/sites/{SITE}")
    version = guarded_version(guarded)
    form = {"csrf_token": csrf(page), "version": version, "status": "recruiting"}
    assert browser.post(f"/admin/sites/{SITE}", data=form).status_code == 302

    result = runner.invoke(args=["studies", "import-ctgov", write(tmp_path, record())])
    assert result.exit_code == 0, result.output
    updated = record(status={"statusVerifiedDate": "2025-04"})
    updated["protocolSection"]["contactsLocationsModule"]["locations"][0]["status"] = "SUSPENDED"
    result = runner.invoke(args=["studies", "import-ctgov", write(tmp_path, updated, "new.json")])
    assert result.exit_code == 0, result.output
    assert "status 'recruiting' -> 'suspended'" in result.output


def guarded_version(app) -> str:
    with app.app_context():
        return str(_site().version)


# --- the status rules ---------------------------------------------------------------------


def _patch(client, tokens, body):
    return client.patch(URL, json=body, headers={**tokens["own"], "If-Match": etag(client)})


def test_a_status_change_is_a_confirmation(app, client, tokens):
    with app.app_context():
        site = _site()
        with changes.public_writes():
            site.status_confirmed_at = None
        db.session.commit()
    response = _patch(client, tokens, {"status": "not_yet_recruiting"})
    assert response.status_code == 200, response.get_data(as_text=True)
    with app.app_context():
        confirmed = _site().status_confirmed_at
        history = _site().history[-1]
        assert confirmed is not None
        assert abs((confirmed - history.changed_at).total_seconds()) < 5


def test_reopening_clears_the_pause(app, client, tokens):
    paused = {"status": "suspended", "status_reason": "Pause des inclusions"}
    assert _patch(client, tokens, {**paused, "expected_reopening": FUTURE}).status_code == 200
    response = _patch(client, tokens, {"status": "recruiting"})
    assert response.status_code == 200
    public = client.get(URL).get_json()
    assert (public["status"], public["status_reason"], public["expected_reopening"]) == (
        "recruiting",
        None,
        None,
    )
    assert "Pause des inclusions" not in client.get("/fhir/Location?_count=50").get_data(
        as_text=True
    )


def test_a_new_status_keeps_the_reason_it_is_given(client, tokens):
    assert (
        _patch(client, tokens, {"status": "suspended", "status_reason": "Une"}).status_code == 200
    )
    body = {"status": "not_yet_recruiting", "status_reason": "Réouverture en préparation"}
    assert _patch(client, tokens, body).status_code == 200
    assert client.get(URL).get_json()["status_reason"] == "Réouverture en préparation"


@pytest.mark.parametrize("status", ["suspended", "terminated", "withdrawn"])
@pytest.mark.parametrize("reason", [None, "", "   "], ids=["null", "empty", "blank"])
def test_closing_without_a_public_reason_is_422(app, client, tokens, status, reason):
    with app.app_context():
        before = (_site().version, len(_site().history))
    # A new status clears the previous one's reason: giving none leaves none.
    body = {"status": status} if reason is None else {"status": status, "status_reason": reason}
    problem = assert_problem(_patch(client, tokens, body), 422)
    assert problem["invalid_params"][0]["name"] == "status_reason"
    assert "motif public" in problem["detail"]
    with app.app_context():
        assert (_site().version, len(_site().history)) == before


def test_clearing_the_reason_of_a_suspended_site_is_422(client, tokens):
    assert (
        _patch(client, tokens, {"status": "suspended", "status_reason": "Une"}).status_code == 200
    )
    assert_problem(_patch(client, tokens, {"status_reason": None}), 422)
    assert client.get(URL).get_json()["status_reason"] == "Une"


def test_a_new_site_closed_without_a_reason_is_422(client, tokens):
    body = {**NEW_SITE, "status": "withdrawn"}
    problem = assert_problem(
        client.post("/api/v1/sites", json=body, headers=tokens["network"]), 422
    )
    assert problem["invalid_params"][0]["name"] == "status_reason"
    assert client.get("/api/v1/sites/lyon").status_code == 404


def test_the_page_says_the_reason_is_public_and_refuses_a_closing_without_one(app, browser, tokens):
    login(browser)
    page = browser.get(f"/admin/sites/{SITE}")
    assert "public : affiché aux médecins" in page.get_data(as_text=True)
    form = {
        "csrf_token": csrf(page),
        "version": guarded_version(app),
        "status": "terminated",
        "status_reason": "",
    }
    answer = browser.post(f"/admin/sites/{SITE}", data=form)
    assert answer.status_code == 422
    text = answer.get_data(as_text=True)
    # The error is tied to the field, for screen readers.
    assert 'id="status_reason-error"' in text
    assert 'aria-describedby="status_reason-error"' in text
    assert "Motif public obligatoire pour un centre suspendu, arrêté ou retiré." in text
    with app.app_context():
        assert _site().status != "terminated"


def test_reopening_from_the_page_clears_the_reason_the_form_was_filled_with(app, browser, tokens):
    login(browser)
    page = browser.get(f"/admin/sites/{SITE}")
    pause = {
        "csrf_token": csrf(page),
        "version": guarded_version(app),
        "status": "suspended",
        "status_reason": "Pause des inclusions",
        "expected_reopening": FUTURE,
    }
    assert browser.post(f"/admin/sites/{SITE}", data=pause).status_code == 302
    page = browser.get(f"/admin/sites/{SITE}")
    assert "Pause des inclusions</textarea>" in page.get_data(as_text=True)  # filled in
    # The admin picks "recruiting" and saves the form as it was filled in.
    reopen = {**pause, "csrf_token": csrf(page), "version": guarded_version(app)}
    reopen["status"] = "recruiting"
    assert browser.post(f"/admin/sites/{SITE}", data=reopen).status_code == 302
    public = browser.get(URL).get_json()
    assert (public["status"], public["status_reason"], public["expected_reopening"]) == (
        "recruiting",
        None,
        None,
    )
