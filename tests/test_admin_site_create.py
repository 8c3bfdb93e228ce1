"""Creating a site never ends in a 500 or half-written: clashes are 409, and an answer that
cannot be built leaves nothing committed.
"""

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from sitedir.admin.auth import Principal, issue_token
from sitedir.admin.models import NETWORK_ADMIN, Account, AuditEvent
from sitedir.directory import changes
from sitedir.extensions import db
from sitedir.models import Institution, Site
from sitedir.schemas import SiteDetailSchema
from tests.helpers import NEW_SITE, assert_problem, etag, make_account

SITE = "clermont-ferrand"


def _counts(app):
    with app.app_context():
        return tuple(
            db.session.scalar(db.select(db.func.count()).select_from(model))
            for model in (Site, Institution, AuditEvent)
        )


def test_an_id_that_is_an_institutions_key_is_409(app, client, tokens):
    before = _counts(app)
    body = {**NEW_SITE, "id": "chu-nantes-hotel-dieu"}
    problem = assert_problem(
        client.post("/api/v1/sites", json=body, headers=tokens["network"]), 409
    )
    assert "établissement" in problem["detail"]
    assert _counts(app) == before


def test_a_clash_found_only_at_write_time_is_a_conflict_with_nothing_written(app, tokens):
    # Two creates racing each other both pass the checks before writing; the database's
    # unique keys then refuse the second: nothing of it may stay.
    before = _counts(app)
    with app.test_request_context():
        account = db.session.scalar(db.select(Account).where(Account.email == "reseau@example.org"))
        for clash in ("nantes", "chu-nantes-hotel-dieu"):
            with pytest.raises(changes.Conflict):
                changes.create_site({**NEW_SITE, "id": clash}, Principal(account, "token:1"))
        db.session.remove()
    assert _counts(app) == before


def test_two_creates_of_one_id_at_once_one_201_one_409(shared_app):
    app = shared_app
    with app.app_context():
        token = issue_token(make_account("reseau@example.org", NETWORK_ADMIN))[1]
        db.session.commit()
    headers = {"Authorization": f"Bearer {token}"}
    start = threading.Barrier(2)

    def create(_):
        with app.test_client() as own:
            start.wait()
            return own.post("/api/v1/sites", json=NEW_SITE, headers=headers).status_code

    with ThreadPoolExecutor(2) as pool:
        codes = sorted(pool.map(create, range(2)))
    assert codes == [201, 409]
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).where(Site.slug == "lyon")) == 1
        assert (
            db.session.scalar(db.select(db.func.count()).where(AuditEvent.action == "site.create"))
            == 1
        )


def test_an_answer_that_fails_leaves_the_change_uncommitted(app, client, tokens, monkeypatch):
    before = client.get(f"/api/v1/sites/{SITE}").get_json()
    tag = etag(client)

    def broken(self, obj, *args, **kwargs):
        raise RuntimeError("the answer could not be built")

    monkeypatch.setattr(SiteDetailSchema, "dump", broken)
    headers = {**tokens["own"], "If-Match": tag}
    with pytest.raises(RuntimeError):
        client.patch(f"/api/v1/sites/{SITE}", json={"status_reason": "Perdu"}, headers=headers)
    with pytest.raises(RuntimeError):
        client.post("/api/v1/sites", json=NEW_SITE, headers=tokens["network"])
    monkeypatch.undo()
    assert client.get(f"/api/v1/sites/{SITE}").get_json() == before
    assert client.get("/api/v1/sites/lyon").status_code == 404
    assert client.get("/api/v1/audit", headers=tokens["network"]).get_json() == []
