"""Contact requests end to end: the API and the page's form, the emails through a real SMTP
server on 127.0.0.1, the admin page and API (scoped, audited), refusals, tokens, purge."""

import re
from datetime import timedelta

import pytest
from itsdangerous import URLSafeTimedSerializer

from sitedir.admin.models import NETWORK_ADMIN, SITE_ADMIN, AuditEvent
from sitedir.contact import form_token
from sitedir.contact.models import ContactRequest
from sitedir.domain.clock import utc_now
from sitedir.extensions import db
from tests.helpers import PASSWORD, HttpsClient, assert_problem, csrf, login, make_account
from tests.smtp_fixtures import smtp_server, text_of  # noqa: F401 - the fixture

SITE = "clermont-ferrand"
URL = f"/api/v1/sites/{SITE}/contact-requests"


@pytest.fixture
def contact_app(app):
    app.config.update(CONTACT_MIN_FILL_SECONDS=0, PUBLIC_URL="https://annuaire.example.fr")
    return app


def token(client, site=SITE):
    response = client.get(f"/api/v1/sites/{site}/contact-form")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    return response.get_json()["token"]


def body(client, site=SITE, **changes):
    data = {
        "token": token(client, site),
        "doctor_name": "Dr Camille Exemple",
        "profession": "rheumatologist",
        "place": "Vichy",
        "email": "camille.exemple@example.org",
        "phone": "04 70 00 00 00",
        "message": "Patiente de 38 ans, lupus réfractaire après trois lignes.",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def stored(app):
    with app.app_context():
        return [
            (r.reference, r.site.slug, r.email, r.status)
            for r in db.session.scalars(db.select(ContactRequest).order_by(ContactRequest.id))
        ]


def test_a_request_through_the_api_is_stored_with_its_reference(contact_app):
    client = contact_app.test_client()
    response = client.post(URL, json=body(client), headers={"Origin": "https://reseau.example"})
    assert response.status_code == 201, response.get_data(as_text=True)
    answer = response.get_json()
    assert re.fullmatch(r"DC-\d{4}-\d{6}", answer["reference"])
    assert answer["site"] == SITE and answer["kind"] == "contact"
    # Posted from any page (the widget's host, a network's site): CORS, no credentials.
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert "Access-Control-Allow-Credentials" not in response.headers
    # Nothing about who receives it goes back to the public.
    assert "@" not in response.get_data(as_text=True)
    with contact_app.app_context():
        row = db.session.scalar(db.select(ContactRequest))
        assert row.reference == answer["reference"]
        assert (row.place_name, row.place_insee) == ("Vichy (03)", "03310")
        assert row.status == "new" and row.notified_at is None  # no SMTP: stored, not mailed
        assert row.reference.endswith(f"{row.id:06d}")


def test_the_preflight_allows_a_json_post_from_another_origin(contact_app):
    response = contact_app.test_client().options(
        URL,
        headers={
            "Origin": "https://reseau.example",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type",
        },
    )
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert "POST" in response.headers["Access-Control-Allow-Methods"]


def test_other_writes_still_get_no_cors(contact_app):
    response = contact_app.test_client().post(
        f"/api/v1/sites/{SITE}/confirm", headers={"Origin": "https://reseau.example"}
    )
    assert "Access-Control-Allow-Origin" not in response.headers


@pytest.mark.parametrize(
    ("message", "words"),
    [
        ("Rappelez sa fille au 06 12 34 56 78", "numéro de téléphone"),
        ("Son e-mail : patient@example.org", "adresse e-mail"),
        ("NIR 2 85 05 78 006 084 36", "sécurité sociale"),
    ],
)
def test_a_message_with_identifying_numbers_is_refused_and_nothing_is_kept(
    contact_app, message, words
):
    client = contact_app.test_client()
    body_ = assert_problem(client.post(URL, json=body(client, message=message)), 422)
    [param] = body_["invalid_params"]
    assert param["name"] == "message" and words in param["reason"]
    assert stored(contact_app) == []


def test_an_invalid_phone_says_the_expected_format(contact_app):
    client = contact_app.test_client()
    problem = assert_problem(client.post(URL, json=body(client, phone="12 34")), 422)
    [param] = problem["invalid_params"]
    assert param["name"] == "phone"
    assert "01 23 45 67 89 ou +33 1 23 45 67 89" in param["reason"]
    english = client.post(URL + "?lang=en", json=body(client, phone="12 34")).get_json()
    assert "01 23 45 67 89 or +33 1 23 45 67 89" in english["invalid_params"][0]["reason"]


@pytest.mark.parametrize(
    ("rpps", "accepted"),
    [("10000000009", True), ("10000000008", False), ("1000000000", False), ("1000000000x", False)],
)
def test_rpps_numbers_are_checked(contact_app, rpps, accepted):
    client = contact_app.test_client()
    response = client.post(URL, json=body(client, rpps=rpps))
    if accepted:
        assert response.status_code == 201
    else:
        problem = assert_problem(response, 422)
        assert [p["name"] for p in problem["invalid_params"]] == ["rpps"]


def test_an_ambiguous_or_unknown_town_is_asked_for(contact_app):
    client = contact_app.test_client()
    problem = assert_problem(client.post(URL, json=body(client, place="Saint-Denis")), 422)
    assert "Saint-Denis (93)" in problem["invalid_params"][0]["reason"]
    problem = assert_problem(client.post(URL, json=body(client, place="Qzxwv")), 422)
    assert problem["invalid_params"][0]["name"] == "place"
    problem = assert_problem(
        client.post(URL, json=body(client, place=None, place_insee="99999")), 422
    )
    assert problem["invalid_params"][0]["name"] == "place_insee"
    ok = client.post(URL, json=body(client, place=None, place_insee="93066"))
    assert ok.status_code == 201
    with contact_app.app_context():
        assert db.session.scalar(db.select(ContactRequest.place_name)) == "Saint-Denis (93)"


def test_the_honeypot_is_refused(contact_app):
    client = contact_app.test_client()
    problem = assert_problem(
        client.post(URL, json=body(client, contact_url="http://spam.example")), 422
    )
    assert problem["invalid_params"][0]["name"] == "contact_url"
    assert stored(contact_app) == []


def test_a_request_without_token_or_with_an_altered_one_is_refused(contact_app):
    client = contact_app.test_client()
    problem = assert_problem(client.post(URL, json=body(client, token=None)), 422)
    assert problem["invalid_params"][0]["name"] == "token"
    good = token(client)
    _, stamp, signature = good.split(".")
    # Another payload under this signature; a token signed with another key; a cut one.
    other = URLSafeTimedSerializer("another-secret", salt=form_token.SALT)
    forged = other.dumps({"site": SITE, "nonce": "0" * 32})
    moved = other.dump_payload({"site": SITE, "nonce": "1" * 32}).decode()
    for altered in (f"{moved}.{stamp}.{signature}", forged, good[:-2], "nope"):
        problem = assert_problem(client.post(URL, json=body(client, token=altered)), 422)
        assert problem["invalid_params"][0]["name"] == "token"
    # Another site's token does not open this one's form.
    problem = assert_problem(
        client.post(URL, json=body(client, token=token(client, "nantes"))), 422
    )
    assert stored(contact_app) == []


def test_a_token_is_taken_after_the_minimum_fill_time_and_before_its_maximum_age(
    contact_app, monkeypatch
):
    contact_app.config.update(CONTACT_MIN_FILL_SECONDS=5, CONTACT_TOKEN_MAX_AGE=3600)
    client = contact_app.test_client()
    clock = [1_900_000_000.0]
    monkeypatch.setattr(form_token, "now", lambda: clock[0])
    data = body(client)
    clock[0] += 2  # a robot posts at once
    problem = assert_problem(client.post(URL, json=data), 422)
    assert "trop vite" in problem["detail"]
    clock[0] += 4  # six seconds: a person
    assert client.post(URL, json=data).status_code == 201
    late = body(client)
    clock[0] += 3601
    problem = assert_problem(client.post(URL, json=late), 422)
    assert "trop longtemps" in problem["detail"]
    assert len(stored(contact_app)) == 1


def test_a_replayed_token_is_refused(contact_app):
    client = contact_app.test_client()
    data = body(client)
    assert client.post(URL, json=data).status_code == 201
    problem = assert_problem(client.post(URL, json={**data, "email": "autre@example.org"}), 409)
    assert "déjà été envoyée" in problem["detail"]
    assert len(stored(contact_app)) == 1


def test_an_error_report_needs_a_message(contact_app):
    client = contact_app.test_client()
    problem = assert_problem(
        client.post(URL, json=body(client, kind="error_report", message=None)), 422
    )
    assert problem["invalid_params"][0]["name"] == "message"
    made = client.post(
        URL, json=body(client, kind="error_report", message="Le service a déménagé au bâtiment B.")
    )
    assert made.status_code == 201 and made.get_json()["kind"] == "error_report"


def test_an_unknown_site_is_a_404(contact_app):
    client = contact_app.test_client()
    assert_problem(client.get("/api/v1/sites/nowhere/contact-form"), 404)


# ---- emails -------------------------------------------------------------------------------


@pytest.fixture
def mailing_app(contact_app, smtp):
    _, settings = smtp
    contact_app.config.update(settings)
    with contact_app.app_context():
        make_account("coord@example.org", SITE_ADMIN, [SITE], password=PASSWORD)
        gone = make_account("parti@example.org", SITE_ADMIN, [SITE], password=PASSWORD)
        gone.active = False
        make_account("nantes@example.org", SITE_ADMIN, ["nantes"], password=PASSWORD)
        make_account("reseau@example.org", NETWORK_ADMIN, password=PASSWORD)
        off = make_account("ancien-reseau@example.org", NETWORK_ADMIN, password=PASSWORD)
        off.active = False
        db.session.commit()
    return contact_app


def test_the_doctor_and_the_sites_active_admins_are_emailed(mailing_app, smtp):
    inbox, _ = smtp
    client = mailing_app.test_client()
    reference = client.post(URL, json=body(client)).get_json()["reference"]
    [(_, doctor)] = [m for m in inbox.messages if "camille.exemple@example.org" in m[0]]
    assert reference in doctor["Subject"] and reference in text_of(doctor)
    assert "recontacteront" in text_of(doctor)
    admins = [m for rcpt, m in inbox.messages if "coord@example.org" in rcpt]
    assert len(admins) == 1
    [message] = admins
    text = text_of(message)
    # The study, the site (hospital and town), the doctor and how to reach them, a link.
    assert "CAR-T" in text or "lupus" in text.lower()
    assert "Hôpital Gabriel-Montpied" in text and "Clermont-Ferrand" in text
    assert "Dr Camille Exemple" in text and "Rhumatologue" in text and "Vichy (03)" in text
    assert "camille.exemple@example.org" in text and "04 70 00 00 00" in text
    assert f"https://annuaire.example.fr/admin/contact-requests/{reference}" in text
    everyone = {a for rcpt, _ in inbox.messages for a in rcpt}
    # Not the disabled site admin, not another site's, not the network admins.
    assert everyone == {"camille.exemple@example.org", "coord@example.org"}
    with mailing_app.app_context():
        assert db.session.scalar(db.select(ContactRequest.notified_at)) is not None


def test_a_site_without_active_admins_goes_to_the_active_network_admins(mailing_app, smtp):
    inbox, _ = smtp
    client = mailing_app.test_client()
    client.post("/api/v1/sites/toulouse/contact-requests", json=body(client, site="toulouse"))
    everyone = {a for rcpt, _ in inbox.messages for a in rcpt}
    assert everyone == {"camille.exemple@example.org", "reseau@example.org"}
    [message] = inbox.to("reseau@example.org")
    assert "Toulouse" in text_of(message)


def test_an_error_report_goes_to_the_network_admins(mailing_app, smtp):
    inbox, _ = smtp
    client = mailing_app.test_client()
    client.post(URL, json=body(client, kind="error_report", message="Le numéro a changé."))
    assert inbox.to("coord@example.org") == []
    [message] = inbox.to("reseau@example.org")
    assert "erreur" in message["Subject"].lower()


def test_an_smtp_server_that_refuses_loses_nothing(contact_app):
    # Nothing listens on this port: the request is stored, and the admin page says so.
    contact_app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=9, SMTP_STARTTLS=False)
    with contact_app.app_context():
        make_account("reseau@example.org", NETWORK_ADMIN, password=PASSWORD)
        db.session.commit()
    client = contact_app.test_client()
    assert client.post(URL, json=body(client)).status_code == 201
    assert len(stored(contact_app)) == 1


