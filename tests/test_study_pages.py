"""Each study's own page, title and facts (/?study=, /etudes/<slug>, the printed sheet, the
widget), the study list /etudes and its search across studies; today's pages unchanged."""

import re
from html import unescape

import pytest

from sitedir.extensions import db
from sitedir.models import Study
from tests.study_fixtures import LUPUS, MS

SEEDED_TITLE = (
    "Essai clinique international de phase 1/2 de cellules CAR-T dans le lupus "
    "érythémateux systémique de l'adulte"
)
SEEDED_TITLE_EN = (
    "International phase 1/2 clinical trial of CAR-T cells in adult systemic lupus erythematosus"
)
LUPUS_TITLE = "Exemple-CAR-T in Refractory Lupus (fictional)"
MS_TITLE = "Exemple cell therapy in multiple sclerosis (fictional)"


def page(client, url: str, status: int = 200) -> str:
    response = client.get(url)
    assert response.status_code == status, url
    assert response.mimetype == "text/html"
    return response.get_data(as_text=True)


def title(html: str) -> str:
    return unescape(re.search(r"<title>(.*?)</title>", html, re.S)[1]).strip()


def h1(html: str) -> str:
    return unescape(re.search(r"<h1[^>]*>(.*?)</h1>", html, re.S)[1]).strip()


def sheet_head(html: str) -> str:
    return unescape(re.search(r'<p class="sheet-head print-only">(.*?)</p>', html, re.S)[1])


def facts(html: str) -> dict[str, str]:
    block = re.search(r'<dl class="study-facts">(.*?)</dl>', html, re.S)[1]
    pairs = re.findall(r"<dt>(.*?)</dt><dd>(.*?)</dd>", block, re.S)
    return {unescape(k): unescape(re.sub(r"<[^>]+>", "", v)) for k, v in pairs}


@pytest.mark.parametrize("url", [f"/etudes/{LUPUS}", f"/?study={LUPUS}"])
def test_each_study_page_has_its_own_title_and_facts(client, three_studies, url):
    html = page(client, url)
    assert h1(html) == LUPUS_TITLE
    assert title(html) == f"{LUPUS_TITLE} : trouver un centre"
    assert "Essai CAR-T dans le lupus" not in html  # what every study said before
    assert facts(html) == {
        "Phase": "1/2",
        "Maladie": "Systemic Lupus Erythematosus",
        "Promoteur": "Exemple Biotech (fictional)",
        "Âge": "de 18 ans à 70 ans",
        "Sexe": "tous",
        "Source": "ClinicalTrials.gov NCT09999901, statut vérifié en février 2025",
        "Registre": "ClinicalTrials.gov NCT09999901",
    }
    assert 'href="https://clinicaltrials.gov/study/NCT09999901"' in html
    assert "qui décide de l&#39;inclusion" in html
    assert "Central Exemple" in html  # the study's own contact, from the record


def test_the_seeded_study_shows_only_what_is_known(client, three_studies):
    html = page(client, "/etudes/cart-lupus")
    assert h1(html) == SEEDED_TITLE
    assert facts(html) == {
        "Phase": "1/2",
        "Maladie": "Lupus érythémateux systémique",
        "Population": "Adultes",
        "Source": "Communiqué de presse du CHU de Clermont-Ferrand "
        "(shared/seed/000_2feeed13a5c46e78.txt)",
    }
    assert "clinicaltrials.gov" not in html.lower()


def test_english_titles_and_facts(client, three_studies):
    html = page(client, f"/etudes/{MS}?lang=en")
    assert title(html) == f"{MS_TITLE}: find a site"
    found = facts(html)
    assert found["Age"] == "18 years and older" and found["Sex"] == "female"
    assert found["Sponsor"] == "Exemple Neuro (fictional)"


def test_the_printed_sheet_names_the_study(client, three_studies):
    for url in (f"/etudes/{LUPUS}?q=Vichy", f"/?study={LUPUS}&q=Vichy"):
        html = page(client, url)
        assert title(html) == f"Vichy (03) — {LUPUS_TITLE} : trouver un centre"
        assert sheet_head(html) == LUPUS_TITLE
        sheet = html[html.index('class="sheet-study print-only"') :]
        assert (
            "ClinicalTrials.gov NCT09999901 (https://clinicaltrials.gov/study/NCT09999901)" in sheet
        )
        assert "de 18 ans à 70 ans" in sheet and "qui décide de l&#39;inclusion" in sheet
    fragment = page(client, f"/widget/answer?study={LUPUS}&q=Vichy&view=page")
    assert sheet_head(fragment) == LUPUS_TITLE
    assert sheet_head(page(client, "/?q=Vichy")) == SEEDED_TITLE


def test_the_widget_takes_the_study_from_data_study(client, three_studies):
    html = page(client, f"/widget/frame?study={MS}&q=Vichy&lang=en")
    assert h1(html) == MS_TITLE
    assert re.search(r'<h1 class="compact">', html)
    # This study has no open site: the title says so (RGAA 8.6).
    assert title(html) == f"Vichy (03): no site recruiting — {MS_TITLE}: find a site"
    details = html[html.index('<details class="study">') :]
    assert (
        "Exemple Neuro (fictional)" in details and "The site&#39;s investigator decides" in details
    )
    assert f'data-study="{MS}"' in html
    assert f'href="/etudes/{MS}?lang=en"' in html  # "open the full directory": this study's
    assert h1(page(client, "/widget/frame")) == SEEDED_TITLE  # the default study


