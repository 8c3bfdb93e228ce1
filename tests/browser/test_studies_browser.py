"""A study's own page and the study list in a real browser: the script keeps the study of
the path (/etudes/<slug>), the title follows the answer, and the pages pass axe."""

import pytest

from tests.browser.conftest import search_with_keyboard, site_names
from tests.study_fixtures import LUPUS, LUPUS_DETAILS, import_record, lupus_record, set_details

LUPUS_TITLE = "Exemple-CAR-T in Refractory Lupus (fictional)"


@pytest.fixture
def two_studies(live, tmp_path):
    import_record(live.app.test_cli_runner(), tmp_path, lupus_record(), "lupus.json")
    set_details(live.app, LUPUS, LUPUS_DETAILS)
    return live


def test_a_study_page_searches_its_own_study(two_studies, page_factory):
    page = page_factory(locale="fr-FR")
    asked = []
    page.on("request", lambda r: asked.append(r.url) if "/widget/answer" in r.url else None)
    page.goto(f"{two_studies.url}/etudes/{LUPUS}")
    assert page.locator("h1").inner_text() == LUPUS_TITLE
    search_with_keyboard(page, page, "Vichy")
    # The record's only open site: its Lyon one (its Clermont-Ferrand site is closed).
    assert site_names(page) == ["Hôpital Exemple Rive Gauche"]
    assert asked and all(f"study={LUPUS}" in url for url in asked)
    page.wait_for_function("() => location.search === '?insee=03310'")
    assert page.evaluate("location.pathname") == f"/etudes/{LUPUS}"
    assert page.title() == f"Vichy (03) — {LUPUS_TITLE} : trouver un centre"
    # Reloaded, the same address renders the same answer on the server.
    page.reload()
    assert site_names(page) == ["Hôpital Exemple Rive Gauche"]
    link = page.locator("#answer .all-trials a")
    assert link.inner_text() == "Tous les essais pour cette maladie"
    link.click()
    page.wait_for_url("**/etudes?condition=*")
    assert page.locator(".across .results > li").count() == 2


@pytest.mark.parametrize(
    "path",
    ["/etudes?lang=fr", "/etudes?condition=lupus&town=Vichy", "/etudes?condition=%01&lang=en"],
)
@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_no_accessibility_violations(two_studies, page_factory, axe_source, path, scheme):
    page = page_factory(
        bypass_csp=True, color_scheme=scheme, viewport={"width": 1024, "height": 900}
    )
    page.goto(two_studies.url + path)
    page.evaluate(axe_source)
    results = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    violations = [(v["id"], [n["target"] for n in v["nodes"]]) for v in results["violations"]]
    assert violations == []


def test_no_accessibility_violations_on_a_study_page(two_studies, page_factory, axe_source):
    page = page_factory(bypass_csp=True, viewport={"width": 1024, "height": 900})
    page.goto(f"{two_studies.url}/etudes/{LUPUS}")
    search_with_keyboard(page, page, "Vichy")
    page.evaluate(axe_source)
    results = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    violations = [(v["id"], [n["target"] for n in v["nodes"]]) for v in results["violations"]]
    assert violations == []


def test_choosing_another_study_shows_its_own_page(two_studies, page_factory):
    page = page_factory(locale="fr-FR")
    page.goto(f"{two_studies.url}/?q=Vichy")
    assert page.locator("h1").inner_text().startswith("Essai clinique international")
    page.select_option("#study", LUPUS)
    page.wait_for_url(f"**/?q=Vichy&study={LUPUS}")
    assert page.locator("h1").inner_text() == LUPUS_TITLE
    assert page.title() == f"Vichy (03) — {LUPUS_TITLE} : trouver un centre"
    assert site_names(page) == ["Hôpital Exemple Rive Gauche"]