# ---- the page's form ----------------------------------------------------------------------

FORM = f"/contact/{SITE}"


def form_token_of(page) -> str:
    return re.search(r'name="token" value="([^"]+)"', page.get_data(as_text=True))[1]


def fields(**changes):
    data = {
        "doctor_name": "Dr Camille Exemple",
        "profession": "internist",
        "place": "Riom",
        "place_insee": "",
        "email": "camille.exemple@example.org",
        "phone": "",
        "rpps": "",
        "message": "",
        "contact_url": "",
    }
    data.update(changes)
    return data


def test_every_card_offers_the_request_and_an_error_report(contact_app):
    page = contact_app.test_client().get("/?q=Vichy").get_data(as_text=True)
    cards = page.count('<li class="site')
    assert cards >= 1
    assert page.count(">Demander à être recontacté</a>") == cards
    assert page.count(">Signaler une erreur</a>") == cards
    assert f'href="/contact/{SITE}?q=Vichy&amp;kind=contact"' in page
    # The printed sheet keeps the form's address.
    assert f"https://annuaire.example.fr/contact/{SITE}?lang=fr&amp;kind=contact" in page
    frame = contact_app.test_client().get("/widget/frame?q=Vichy&lang=en").get_data(as_text=True)
    assert ">Ask to be contacted</a>" in frame and "view=frame" in frame


