"""Text that cannot break a feed, a mail or a database (issue 21, points 6, 7 and 10).

Admin writes refuse what XML cannot hold (U+FFFE, U+FFFF, C1 controls), lone surrogates
(422 naming the field, not a 500), and CR, LF or TAB in one-line fields; the Atom feed
drops such characters if older data holds them; a reminder's subject is one line, and one
site's failure never stops the others.
"""

import pytest

from sitedir.extensions import db
from sitedir.models import Event, Institution, Site
from tests.helpers import assert_problem, etag
from tests.smtp_fixtures import smtp_server, text_of  # noqa: F401 - the fixture
from tests.test_reminders import NOW, reminding_app, run  # noqa: F401 - the fixture


def _fields(body) -> set[str]:
    return {p["name"] for p in body["invalid_params"]}


def _patch(client, tokens, body):
    return client.patch(
        "/api/v1/sites/clermont-ferrand",
        json=body,
        headers={**tokens["own"], "If-Match": etag(client)},
    )


@pytest.mark.parametrize("character", ["\ufffe", "\uffff", "\x85", "\x9b", "\x00", "\x1b"])
def test_what_xml_cannot_hold_is_refused_at_the_door(client, tokens, character):
    response = _patch(client, tokens, {"status": "suspended", "status_reason": f"a{character}b"})
    body = assert_problem(response, 422)
    assert _fields(body) == {"status_reason"}


@pytest.mark.parametrize("field", ["status_reason", "lead_department"])
def test_a_lone_surrogate_is_a_422_naming_the_field(client, tokens, field):
    raw = f'{{"{field}": "x\\ud800y"}}'  # JSON may escape a lone surrogate; UTF-8 cannot
    response = client.patch(
        "/api/v1/sites/clermont-ferrand",
        data=raw,
        content_type="application/json",
        headers={**tokens["own"], "If-Match": etag(client)},
    )
    body = assert_problem(response, 422)
    assert _fields(body) == {field}


def test_a_contact_name_is_one_line(client, tokens):
    for value in ("Dr\r\nBcc: x@evil.example", "a\tb", "a\nb"):
        response = client.post(
            "/api/v1/sites/clermont-ferrand/contacts",
            json={"role": "coordinator", "name": value},
            headers=tokens["own"],
        )
        body = assert_problem(response, 422)
        assert _fields(body) == {"name"}
    # A status reason may still hold several lines.
    assert _patch(client, tokens, {"status_reason": "ligne 1\nligne 2"}).status_code == 200


def test_the_atom_feed_drops_what_xml_cannot_hold(app, client, tokens):
    assert (
        _patch(client, tokens, {"status": "suspended", "status_reason": "Pause"}).status_code == 200
    )
    with app.app_context():  # data older than the rule, or an import: stored as it is
        event = db.session.scalar(db.select(Event).order_by(Event.id.desc()))
        event.data = {**event.data, "reason": "bad \uffff and \x01 here", "city": "Cler\x0bmont"}
        db.session.commit()
    response = client.get("/api/v1/changes.atom")
    assert response.status_code == 200
    from xml.dom.minidom import parseString

    parseString(response.data)  # well-formed
    text = response.get_data(as_text=True)
    assert "bad  and  here" in text and "Clermont" in text


def test_a_city_with_a_line_break_never_stops_the_reminders(reminding_app, smtp, runner):  # noqa: F811
    inbox, _ = smtp
    with reminding_app.app_context():
        nantes = db.session.scalar(db.select(Site).where(Site.slug == "nantes"))
        nantes.city = "Nantes\r\nBcc: x@evil.example"  # data older than the rule
        db.session.commit()
    output = run(runner)
    [nantes_mail] = inbox.to("nantes@example.org")
    assert "Nantes Bcc: x@evil.example" in nantes_mail["Subject"]  # one line
    assert "Bcc" not in nantes_mail.keys()
    assert len(inbox.to("toulouse@example.org")) == 1  # the sites after it
    assert inbox.to("reseau@example.org")  # and the network summary
    assert "3 email(s) sent" in output


def test_a_failing_site_is_reported_and_the_others_go_on(reminding_app, smtp, runner, monkeypatch):  # noqa: F811
    import sitedir.reminders.sending as reminders

    inbox, _ = smtp
    real = reminders._site_message

    def broken(site, age, url):
        if site.slug == "nantes":
            raise ValueError("bad data")
        return real(site, age, url)

    monkeypatch.setattr(reminders, "_site_message", broken)
    result = runner.invoke(args=["reminders", "send", "--days", "30", "--now", NOW.isoformat()])
    assert "nantes: NOT SENT (ValueError: bad data)" in result.output
    assert len(inbox.to("toulouse@example.org")) == 1
    assert inbox.to("reseau@example.org")
    with reminding_app.app_context():
        assert db.session.scalar(db.select(Institution.id)) is not None
