"""The legal pages' short strings, French then English (the long prose is in the templates,
one block per language)."""

STRINGS = {
    "accessibility": ("Accessibilité : {level}", "Accessibility: {level}"),
    "accessibility_title": ("Déclaration d'accessibilité", "Accessibility statement"),
    "notice": ("Mentions légales", "Legal notice"),
    "privacy": ("Données personnelles", "Personal data"),
    "about": ("À propos", "About"),
    "new_window": ("(nouvelle fenêtre)", "(new window)"),
    "legal_nav": ("Informations légales", "Legal information"),
    "skip": ("Aller au contenu", "Skip to content"),
    "to_set": ("À renseigner par l'exploitant", "To be set by the operator"),
    "directory": ("Retour à l'annuaire", "Back to the directory"),
}


def legal_strings(lang: str) -> dict[str, str]:
    """Every short string in `lang` ('fr' or 'en')."""
    index = 1 if lang == "en" else 0
    return {key: pair[index] for key, pair in STRINGS.items()}