def test_the_form_sends_a_request_and_confirms_it(contact_app):
    client = contact_app.test_client()
    page = client.get(FORM + "?q=Vichy")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Ne donnez aucun détail qui identifie le patient" in html
    assert 'aria-describedby="f-message-warning' in html
    assert "Set-Cookie" not in page.headers
    done = client.post(FORM + "?q=Vichy", data={"token": form_token_of(page), **fields()})
    assert done.status_code == 201
    text = done.get_data(as_text=True)
    [reference] = set(re.findall(r"DC-\d{4}-\d{6}", text))
    assert "Set-Cookie" not in done.headers
    assert stored(contact_app) == [(reference, SITE, "camille.exemple@example.org", "new")]
    assert 'href="/?q=Vichy"' in text  # back to the answer
    assert "e-mail de confirmation" not in text  # no SMTP server: no email is promised


def test_the_form_shows_each_refusal_beside_its_field_and_keeps_what_was_typed(contact_app):
    client = contact_app.test_client()
    page = client.get(FORM)
    refused = client.post(
        FORM,
        data={
            "token": form_token_of(page),
            **fields(phone="12", message="appelez-la au 06 12 34 56 78", email="pas-un-email"),
        },
    )
    assert refused.status_code == 422
    html = refused.get_data(as_text=True)
    assert 'id="f-phone-error"' in html and "01 23 45 67 89 ou +33 1 23 45 67 89" in html
    assert 'aria-describedby="f-phone-hint f-phone-error"' in html
    assert 'id="f-message-error"' in html and 'id="f-email-error"' in html
    assert "appelez-la au 06 12 34 56 78</textarea>" in html  # kept, to correct
    assert "<title>Erreur : " in html
    assert stored(contact_app) == []
    # Corrected, the same token goes through.
    ok = client.post(FORM, data={"token": form_token_of(refused), **fields()})
    assert ok.status_code == 201


