"""What the accessibility statement says, as data: the page renders it, the tests read it.

The RGAA asks a statement for a conformance level measured by an audit of its 106 criteria
on a sample of pages. No such audit has been made of sitedir, so the statement says
"non conforme" (the level the RGAA prescribes without an audit) and gives what *was*
measured instead: the automated checks in tests/browser/ and the manual review of issue 23.
Remove a row of NOT_MET only in the commit whose browser test shows it fixed.
"""

from dataclasses import dataclass

RGAA_VERSION = "4.1"
# The level the RGAA prescribes when no audit of the 106 criteria has been made.
LEVEL = "non_conforme"
LEVELS = {
    "non_conforme": ("non conforme", "not compliant"),
    "partiellement_conforme": ("partiellement conforme", "partially compliant"),
    "totalement_conforme": ("totalement conforme", "fully compliant"),
}
# When this statement (the table below) was last established from the tests.
ESTABLISHED = "2026-12-02"


@dataclass(frozen=True)
class NotMet:
    """A criterion a manual review found failing, and not yet shown fixed by a test."""

    rgaa: str
    wcag: str
    where_fr: str
    where_en: str
    what_fr: str
    what_en: str


NOT_MET = (
    NotMet(
        "11.10",
        "3.3.1",
        "administration, Comptes",
        "administration, Accounts",
        "« un administrateur de site a besoin d'un site » s'affiche en bandeau, sans être "
        "relié au champ concerné.",
        '"a site admin needs a site" is shown as a banner, not tied to its field.',
    ),
    NotMet(
        "13.1",
        "2.2.1",
        "administration",
        "administration",
        "la session prend fin 8 heures après la connexion ; l'avertissement qui la précède "
        "n'a pas encore été vérifié par un test dans le navigateur.",
        "the session ends 8 hours after login; the warning before it has not yet been "
        "checked by a browser test.",
    ),
    NotMet(
        "8.6",
        "2.4.2",
        "recherche ; administration",
        "search; administration",
        "une page sans résultat garde le titre générique ; les pages d'administration de "
        "deux centres partagent un titre.",
        "a page with no result keeps the generic title; two sites' admin pages share a title.",
    ),
    NotMet(
        "10.4",
        "1.4.4",
        "page de recherche",
        "search page",
        "à 200 % de taille de texte, le champ de recherche rétrécit (environ 110 px).",
        "at 200 % text size the search field shrinks (to about 110 px).",
    ),
    NotMet(
        "12.7",
        "2.4.1",
        "administration",
        "administration",
        "pas de lien d'évitement.",
        "no skip link.",
    ),
    NotMet(
        "12.1",
        "3.2.3",
        "administration",
        "administration",
        "le menu n'apparaît que sur le tableau de bord.",
        "the menu appears on the dashboard only.",
    ),
)

# Derogations for disproportionate burden: none is claimed.
DEROGATIONS: tuple = ()

# What the automated checks measure, each with the test file that measures it.
MEASURED = (
    (
        "axe-core 4.14.1 : aucune violation, dans les thèmes clair et sombre, sur la page de "
        "recherche, le widget, le formulaire de contact, l'administration et ces pages",
        "axe-core 4.14.1: no violation, in the light and dark themes, on the search page, the "
        "widget, the contact form, the admin page and these pages",
        "tests/browser/",
    ),
    (
        "le parcours au clavier de la recherche, du widget et de l'administration",
        "the keyboard path through the search, the widget and the admin page",
        "tests/browser/test_search_browser.py, test_widget_browser.py, test_admin_browser.py",
    ),
    (
        "ces pages : langue, titre, régions (bannière, principale, pied de page), "
        "pas de défilement horizontal à 320 px ni à 200 % de texte, contrastes calculés "
        "depuis les couleurs rendues dans les deux thèmes",
        "these pages: language, title, landmarks (banner, main, contentinfo), no sideways "
        "scrolling at 320 px or at 200 % text, contrasts computed from the rendered colours "
        "in both themes",
        "tests/browser/test_legal_browser.py",
    ),
    (
        "le widget : un réglage invalide affiché dans le cadre et signalé dans la console ; "
        "des titres de cadre différents, dans la langue du widget (lang)",
        "the widget: a wrong setting shown in the frame and warned about in the console; "
        "frame titles that differ, in the widget's language (lang)",
        "tests/browser/test_widget_settings_browser.py",
    ),
    (
        "la recherche : contraste du texte indicatif dans les deux thèmes, contour du bouton "
        "en mode de couleurs forcées, lien qui annonce l'ouverture d'une nouvelle fenêtre",
        "the search: the placeholder's contrast in both themes, the button's outline in "
        "forced-colours mode, a link that says it opens a new window",
        "tests/browser/test_rgaa_fixes_browser.py",
    ),
    (
        "le configurateur : pas de défilement horizontal à 320 px ni à 200 % de texte ; "
        "la recherche, le widget et le configurateur : bannière et pied de page hors de <main>",
        "the configurator: no sideways scrolling at 320 px or at 200 % text; the search, the "
        "widget and the configurator: banner and footer outside <main>",
        "tests/browser/test_rgaa_fixes_browser.py",
    ),
)

TECHNOLOGIES = ("HTML5", "CSS", "JavaScript", "SVG", "WAI-ARIA")
# Where the checks run; no screen reader has been tried yet, and the page says so.
ENVIRONMENT = "Chromium (Debian 12), Playwright, axe-core 4.14.1"
