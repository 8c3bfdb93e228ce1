"""A site's public contacts as vCard 4.0: they parse back with vobject (and, through node,
ical.js, the parser of Thunderbird's address book, and the npm package vcf), one card per
public contact, and nothing the data does not hold."""

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
import vobject

from sitedir.directory import changes
from sitedir.extensions import db
from sitedir.models import Contact, Site
from sitedir.vcards.cards import tel_uri
from tests.helpers import assert_problem, private_contact


def cards(client, site, query=""):
    response = client.get(f"/api/v1/sites/{site}/contacts.vcf{query}")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/vcard; charset=utf-8"
    return list(vobject.readComponents(response.get_data(as_text=True)))


def _site(slug) -> Site:
    return db.session.scalar(db.select(Site).where(Site.slug == slug))


def test_one_card_per_public_contact(app, client):
    with app.app_context():
        clermont = _site("clermont-ferrand")
        clermont.contacts.append(private_contact())
        clermont.contacts.append(
            Contact(
                role="referral_desk",
                phone="+33 4 00 00 00 02",
                email="adressage@example.org",
                public=True,
                source="test",
            )
        )
        db.session.commit()
    found = cards(client, "clermont-ferrand")
    assert all(card.version.value == "4.0" for card in found)
    names = sorted(card.fn.value for card in found)
    assert names == [
        "Accueil des adressages – CHU de Clermont-Ferrand – Hôpital Gabriel-Montpied",
        "Dr Aurore Douge",
        "Dr Ludovic Trefond",
        "Pr Jacques-Olivier Bay",
    ]
    text = client.get("/api/v1/sites/clermont-ferrand/contacts.vcf").get_data(as_text=True)
    assert "Secret Person" not in text and "prive@example.org" not in text
    assert "+33 4 00 00 00 01" not in text
    pi = next(card for card in found if card.fn.value == "Dr Ludovic Trefond")
    assert pi.org.value == [
        "CHU de Clermont-Ferrand",
        "Hôpital Gabriel-Montpied",
        "Service de médecine interne, site Gabriel-Montpied",
    ]
    assert pi.role.value == "Investigateur principal"
    assert pi.title.value == "Investigateur principal"
    assert "tel" not in pi.contents and "email" not in pi.contents  # none is published
    desk = next(card for card in found if card.fn.value.startswith("Accueil"))
    assert desk.tel.value == "tel:+33-4-00-00-00-02"
    assert desk.email.value == "adressage@example.org"


def test_the_switchboard_only_when_no_channel_is_public_and_the_hospital_has_one(app, client):
    [card] = cards(client, "bordeaux")
    assert "tel" not in card.contents  # no channel, no switchboard: nothing made up
    with app.app_context():
        # Through the write service, the only way to move the site's version (the cards
        # are a projection of the read model's entry, made again when it moves).
        changes.update_institution(
            _site("bordeaux").institution, {"switchboard": "+33 5 00 00 00 00"}, None
        )
    [card] = cards(client, "bordeaux")
    assert card.tel.value == "tel:+33-5-00-00-00-00"
    assert "standard" in card.note.value
    assert card.role.value == "Investigateur principal"


def test_english_on_request(client):
    found = cards(client, "clermont-ferrand", "?lang=en")
    assert {card.role.value for card in found} == {
        "Principal investigator",
        "Collaborator",
        "Head of department",
    }


def test_unknown_site_is_a_problem(client):
    assert_problem(client.get("/api/v1/sites/nowhere/contacts.vcf"), 404)


def test_cacheable_with_an_etag(client):
    response = client.get("/api/v1/sites/clermont-ferrand/contacts.vcf")
    assert response.headers["Cache-Control"] == "public, no-cache"
    assert "attachment" in response.headers["Content-Disposition"]
    again = client.get(
        "/api/v1/sites/clermont-ferrand/contacts.vcf",
        headers={"If-None-Match": response.headers["ETag"]},
    )
    assert again.status_code == 304
    assert response.headers["Access-Control-Allow-Origin"] == "*"


def test_uids_follow_the_public_url_not_the_host(app, client):
    """Importing the cards again updates them, whatever Host header the download carried."""
    app.config["PUBLIC_URL"] = "https://annuaire.example.fr"
    uids = [
        [card.uid.value for card in cards_from(client, host)]
        for host in ("127.0.0.1:8000", "localhost")  # both trusted; any other is a 400
    ]
    assert uids[0] == uids[1] and uids[0]


def cards_from(client, host):
    response = client.get("/api/v1/sites/clermont-ferrand/contacts.vcf", headers={"Host": host})
    assert response.status_code == 200
    return list(vobject.readComponents(response.get_data(as_text=True)))


def test_the_answers_link_to_the_vcard(client):
    # The page and the widget's answers come from one server template (no-JS and JS alike).
    for path, text in (("/?q=Vichy", "Ajouter aux contacts"), ("/?q=Vichy&lang=en", "Add to")):
        html = client.get(path).get_data(as_text=True)
        assert "/api/v1/sites/clermont-ferrand/contacts.vcf" in html and text in html
    frame = client.get("/widget/answer?q=Vichy&view=frame").get_data(as_text=True)
    assert "/api/v1/sites/clermont-ferrand/contacts.vcf" in frame