def test_the_form_in_the_frame_posts_to_its_own_origin_and_may_be_framed(contact_app):
    client = contact_app.test_client()
    page = client.get(FORM + "?view=frame&lang=en&q=Vichy")
    html = page.get_data(as_text=True)
    assert "frame-ancestors *" in page.headers["Content-Security-Policy"]
    assert re.search(
        r'<form method="post" action="/contact/clermont-ferrand\?[^"]*view=frame', html
    )
    assert 'lang="en"' in html and "Ask to be contacted" in html
    done = client.post(
        FORM + "?view=frame&lang=en&q=Vichy", data={"token": form_token_of(page), **fields()}
    )
    assert done.status_code == 201 and "Your reference" in done.get_data(as_text=True)


def test_the_form_refuses_the_honeypot_and_a_replay(contact_app):
    client = contact_app.test_client()
    page = client.get(FORM)
    trapped = client.post(
        FORM, data={"token": form_token_of(page), **fields(contact_url="http://spam")}
    )
    assert trapped.status_code == 422 and stored(contact_app) == []
    data = {"token": form_token_of(page), **fields()}
    assert client.post(FORM, data=data).status_code == 201
    again = client.post(FORM, data=data)
    assert again.status_code == 409
    assert "déjà été envoyée" in again.get_data(as_text=True)
    assert len(stored(contact_app)) == 1


