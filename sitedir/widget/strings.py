"""Every user-facing string of the widget and home page, in French then English."""

STRINGS = {
    "colon": (" : ", ": "),
    "title": ("Essai CAR-T dans le lupus : trouver un centre", "CAR-T lupus trial: find a site"),
    "tagline": (
        "Pour les médecins qui adressent un patient adulte atteint de lupus sévère : le centre "
        "ouvert le plus proche de son domicile, et qui contacter.",
        "For doctors referring an adult with severe lupus: the open site nearest to the "
        "patient's home, and whom to contact.",
    ),
    "other_language": ("English", "Français"),
    "eligibility": ("Qui peut être adressé ?", "Who can be referred?"),
    "search_label": ("Commune ou code postal du patient", "Patient's town or postcode"),
    "search_placeholder": ("ex. Vichy, 63000, Paris 13e", "e.g. Vichy, 63000, Paris 13e"),
    "search": ("Rechercher", "Search"),
    "search_hint": (
        "Flèches haut et bas pour parcourir les suggestions, Entrée pour choisir.",
        "Up and down arrows browse the suggestions, Enter chooses.",
    ),
    "suggestions": ("Suggestions", "Suggestions"),
    "searching": ("Recherche…", "Searching…"),
    "no_place": (
        "Aucune commune ne correspond. Vérifiez l'orthographe ou essayez le code postal.",
        "No town matches. Check the spelling or try the postcode.",
    ),
    "error": (
        "Le service ne répond pas pour le moment. Réessayez dans un instant.",
        "The service is not answering right now. Try again in a moment.",
    ),
    "answer_for": ("Centres ouverts les plus proches de {place}", "Open sites nearest to {place}"),
    "suggestion_count": ("{n} suggestion(s)", "{n} suggestion(s)"),
    "no_open": (
        "Aucun centre ouvert aux inclusions dans cette zone.",
        "No site is recruiting in this area.",
    ),
    "nearer_not_open": (
        "Plus proche, mais pas ouvert aux inclusions",
        "Nearer, but not recruiting",
    ),
    "reason": ("Motif", "Reason"),
    "reopening": ("Réouverture prévue", "Expected reopening"),
    "distance": ("{km} km", "{km} km"),
    "reference_centre": ("Centre de référence", "Reference centre"),
    "reference_unknown": ("Centre de référence à confirmer", "Reference centre to be confirmed"),
    "contacts": ("Contacts", "Contacts"),
    "contact_unknown": ("coordonnées à confirmer", "contact details to be confirmed"),
    "add_contacts": ("Ajouter aux contacts", "Add to contacts"),
    # Starts with the visible words, so that voice control finds the link by what it shows.
    "add_contacts_label": (
        "Ajouter aux contacts : {site} (vCard)",
        "Add to contacts: {site} (vCard)",
    ),
    "confirmed_on": ("Statut confirmé le {date}", "Status confirmed on {date}"),
    "never_confirmed": (
        "Statut pas encore confirmé par le centre",
        "Status not yet confirmed by the site",
    ),
    "unverified": (
        "Information non encore confirmée par le centre",
        "Information not yet confirmed by the site",
    ),
    "map_title": ("Carte des centres de l'essai en France", "Map of the trial's sites in France"),
    "legend_open": ("ouvert aux inclusions", "recruiting"),
    "legend_closed": ("pas ouvert actuellement", "not recruiting now"),
    "legend_patient": ("commune du patient", "patient's town"),
    "region_only": ("Centres de la région {region} seulement", "Sites in {region} only"),
    "overseas.971": ("Guadeloupe", "Guadeloupe"),
    "overseas.972": ("Martinique", "Martinique"),
    "overseas.973": ("Guyane", "French Guiana"),
    "overseas.974": ("La Réunion", "Réunion"),
    "overseas.976": ("Mayotte", "Mayotte"),
    "sites_list": ("Les centres de l'essai", "The trial's sites"),
    "outside_map": (
        "Commune hors de la carte : les distances sont dans la liste.",
        "Town outside the map: distances are in the list.",
    ),
    "sources": (
        "Sources : communiqué du CHU de Clermont-Ferrand et connaissance institutionnelle "
        "publique ; communes : INSEE (via @etalab/decoupage-administratif) et GeoNames "
        "(CC BY 4.0) ; carte : Natural Earth.",
        "Sources: CHU de Clermont-Ferrand press release and public institutional knowledge; "
        "towns: INSEE (via @etalab/decoupage-administratif) and GeoNames (CC BY 4.0); "
        "map: Natural Earth.",
    ),
    "full_page": ("Ouvrir l'annuaire complet", "Open the full directory"),
    "roles.principal_investigator": ("Investigateur principal", "Principal investigator"),
    "roles.coordinator": ("Coordination", "Coordinator"),
    "roles.unit_lead": ("Chef de service", "Head of department"),
    "roles.collaborator": ("Collaboration", "Collaborator"),
    "roles.referral_desk": ("Accueil des adressages", "Referral desk"),
    "roles.research_nurse": ("Infirmier·ère de recherche", "Research nurse"),
    "roles.head": ("Responsable", "Head"),
}


def strings_for(lang: str) -> dict[str, str]:
    """Return every string in `lang` ('fr' or 'en')."""
    index = 1 if lang == "en" else 0
    return {key: pair[index] for key, pair in STRINGS.items()}
