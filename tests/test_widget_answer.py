"""The answer rendered on the server (no JavaScript): the page, the frame and the fragment
the script fetches, from one template."""

from datetime import UTC, datetime, timedelta

import pytest

from sitedir.domain.clock import in_paris, today_in_paris
from sitedir.extensions import db
from sitedir.models import Institution, Site
from sitedir.widget.nearby import nearest_place
from sitedir.widget.trust import long_date


def page(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return response.get_data(as_text=True)


def test_a_plain_get_renders_the_answer_in_french(client):
    html = page(client, "/?q=Vichy")
    assert "Centres ouverts les plus proches de Vichy (03)" in html
    assert html.index("CHU de Clermont-Ferrand") < html.index(
        "Pitié-Salpêtrière", html.index("results")
    )
    assert "48,0 km à vol d&#39;oiseau" in html
    assert "Ludovic Trefond" in html and "coordonnées à confirmer" in html
    assert (
        "Information à vérifier : jamais confirmée par le centre "
        "(d&#39;après le communiqué du CHU de Clermont-Ferrand)" in html
    )
    assert "investigateur du centre qui décide" in html  # eligibility disclaimer
    assert 'value="Vichy"' in html  # the box keeps what was typed
    assert 'id="patient" class="patient" transform=' in html  # the map marker, server-side
    assert "3 centres ouverts trouvés." in html  # the live region's sentence


def test_a_plain_get_renders_the_answer_in_english(client):
    html = page(client, "/?q=Vichy&lang=en")
    assert "Open sites nearest to Vichy (03)" in html
    assert "48.0 km in a straight line" in html
    assert (
        "To be checked: never confirmed by the site "
        "(according to the press release of the CHU de Clermont-Ferrand)" in html
    )
    assert '<input type="hidden" name="lang" value="en">' in html  # kept on the next search


def test_the_form_is_a_real_get_form_for_the_page_and_the_frame(client):
    assert 'method="get" action="/"' in page(client, "/")
    frame = page(client, "/widget/frame?lang=en&region=84&theme=dark&accent=%23aa0000")
    assert 'method="get" action="/widget/frame"' in frame
    for hidden in ("lang", "region", "theme", "accent"):
        assert f'type="hidden" name="{hidden}"' in frame


def test_the_frame_answers_and_links_to_the_directory(client):
    html = page(client, "/widget/frame?q=Vichy&lang=fr&region=84&accent=%23aa0000")
    assert "Ouvrir dans l&#39;annuaire" in html
    assert 'href="/?q=Vichy&amp;lang=fr&amp;region=84"' in html  # no looks on the page
    assert '<button type="button" class="print"' not in html
    # Each card's sheet opens on the full page, outside the frame.
    assert 'href="/?q=Vichy&amp;lang=fr&amp;region=84&amp;sheet=clermont-ferrand"' in html
    assert 'target="_blank" rel="noopener"' in html


def test_the_fragment_is_the_same_markup_as_the_page(client):
    full = page(client, "/?q=Vichy")
    fragment = page(client, "/widget/answer?q=Vichy&view=page")
    start = full.index('<div id="answer-body"')
    assert full[start : start + len(fragment.strip())] == fragment.strip()


def test_an_ambiguous_town_lists_the_choices_as_links(client):
    html = page(client, "/?q=Saint-Denis")
    # Asked first, without JavaScript: no answer for one of them.
    assert "Plusieurs communes s&#39;appellent « Saint-Denis » : laquelle ?" in html
    assert 'href="?insee=93066"' in html and 'href="?insee=97411"' in html
    assert "Seine-Saint-Denis, Île-de-France" in html
    assert '<span class="where">La Réunion</span>' in html  # département and région, once
    assert 'id="results"' not in html
    html = page(client, "/?insee=93066")
    assert "Centres ouverts les plus proches de Saint-Denis (93)" in html
    assert 'value="Saint-Denis (93)"' in html


def test_a_town_not_found_says_so_with_suggestions(client):
    html = page(client, "/?q=Clairmont-Ferrant")
    assert "Pas de réponse pour cette recherche" in html
    assert "Vouliez-vous dire" in html and ">Clermont-Ferrand (63)</a>" in html
    assert 'href="?insee=' in html
    html = page(client, "/?q=zzzzqqqq&lang=en")
    assert "No town matches" in html


def test_an_overseas_town_is_told_there_is_no_site_there(client):
    html = page(client, "/?q=Papeete")
    assert "L&#39;essai n&#39;a aucun centre outre-mer (Polynésie française)" in html
    assert "France métropolitaine" in html
    assert "Commune hors de la carte" in html
    html = page(client, "/?insee=97411&lang=en")
    assert "The trial has no site overseas (La Réunion)" in html


def test_a_borrowed_point_makes_the_distance_approximate(client):
    html = page(client, "/?insee=01001")
    assert "Distances approximatives" in html and "code postal" in html
    assert "(approximatif)" in html
    assert "(approximatif)" not in page(client, "/?q=Vichy")


def test_staleness_in_words(app, client):
    now = datetime.now(UTC)
    with app.app_context():
        site = db.session.scalar(db.select(Site).where(Site.slug == "clermont-ferrand"))
        site.status_confirmed_at = now - timedelta(days=2)
        site.status_reason = None
        paris = db.session.scalar(db.select(Site).where(Site.slug == "paris-1"))
        paris.status_confirmed_at = now - timedelta(days=45)
        paris.status_reason = None
        db.session.commit()
    html = page(client, "/?q=Vichy")
    confirmed_on = long_date(in_paris(now - timedelta(days=2)).date(), "fr")
    # Confirmed by a person: the source no longer matters, and no warning.
    assert (
        f'<p class="trust trust-confirmed">Statut confirmé par le centre le {confirmed_on}</p>'
        in html
    )
    # Days counted between Paris dates, as a doctor in France counts them.
    days = (today_in_paris() - in_paris(now - timedelta(days=45)).date()).days
    assert f"Confirmé il y a {days} jours : appelez avant d&#39;adresser" in html
    assert html.index("Clermont-Ferrand – Hôpital") < html.index("Pitié")  # order unchanged
    assert f"Confirmed {days} days ago: call before referring" in page(client, "/?q=Vichy&lang=en")
    # One trust line per card: the old stacked caveats are gone.
    assert "Information non encore confirmée par le centre</p>" not in html
    assert html.count('class="trust ') == 3


def test_a_position_is_answered_for_the_nearest_commune(client):
    assert nearest_place(45.894, 3.113).name == "Riom"
    assert nearest_place(0.0, -30.0) is None  # the middle of the Atlantic
    html = page(client, "/widget/answer?lat=45.894&lon=3.113&view=page")
    assert "près de Riom (63)" in html and 'data-query="insee=63300"' in html
    html = page(client, "/widget/answer?lat=0&lon=-30")
    assert "Aucune commune française près de cette position" in html


@pytest.mark.parametrize(
    "query",
    [
        "q=" + "a" * 5000,
        "q=%00%01",
        "q=\n",
        "insee=99999",
        "insee=<script>",
        "lat=nan&lon=3",
        "lat=91&lon=3",
        "lat=abc&lon=def",
        "lat=45",
        "q=Vichy&study=../etc",
        "q=Vichy&study=no-such-study",
        "q=Vichy&region=<b>&limit=99999&accent=red;}&theme=x&bg=url(x)",
        "q=Vichy&limit=%C2%B2",
        "q=Vichy&q=Brest&insee=63113",
    ],
)
@pytest.mark.parametrize("path", ["/", "/widget/frame", "/widget/answer"])
def test_hostile_parameters_never_fail(client, path, query):
    response = client.get(f"{path}?{query}")
    assert response.status_code in (200, 400, 404), (path, query)
    html = response.get_data(as_text=True)
    assert "<script>" not in html.replace('<script src="/widget/static/', "")
    assert "Traceback" not in html


def test_everything_from_data_is_escaped(app, client):
    hostile = "<img src=x onerror=alert(1)>"
    with app.app_context():
        site = db.session.scalar(db.select(Site).where(Site.slug == "clermont-ferrand"))
        institution = db.session.get(Institution, site.institution_id)
        institution.site_name = hostile
        institution.address = '"><script>alert(2)</script>'
        site.status_reason = None
        for contact in site.contacts:
            contact.name = hostile
            contact.email = 'x"@example.org'
        db.session.commit()
    for url in ("/?q=Vichy", "/widget/answer?q=Vichy", "/widget/frame?q=Vichy"):
        html = page(client, url)
        assert "<img src=x" not in html and "<script>alert" not in html
        assert "&lt;img src=x onerror=alert(1)&gt;" in html


def test_the_theme_stylesheet_keeps_chosen_colours_readable(client):
    from sitedir.widget.colors import contrast

    css = client.get("/widget/theme.css?accent=%23ffff00&bg=%23101418").get_data(as_text=True)
    light = css.split(':root[data-theme="light"] { --accent: ')[1][:7]
    assert contrast(light, "#ffffff") >= 4.5
    assert ':root[data-theme="dark"] { --paper: #101418;' in css
    # A background no text of the light theme reads on is never used as its paper.
    assert "--paper" not in css.split(':root[data-theme="dark"]')[0]
    assert client.get("/widget/theme.css?accent=red;}").get_data(as_text=True).strip() == ""


def test_the_configurator_in_both_languages(client):
    html = page(client, "/widget")
    assert "Intégrer la recherche sur votre site" in html
    assert "/widget/embed.js&#34; data-study=&#34;cart-lupus&#34;" in html or (
        '/widget/embed.js" data-study="cart-lupus"' in html.replace("&#34;", '"')
    )
    assert "frame-src http://localhost" in html
    html = page(client, "/widget?lang=en&wlang=en&region=84&limit=2&accent=%236a1b9a&theme=dark")
    assert "Embed the search on your site" in html
    tag = html.split('<code id="tag">')[1].split("</code>")[0].replace("&#34;", '"')
    assert (
        'data-study="cart-lupus" data-lang="en" data-region="84" data-limit="2" '
        'data-accent="#6a1b9a" data-theme="dark" async' in tag.replace("&gt;", ">")
    )
    assert "/widget/frame?study=cart-lupus&amp;lang=en&amp;region=84" in html


def test_the_embed_script_asks_for_geolocation_and_the_theme(client):
    response = client.get("/widget/embed.js")
    script = response.get_data(as_text=True)
    response.close()
    assert 'setAttribute("allow", "geolocation")' in script
    assert '"theme"' in script and "colorScheme" in script


def test_a_second_study_brings_a_study_chooser(app, client):
    from sitedir.models import Study

    assert 'name="study"' not in page(client, "/")  # one study: no chooser
    with app.app_context():
        db.session.add(
            Study(
                slug="autre-etude",
                title_fr="Une autre étude",
                title_en="Another study",
                phase="2",
                condition_fr="Lupus",
                condition_en="Lupus",
                intervention_fr="-",
                intervention_en="-",
                population_fr="Adultes",
                population_en="Adults",
                eligibility_fr="-",
                eligibility_en="-",
                disclaimer_fr="-",
                disclaimer_en="-",
                source="test",
            )
        )
        db.session.commit()
    html = page(client, "/?q=Vichy")
    assert '<select id="study" name="study"' in html
    assert '<option value="cart-lupus" selected>' in html  # today's URLs: the same study
    assert "CHU de Clermont-Ferrand" in html
    html = page(client, "/?q=Vichy&study=autre-etude")
    assert '<option value="autre-etude" selected>' in html
    assert "Aucun centre ouvert" in html  # that study has no site yet


def test_the_page_and_the_fragment_share_the_api_answer_cache(app, client, monkeypatch):
    from sitedir.directory import nearest

    computed = []
    original = nearest._answer
    monkeypatch.setattr(nearest, "_answer", lambda *a: computed.append(a) or original(*a))
    page(client, "/?q=Vichy")
    page(client, "/widget/answer?q=Vichy&view=page")
    page(client, "/widget/frame?q=Vichy")
    assert len(computed) == 1
    # The same parameters on the API: the same cached answer.
    assert client.get("/api/v1/nearest?q=Vichy&limit=3&study=cart-lupus").status_code == 200
    assert len(computed) == 1


def test_an_unknown_study_is_said_not_taken_for_an_unknown_town(client):
    html = page(client, "/?insee=03310&study=no-such-study")
    assert "state-invalid" in html
    assert "no-such-study" in html


@pytest.mark.parametrize("typed", ["Lyon 3e", "Marseille 5e", "Val Thorens", "Vichy"])
def test_a_place_with_its_own_point_is_not_called_approximate(client, typed):
    html = page(client, f"/?q={typed}")
    assert "approximati" not in html


def test_a_borrowed_point_names_whose_point_it_is(client):
    # Paris's arrondissements have no point of their own in GeoNames' cities500.
    html = page(client, "/?q=Paris 13e")
    assert (
        "Distances approximatives : Paris 13e Arrondissement (75) n&#39;a pas de point propre "
        "dans notre base ; celui du centre de Paris (75) est utilisé." in html
    )
    html = page(client, "/?insee=01001")  # L'Abergement-Clémenciat
    assert "qui partage son code postal, est utilisé." in html
    assert "(approximatif)" in html


def test_every_precision_says_where_its_point_comes_from():
    from sitedir.places.gazetteer import get_gazetteer

    gazetteer = get_gazetteer()
    for place in gazetteer.places():
        owner = gazetteer.point_owner(place)
        if place.precision == "commune":
            assert owner is None
        elif owner is None:
            continue  # an overseas collectivity's capital, from GeoNames by name
        elif place.precision == "postcode":
            assert set(owner.postcodes) & set(place.postcodes), place
        else:
            assert owner.department == place.department, place


def test_a_ski_resort_is_answered_from_its_commune(client):
    html = page(client, "/?q=Val+Thorens")
    assert "Centres ouverts les plus proches de Val Thorens (commune des Belleville, 73)" in html
    english = page(client, "/?q=Val+Thorens&lang=en")
    assert "Open sites nearest to Val Thorens (commune of Les Belleville, 73)" in english


def test_no_match_is_said_once_and_suggests_nothing_unrelated(client):
    html = page(client, "/?q=Les+Menuires")
    # Shown once, in the answer; the live region, visually hidden, only announces it.
    assert '<p id="status" class="status visually-hidden" role="status"' in html
    assert html.count('<p class="problem">Aucune commune ne correspond') == 1
    assert "Les Peintures" not in html


def test_the_ambiguity_is_asked_in_the_frame_too(client):
    html = page(client, "/widget/frame?q=Valence&lang=en")
    assert "Several towns are called “Valence”: which one?" in html
    assert "Drôme, Auvergne-Rhône-Alpes" in html and "Tarn-et-Garonne, Occitanie" in html
    assert 'href="?insee=82186&amp;lang=en"' in html


def test_each_card_prints_its_own_sheet_without_javascript(client):
    html = page(client, "/?q=Vichy")
    assert html.count(">Imprimer la fiche de ce centre</a>") == 3
    assert 'href="/?q=Vichy&amp;sheet=paris-2"' in html
    assert 'class="site first sheet" id="site-clermont-ferrand"' in html  # by default
    chosen = page(client, "/?q=Vichy&sheet=paris-2")
    assert 'class="site sheet" id="site-paris-2"' in chosen
    assert 'class="site first" id="site-clermont-ferrand"' in chosen
    assert "La fiche imprimée sera celle de ce centre" in chosen
    assert "/?q=Vichy&amp;sheet=paris-2</span>" in chosen  # the sheet's own URL
    # A site that is not in the answer chooses nothing.
    assert 'class="site first sheet"' in page(client, "/?q=Vichy&sheet=nantes")


def test_the_sheet_shows_a_contact_request_reference_when_given(client):
    html = page(client, "/?q=Vichy&ref=DC-2026-000123")
    assert "Référence de la demande de contact : <strong>DC-2026-000123</strong>" in html
    assert "Référence de la demande" not in page(client, "/?q=Vichy&ref=<script>")


def test_a_registry_site_says_when_the_registry_verified_its_status(app, client):
    from sitedir.models import Study

    with app.app_context():
        site = db.session.scalar(db.select(Site).where(Site.slug == "clermont-ferrand"))
        site.source = "ClinicalTrials.gov NCT01234567, record of 2026-09-15"
        site.verified = False
        study = db.session.scalar(db.select(Study).where(Study.slug == "cart-lupus"))
        study.details = {"status_verified": "2026-09"}
        db.session.commit()
    html = page(client, "/?q=Vichy")
    assert (
        "Information à vérifier : jamais confirmée par le centre "
        "(ClinicalTrials.gov, statut vérifié en septembre 2026)" in html
    )
    assert "(ClinicalTrials.gov, status verified in September 2026)" in page(
        client, "/?q=Vichy&lang=en"
    )