# ---- the admin page and the admin API -----------------------------------------------------


@pytest.fixture
def requests_made(contact_app):
    """One request for Clermont-Ferrand, one for Nantes; and their admins."""
    with contact_app.app_context():
        make_account("clermont@example.org", SITE_ADMIN, [SITE], password=PASSWORD)
        make_account("nantes@example.org", SITE_ADMIN, ["nantes"], password=PASSWORD)
        make_account("reseau@example.org", NETWORK_ADMIN, password=PASSWORD)
        db.session.commit()
    client = contact_app.test_client()
    made = {}
    for site in (SITE, "nantes"):
        response = client.post(f"/api/v1/sites/{site}/contact-requests", json=body(client, site))
        made[site] = response.get_json()["reference"]
    return made


def _browser(app, email):
    app.test_client_class = HttpsClient
    browser = app.test_client()
    assert login(browser, email).status_code == 302
    return browser


def test_a_site_admin_sees_and_handles_only_their_sites_requests(contact_app, requests_made):
    browser = _browser(contact_app, "clermont@example.org")
    listing = browser.get("/admin/contact-requests").get_data(as_text=True)
    assert requests_made[SITE] in listing and requests_made["nantes"] not in listing
    assert "Nouvelles (1)" in listing and "Traitées (0)" in listing  # counted in scope too
    assert browser.get(f"/admin/contact-requests/{requests_made['nantes']}").status_code == 404
    page = browser.get(f"/admin/contact-requests/{requests_made[SITE]}")
    assert page.status_code == 200
    assert "Dr Camille Exemple" in page.get_data(as_text=True)
    # Another site's request cannot be handled either, even with a valid CSRF token.
    other = browser.post(
        f"/admin/contact-requests/{requests_made['nantes']}/handle",
        data={"csrf_token": csrf(page), "note": ""},
    )
    assert other.status_code == 404
    # Without the CSRF token, nothing changes.
    assert browser.post(f"/admin/contact-requests/{requests_made[SITE]}/handle").status_code == 400
    done = browser.post(
        f"/admin/contact-requests/{requests_made[SITE]}/handle",
        data={"csrf_token": csrf(page), "note": "Rappelée le jour même."},
    )
    assert done.status_code == 302
    page = browser.get(f"/admin/contact-requests/{requests_made[SITE]}").get_data(as_text=True)
    assert "Traitée le" in page and "par clermont@example.org" in page
    assert "Rappelée le jour même." in page
    with contact_app.app_context():
        handled = db.session.scalar(
            db.select(ContactRequest).where(ContactRequest.reference == requests_made[SITE])
        )
        assert handled.status == "handled" and handled.handled_by.email == "clermont@example.org"
        assert handled.handled_at is not None
        other_row = db.session.scalar(
            db.select(ContactRequest).where(ContactRequest.reference == requests_made["nantes"])
        )
        assert other_row.status == "new"
        [event] = db.session.scalars(
            db.select(AuditEvent).where(AuditEvent.action == "contact_request.handle")
        ).all()
        assert event.account_email == "clermont@example.org" and event.via == "session"
        assert event.target == f"contact_request:{requests_made[SITE]}"
        assert event.before["status"] == "new" and event.after["status"] == "handled"
        # The note's text stays with the request (deleted at 90 days), not in the audit log.
        assert "Rappelée" not in str(event.after)


