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
    # The warning is measured (tests/browser/test_rgaa_admin_browser.py): it comes
    # 5 minutes before the end, in a live region, and a login in another tab puts the end
    # off without losing the page. That login asks for the password again, which is not
    # the "simple action" the criterion asks; so the row stays, saying what is measured.
    NotMet(
        "13.1",
        "2.2.1",
        "administration",
        "administration",
        "la session prend fin 8 heures après la connexion. Un avertissement, annoncé aux "
        "lecteurs d'écran, vient 5 minutes avant, et la fin peut être repoussée sans rien "
        "perdre de la page, mais seulement en se reconnectant (mot de passe) dans un autre "
        "onglet : ce n'est pas l'action simple que demande le critère.",
        "the session ends 8 hours after login. A warning, announced to screen readers, comes "
        "5 minutes before, and the end can be put off without losing anything on the page, "
        "but only by logging in again (password) in another tab: not the simple action the "
        "criterion asks for.",
    ),
)

# Derogations for disproportionate burden: none is claimed.
DEROGATIONS: tuple = ()

# What the automated checks measure, each with the test file that measures it.
MEASURED = (
    (
        "axe-core 4.14.1 : aucune violation, dans les thèmes clair et sombre, sur chaque page "
        "publique et chacun de ses états (une réponse, aucune, une recherche vide, un réglage "
        "du widget invalide), et sur chaque page du menu d'administration et une page de "
        "chaque sorte en dessous (un centre, un établissement, les demandes de contact ; "
        "l'administration n'a qu'un thème). Les pages de connexion, de mot de passe oublié "
        "et des liens à usage unique ne sont pas encore passées à axe-core",
        "axe-core 4.14.1: no violation, in the light and dark themes, on every public page "
        "and each of its states (an answer, none, an empty search, a wrong widget setting), "
        "and on every page of the admin menu and one page of each kind below it (a site, a "
        "hospital, the contact requests; the admin has one theme). The login, forgotten "
        "password and one-time link pages are not yet checked by axe-core",
        "tests/browser/test_rgaa_public_browser.py, test_rgaa_admin_browser.py",
    ),
    (
        "le parcours au clavier seul de la recherche, du widget dans une page hôte et de "
        "l'administration (connexion, tableau de bord, un centre, changement de statut), "
        "la prise de focus visible à chaque arrêt",
        "the keyboard-only path through the search, the widget in a host page and the admin "
        "page (login, dashboard, a site, a status changed), the focus shown at every stop",
        "tests/browser/test_rgaa_keyboard_browser.py",
    ),
    (
        "chaque page (et la page d'erreur) : régions (bannière, principale, pied de page) "
        "hors de <main>, un titre propre à chaque page et à chaque réponse, un lien "
        "d'évitement, pas de défilement horizontal à 320 px ni à 200 % de texte (mesuré à "
        "1 280, 1 024 et 800 px), ni à 320 px avec 200 % de texte sur les pages publiques",
        "every page (and the error page): landmarks (banner, main, contentinfo) outside "
        "<main>, a title of its own for each page and each answer, a skip link, no sideways "
        "scrolling at 320 px or at 200 % text (measured at 1,280, 1,024 and 800 px), nor at "
        "320 px with 200 % text on the public pages",
        "tests/browser/test_rgaa_public_browser.py, test_rgaa_admin_browser.py",
    ),
    (
        "l'administration : le même menu sur chaque page, les erreurs du formulaire Comptes "
        "reliées à leur champ, l'avertissement de fin de session (annoncé, repoussable)",
        "the admin page: the same menu on every page, the Accounts form's errors tied to "
        "their field, the session-end warning (announced, can be put off)",
        "tests/browser/test_rgaa_admin_browser.py",
    ),
    (
        "ces pages : langue, contrastes calculés depuis les couleurs rendues dans les deux thèmes",
        "these pages: language, contrasts computed from the rendered colours in both themes",
        "tests/browser/test_legal_browser.py",
    ),
    (
        "le widget : un réglage invalide affiché dans le cadre et signalé dans la console ; "
        "des titres de cadre différents, dans la langue du widget (lang) ; le configurateur "
        "(data-title, data-font) ne produit jamais une balise invalide",
        "the widget: a wrong setting shown in the frame and warned about in the console; "
        "frame titles that differ, in the widget's language (lang); the configurator "
        "(data-title, data-font) never writes a wrong tag",
        "tests/browser/test_widget_settings_browser.py, test_rgaa_public_browser.py",
    ),
    (
        "la recherche : contraste du texte indicatif dans les deux thèmes, contour du bouton "
        "en mode de couleurs forcées, lien qui annonce l'ouverture d'une nouvelle fenêtre, "
        "recherche vide signalée au champ, largeur du champ à 200 % de texte",
        "the search: the placeholder's contrast in both themes, the button's outline in "
        "forced-colours mode, a link that says it opens a new window, an empty search told "
        "at the field, the field's width at 200 % text",
        "tests/browser/test_rgaa_fixes_browser.py, test_rgaa_public_browser.py",
    ),
)

TECHNOLOGIES = ("HTML5", "CSS", "JavaScript", "SVG", "WAI-ARIA")
# Where the checks run; no screen reader has been tried yet, and the page says so.
ENVIRONMENT = "Chromium (Debian 12), Playwright, axe-core 4.14.1"