def _desk(app):
    """A public referral desk with a phone, an email and a note holding ; and ,."""
    with app.app_context():
        clermont = _site("clermont-ferrand")
        clermont.contacts.append(
            Contact(
                role="referral_desk",
                phone="+33 4 00 00 00 02",
                email="adressage@example.org",
                note_fr="Le matin ; sinon, par courriel",
                public=True,
                source="test",
            )
        )
        db.session.commit()


def test_cards_as_rfc_6350_writes_them(app, client):
    """Two TYPE values (vobject read `TYPE="work,voice"` back as one), a tel: URI, N and
    KIND, and no backslash before a semicolon in a single text value."""
    _desk(app)
    text = client.get("/api/v1/sites/clermont-ferrand/contacts.vcf").get_data(as_text=True)
    assert 'TYPE="work,voice"' not in text
    assert "\\;" not in text
    found = cards(client, "clermont-ferrand")
    desk = next(card for card in found if card.fn.value.startswith("Accueil"))
    assert desk.tel.params["TYPE"] == ["work", "voice"]
    assert desk.tel.params["VALUE"] == ["uri"]
    assert desk.tel.value == "tel:+33-4-00-00-00-02"
    assert desk.kind.value == "org"
    assert desk.note.value == "Le matin ; sinon, par courriel"
    assert "NOTE:Le matin ; sinon\\, par courriel" in text  # the comma stays escaped
    pi = next(card for card in found if card.fn.value == "Dr Ludovic Trefond")
    assert pi.kind.value == "individual"
    assert (pi.n.value.family, pi.n.value.given, pi.n.value.prefix) == ("Trefond", "Ludovic", "Dr")


@pytest.mark.parametrize(
    ("written", "uri"),
    [
        ("+33 4 73 75 07 50", "tel:+33-4-73-75-07-50"),
        ("+33 (0)4 73 75 07 50", "tel:+33-4-73-75-07-50"),
        ("04.73.75.07.50", "tel:04-73-75-07-50;phone-context=+33"),
        ("+262 262 00 00 00", "tel:+262-262-00-00-00"),
    ],
)
def test_phone_numbers_as_tel_uris(written, uri):
    assert tel_uri(written) == uri


def test_a_national_number_keeps_its_phone_context_unescaped(app, client):
    with app.app_context():
        _site("bordeaux").institution.switchboard = "05 56 79 56 79"
        db.session.commit()
    text = client.get("/api/v1/sites/bordeaux/contacts.vcf").get_data(as_text=True)
    assert "TEL;TYPE=work,voice;VALUE=uri:tel:05-56-79-56-79;phone-context=+33\r\n" in text
    [card] = cards(client, "bordeaux")
    assert card.tel.value == "tel:05-56-79-56-79;phone-context=+33"


VCARD_JS = Path(__file__).parent / "vcard_js"


def _need(condition: bool, why: str) -> None:
    """A skip on a machine without the tool; a failure in CI (CI=true), where it must run."""
    if not condition:
        if os.environ.get("CI"):
            pytest.fail(why)
        pytest.skip(why)


def _ical_js() -> Path:
    """The folder where ical.js is installed (npm ci of its pinned version; .ci/run does it
    first), or a skip (a failure under CI)."""
    _need(
        shutil.which("node") is not None and shutil.which("npm") is not None,
        "node and npm are needed to read the cards with ical.js and vcf",
    )
    if not all((VCARD_JS / "node_modules" / name).is_dir() for name in ("ical.js", "vcf")):
        installed = subprocess.run(
            ["npm", "ci", "--no-audit", "--no-fund"], cwd=VCARD_JS, capture_output=True, timeout=120
        )
        _need(installed.returncode == 0, "ical.js and vcf could not be installed (no registry?)")
    return VCARD_JS


# One worker for both readers: the first may run npm ci in their shared folder.
@pytest.mark.xdist_group("vcard_js")
@pytest.mark.parametrize(
    "reader",
    [
        "read.mjs",  # ical.js, Thunderbird's address book parser
        "read-vcf.mjs",  # the npm package vcf, a second independent parser
    ],
)
def test_javascript_parsers_read_the_cards_back(app, client, reader):
    folder = _ical_js()
    _desk(app)
    text = client.get("/api/v1/sites/clermont-ferrand/contacts.vcf").get_data(as_text=True)
    read = subprocess.run(
        ["node", reader], cwd=folder, input=text, capture_output=True, text=True, timeout=60
    )
    assert read.returncode == 0, read.stderr
    parsed = json.loads(read.stdout)
    assert len(parsed) == 4 and {c["version"] for c in parsed} == {"4.0"}
    desk = next(c for c in parsed if c["fn"].startswith("Accueil"))
    assert desk["kind"] == "org"
    assert desk["note"] == "Le matin ; sinon, par courriel"
    [tel] = desk["tel"]
    assert tel["value"] == "tel:+33-4-00-00-00-02" and tel["valueType"] == "uri"
    assert sorted(tel["type"]) == ["voice", "work"]
    pi = next(c for c in parsed if c["fn"] == "Dr Ludovic Trefond")
    assert pi["n"][:2] == ["Trefond", "Ludovic"] and pi["kind"] == "individual"