def test_the_network_admin_sees_every_request(contact_app, requests_made):
    browser = _browser(contact_app, "reseau@example.org")
    listing = browser.get("/admin/contact-requests").get_data(as_text=True)
    assert requests_made[SITE] in listing and requests_made["nantes"] in listing
    index = browser.get("/admin/").get_data(as_text=True)
    assert 'href="/admin/contact-requests"' in index


def test_the_admin_api_lists_with_the_same_scoping(contact_app, requests_made):
    with contact_app.app_context():
        from sitedir.admin.auth import issue_token
        from sitedir.admin.models import Account

        def bearer(email):
            account = db.session.scalar(db.select(Account).where(Account.email == email))
            return {"Authorization": f"Bearer {issue_token(account)[1]}"}

        own, network = bearer("clermont@example.org"), bearer("reseau@example.org")
        db.session.commit()
    client = contact_app.test_client()
    mine = client.get("/api/v1/contact-requests", headers=own)
    assert mine.status_code == 200 and mine.headers["Cache-Control"] == "no-store"
    assert [r["reference"] for r in mine.get_json()] == [requests_made[SITE]]
    assert mine.get_json()[0]["email"] == "camille.exemple@example.org"
    assert (
        "Access-Control-Allow-Origin"
        not in client.get(
            "/api/v1/contact-requests", headers={**own, "Origin": "https://x.example"}
        ).headers
    )
    every = client.get("/api/v1/contact-requests", headers=network).get_json()
    assert {r["reference"] for r in every} == set(requests_made.values())
    assert client.get("/api/v1/contact-requests?site=nantes", headers=own).get_json() == []
    assert_problem(client.get("/api/v1/contact-requests"), 401)
    assert_problem(client.get("/api/v1/contact-requests?status=lost", headers=own), 422)
    new_ones = client.get("/api/v1/contact-requests?status=new", headers=network).get_json()
    assert {r["reference"] for r in new_ones} == set(requests_made.values())
    assert client.get("/api/v1/contact-requests?status=handled", headers=network).get_json() == []


def test_requests_are_purged_after_the_retention_period(contact_app, requests_made, runner):
    with contact_app.app_context():
        old = db.session.scalar(
            db.select(ContactRequest).where(ContactRequest.reference == requests_made["nantes"])
        )
        old.created_at = utc_now() - timedelta(days=91)
        db.session.commit()
    result = runner.invoke(args=["contact-requests", "purge"])
    assert result.exit_code == 0 and "1 contact request(s) deleted" in result.output
    assert [r[0] for r in stored(contact_app)] == [requests_made[SITE]]
    with contact_app.app_context():
        event = db.session.scalar(
            db.select(AuditEvent).where(AuditEvent.action == "contact_request.purge")
        )
        assert event.after == {"deleted": 1, "days": 90} and event.via == "cli"
    result = runner.invoke(args=["contact-requests", "purge", "--days", "1"])
    assert "0 contact request(s) deleted" in result.output