def test_all_trials_for_the_condition_when_it_has_several(client, three_studies):
    html = page(client, "/?q=Vichy")
    links = re.findall(
        r'<p class="all-trials"><a href="([^"]+)">Tous les essais pour cette maladie', html
    )
    # In the answer (with the town) and in the study's block (without).
    assert (
        unescape(links[0]) == "/etudes?condition=Systemic+lupus+erythematosus&insee=03310&lang=fr"
    )
    assert unescape(links[1]) == "/etudes?condition=Systemic+lupus+erythematosus&lang=fr"
    # The sclerosis study is alone with its condition: no such link.
    assert "Tous les essais pour cette maladie" not in page(client, f"/etudes/{MS}?q=Vichy")
    # Followed: both lupus studies, each with its nearest open site to Vichy, nearest first.
    listed = page(client, unescape(links[0]))
    across = listed[listed.index('class="across"') : listed.index('class="study-list"')]
    assert across.index("CAR-T dans le lupus") < across.index(LUPUS_TITLE)
    assert "48,0 km" in across and "120,0 km" in across and "Ludovic Trefond" in across
    assert 'value="Vichy (03)"' in listed  # the form says which town it was


def test_all_trials_is_offered_only_with_several_studies(client):
    assert "Tous les essais pour cette maladie" not in page(client, "/?q=Vichy")


def test_the_study_list(client, three_studies):
    html = page(client, "/etudes")
    assert h1(html) == "Les essais de l'annuaire" and '<html lang="fr"' in html
    for name in (SEEDED_TITLE, LUPUS_TITLE, MS_TITLE):
        assert name in unescape(html)
    assert "3 essais" in html and "9 centre(s) ouvert(s)" in html
    assert f'href="/etudes/{LUPUS}?lang=fr"' in html
    html = page(client, "/etudes?condition=SCLEROSE&lang=en")
    assert "1 trial" in html and MS_TITLE in html and LUPUS_TITLE not in html
    assert "No site recruiting at present" in html
    html = page(client, "/etudes?condition=lupus&open=1&town=Lyon")
    across = html[html.index('class="across"') : html.index('class="study-list"')]
    assert across.index(LUPUS_TITLE) < across.index("CAR-T dans le lupus")
    html = page(client, "/etudes?condition=scl%C3%A9rose&town=Vichy")
    assert "Essais sans centre ouvert aux inclusions" in html and MS_TITLE in html


def test_the_study_list_says_what_it_could_not_read(client):
    html = page(client, "/etudes?condition=%01", status=400)
    assert 'aria-invalid="true"' in html
    assert 'aria-describedby="f-condition-hint f-condition-error"' in html
    assert 'id="f-condition-error" class="field-error">Ce champ n&#39;a pas pu être lu' in html
    html = page(client, "/etudes?town=Xyzzyville&condition=lupus")
    assert "Aucune commune ne correspond" in html


def test_an_unknown_study_is_a_page_that_says_so(client):
    html = page(client, "/etudes/nct00000000", status=404)
    assert "Aucun essai « nct00000000 »" in html and SEEDED_TITLE in unescape(html)
    assert page(client, "/etudes/%3Cb%3E", status=404).count("<b>") == 0


def test_study_texts_are_escaped(app, client):
    with app.app_context():
        study = db.session.scalar(db.select(Study).where(Study.slug == "cart-lupus"))
        study.title_fr = "<script>alert(1)</script>"
        study.details = {"sponsor": "<img src=x onerror=alert(1)>"}
        db.session.commit()
    for url in ("/", "/etudes", "/etudes/cart-lupus?q=Vichy", "/widget/frame"):
        html = page(client, url)
        assert "<script>alert" not in html and "<img src=x" not in html, url


TODAYS_PAGES = (
    "/",
    "/?q=Vichy",
    "/?insee=03310",
    "/?q=Vichy&lang=en",
    "/widget/frame?q=Vichy",
    "/widget/answer?q=Vichy&view=page",
    "/?study=cart-lupus&q=Vichy",
    "/widget",
)


@pytest.mark.parametrize("url", TODAYS_PAGES)
def test_todays_pages_still_answer_for_the_seeded_study(client, three_studies, url):
    html = page(client, url)
    if "q=Vichy" in url or "insee" in url:
        assert "CHU de Clermont-Ferrand" in html
        assert html.index("CHU de Clermont-Ferrand") < html.index(
            "Pitié-Salpêtrière", html.index("results")
        )
    if url.startswith("/?") or url == "/":
        assert h1(html) in (SEEDED_TITLE, SEEDED_TITLE_EN)


def test_the_embed_script_names_no_one_study(client):
    script = client.get("/widget/embed.js").get_data(as_text=True)
    assert "CAR-T" not in script and "Trouver un centre d'essai clinique" in script


def test_the_home_page_links_to_the_study_list(client):
    assert 'href="/etudes?lang=fr">Les essais de l&#39;annuaire</a>' in page(client, "/")
    assert 'href="/etudes?lang=en">The directory&#39;s trials</a>' in page(client, "/?lang=en")
