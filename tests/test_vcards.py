"""A site's public contacts as vCard 4.0: they parse back with vobject, one card per public
contact, and nothing the data does not hold."""

import vobject

from sitedir.extensions import db
from sitedir.models import Contact, Site
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
    assert desk.tel.value == "+33 4 00 00 00 02"
    assert desk.email.value == "adressage@example.org"


def test_the_switchboard_only_when_no_channel_is_public_and_the_hospital_has_one(app, client):
    [card] = cards(client, "bordeaux")
    assert "tel" not in card.contents  # no channel, no switchboard: nothing made up
    with app.app_context():
        _site("bordeaux").institution.switchboard = "+33 5 00 00 00 00"
        db.session.commit()
    [card] = cards(client, "bordeaux")
    assert card.tel.value == "+33 5 00 00 00 00"
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
