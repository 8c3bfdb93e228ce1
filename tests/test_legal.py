"""The legal pages: present, in both languages, linked from every public page, honest about
what the operator has not set, and about the accessibility level."""

import re
from html import unescape

import pytest

from sitedir.legal import accessibility
from sitedir.legal.publisher import FIELDS

PAGES = ("/accessibilite", "/mentions-legales", "/donnees-personnelles")
PUBLIC = ("/", "/widget", "/contact/clermont-ferrand", "/etudes")


@pytest.mark.parametrize("path", PAGES)
def test_each_page_in_french_then_english(client, path):
    fr = client.get(path)
    assert fr.status_code == 200 and fr.headers["Content-Language"] == "fr"
    assert '<html lang="fr"' in fr.get_data(as_text=True)
    en = client.get(path + "?lang=en")
    assert en.headers["Content-Language"] == "en"
    assert '<html lang="en"' in en.get_data(as_text=True)
    assert "Set-Cookie" not in fr.headers


@pytest.mark.parametrize("path", PUBLIC)
def test_every_public_page_links_to_the_three(client, path):
    html = client.get(path).get_data(as_text=True)
    footer = html[html.index('<footer class="legal-footer">') :]
    for page in PAGES:
        assert f'href="{page}?lang=fr"' in footer
    # The RGAA wants the level in the link's words.
    assert "Accessibilité : non conforme" in footer


def test_the_frame_links_to_them_from_a_small_about(client):
    html = client.get("/widget/frame?lang=en").get_data(as_text=True)
    about = html[html.index('<details class="about">') :]
    assert "<summary>About</summary>" in about
    for page in PAGES:
        link = re.search(rf'<a href="{page}\?lang=en"[^>]*>(.*?)</a>', about, re.S)
        assert 'target="_blank"' in link[0] and "(new window)" in link[1]


def test_placeholders_name_each_unset_setting(client):
    text = "".join(client.get(p).get_data(as_text=True) for p in PAGES)
    for variable in FIELDS.values():
        if variable == "SITEDIR_ACCESSIBILITY_CONTACT":
            continue  # falls back to the publisher's contact, itself a placeholder here
        assert f"<code>{variable}</code>" in text, variable
    assert "À renseigner par l'exploitant" in unescape(text)


def test_set_details_replace_the_placeholders(app, client):
    app.config.update(
        PUBLISHER_NAME="Réseau test",
        PUBLISHER_CONTACT="accessibilite@reseau.test",
        HOSTING_PROVIDER="Hébergeur test\n1 rue de l'Exemple",
    )
    notice = client.get("/mentions-legales").get_data(as_text=True)
    assert "Réseau test" in notice and "SITEDIR_PUBLISHER_NAME" not in notice
    assert "SITEDIR_HOSTING_PROVIDER" not in notice
    assert "SITEDIR_PUBLISHER_ADDRESS" in notice  # still unset: still said
    statement = client.get("/accessibilite").get_data(as_text=True)
    # The accessibility contact falls back to the publisher's, as a mail link.
    assert 'href="mailto:accessibilite@reseau.test"' in statement
    assert "SITEDIR_ACCESSIBILITY_CONTACT" not in statement


def test_a_detail_is_escaped(app, client):
    app.config["PUBLISHER_NAME"] = "<script>alert(1)</script>"
    html = client.get("/mentions-legales").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;" in html


def test_the_statement_has_the_rgaa_sections_and_every_criterion_not_met(client):
    html = client.get("/accessibilite").get_data(as_text=True)
    for heading in (
        "État de conformité",
        "Résultats des tests",
        "Non-conformités",
        "Dérogations pour charge disproportionnée",
        "Établissement de cette déclaration",
        "Retour d'information et contact",
        "Voies de recours",
    ):
        assert f">{heading}</h" in unescape(html), heading
    assert "<strong>non conforme</strong>" in html
    assert "Défenseur des droits" in html
    rows = re.findall(r"<tr><td>([\d.]+)</td>", html)
    assert rows == [row.rgaa for row in accessibility.NOT_MET]


def test_the_privacy_page_says_what_the_configuration_does(app, client):
    app.config.update(CONTACT_RETENTION_DAYS=30)
    html = client.get("/donnees-personnelles").get_data(as_text=True)
    assert "<code>sitedir_admin</code>" in html
    assert "8 heures" in html and "30 jours" in html
    app.config.update(ACCESS_LOG=False)
    assert "n'écrit aucun" in unescape(client.get("/donnees-personnelles").get_data(as_text=True))


def test_a_public_error_page_links_to_them_too(client):
    response = client.get("/nowhere", headers={"Accept": "text/html"})
    assert response.status_code == 404
    html = response.get_data(as_text=True)
    assert 'href="/mentions-legales?lang=fr"' in html[html.index('class="legal-footer"') :]
    # The admin layout is not a public page: no public footer there.
    admin = client.get("/admin/nowhere", headers={"Accept": "text/html"}).get_data(as_text=True)
    assert "legal-footer" not in admin