# ---- the hospital's public channels: card, sheet, vCard ----------------------------------


def test_the_hospitals_website_and_switchboard_are_shown_where_the_data_has_them(contact_app):
    from sitedir.models import Institution, Site

    client = contact_app.test_client()
    page = client.get("/?q=Vichy").get_data(as_text=True)
    # The seeds give Clermont-Ferrand's website and no switchboard: none is shown.
    assert 'href="https://www.chu-clermontferrand.fr"' in page
    assert "Standard" not in page
    with contact_app.app_context():
        site = db.session.scalar(db.select(Site).where(Site.slug == SITE))
        institution = db.session.get(Institution, site.institution_id)
        institution.switchboard = "04 73 75 07 50"
        site.units = [*site.units]  # a change the snapshot sees (a new version)
        from sqlalchemy.orm.attributes import flag_modified

        flag_modified(site, "units")
        db.session.commit()
    page = client.get("/?q=Vichy").get_data(as_text=True)
    assert 'Standard : <a href="tel:0473750750">04 73 75 07 50</a>' in page
    vcf = client.get(f"/api/v1/sites/{SITE}/contacts.vcf").get_data(as_text=True)
    # The switchboard as a tel: URI (RFC 6350: TEL;VALUE=uri), dialled in France.
    assert "tel:04-73-75-07-50;phone-context=+33" in vcf
    assert "URL:https://www.chu-clermontferrand.fr" in vcf


def test_an_imported_studys_central_contact_is_shown_as_the_studys_contact(contact_app):
    from sitedir.models import Study

    client = contact_app.test_client()
    assert "study-contacts" not in client.get("/?q=Vichy").get_data(as_text=True)
    with contact_app.app_context():
        study = db.session.scalar(db.select(Study))
        study.details = {
            "central_contacts": [
                {
                    "name": "Registre Exemple",
                    "role": "CONTACT",
                    "phone": "+33 1 00 00 00 00",
                    "email": "essai@example.org",
                }
            ]
        }
        db.session.commit()
    page = client.get("/?q=Vichy").get_data(as_text=True)
    # On the page's study section and on the printed sheet (print-only block): twice.
    assert page.count("<h3>Contact de l&#39;étude</h3>") == 2
    assert 'href="mailto:essai@example.org"' in page and "Registre Exemple (CONTACT)" in page
    frame = client.get("/widget/frame?q=Vichy&lang=en").get_data(as_text=True)
    assert "<h3>Study contact</h3>" in frame


def test_the_form_says_an_email_went_out_only_when_one_did(mailing_app, smtp):
    inbox, _ = smtp
    client = mailing_app.test_client()
    page = client.get(FORM)
    done = client.post(FORM, data={"token": form_token_of(page), **fields()})
    assert done.status_code == 201
    assert "Un e-mail de confirmation part à camille.exemple@example.org" in done.get_data(
        as_text=True
    )
    assert len(inbox.to("camille.exemple@example.org")) == 1
    assert len(inbox.to("coord@example.org")) == 1


def test_the_form_shows_every_refusal_at_once_in_french(contact_app):
    client = contact_app.test_client()
    page = client.get(FORM)
    refused = client.post(
        FORM,
        data={
            "token": form_token_of(page),
            **fields(profession="", place="Saint-Denis", phone="12"),
        },
    )
    html = refused.get_data(as_text=True)
    assert refused.status_code == 422
    for field in ("profession", "place", "phone"):
        assert f'id="f-{field}-error"' in html, field
    assert "Missing data" not in html
    assert "corrigez 3 champ(s)" in html
