"""Every user-facing string of the widget and home page, in French then English."""

from sitedir.domain.vocabulary import ROLE_LABELS

STRINGS = {
    "colon": (" : ", ": "),
    # A page without a study (an unknown one in the URL) and the configurator.
    "title": ("Trouver un centre d'essai clinique", "Find a clinical trial site"),
    # ---- the study (study_view.py, templates/widget/study.html)
    "page_title": ("{study} : trouver un centre", "{study}: find a site"),
    "tagline": (
        "Pour les médecins qui adressent un patient : le centre ouvert le plus proche de son "
        "domicile, et qui contacter.",
        "For doctors referring a patient: the open site nearest to the patient's home, and "
        "whom to contact.",
    ),
    "phase_label": ("Phase", "Phase"),
    "phase.unknown": ("non précisée", "not stated"),
    "phase.n/a": ("non applicable", "not applicable"),
    "study_source": ("Source", "Source"),
    "condition_label": ("Maladie", "Condition"),
    "sponsor": ("Promoteur", "Sponsor"),
    "registry": ("Registre", "Registry"),
    "age": ("Âge", "Age"),
    "age_range": ("de {low} à {high}", "{low} to {high}"),
    "age_min": ("{low} et plus", "{low} and older"),
    "age_max": ("jusqu'à {high}", "up to {high}"),
    "sex": ("Sexe", "Sex"),
    "sex.ALL": ("tous", "all"),
    "sex.FEMALE": ("femmes", "female"),
    "sex.MALE": ("hommes", "male"),
    "population": ("Population", "Population"),
    "eligibility_full": (
        "Critères d'éligibilité de la fiche du registre",
        "The registry record's eligibility criteria",
    ),
    "investigator_decides": (
        "C'est l'investigateur du centre qui décide de l'inclusion.",
        "The site's investigator decides who is included.",
    ),
    "all_trials": ("Tous les essais pour cette maladie", "All trials for this condition"),
    # ---- the study list (/etudes: study_list.py, templates/widget/studies.html)
    "studies_title": ("Les essais de l'annuaire", "The directory's trials"),
    "studies_intro": (
        "Cherchez les essais par maladie ; avec la commune du patient, chaque essai donne son "
        "centre ouvert le plus proche, du plus proche au plus lointain.",
        "Find the trials by condition; with the patient's town, each trial gives its nearest "
        "open site, nearest first.",
    ),
    "studies_condition": ("Maladie", "Condition"),
    "studies_condition_hint": (
        "ex. lupus, sclérose en plaques, ou un code MeSH (D008180)",
        "e.g. lupus, multiple sclerosis, or a MeSH code (D008180)",
    ),
    "studies_words": (
        "Autres mots (titre, promoteur, numéro NCT)",
        "Other words (title, sponsor, NCT number)",
    ),
    "studies_words_hint": ("Facultatif.", "Optional."),
    "studies_town": ("Commune ou code postal du patient", "Patient's town or postcode"),
    "studies_town_hint": (
        "Facultatif : classe les essais par la distance de leur centre ouvert le plus proche.",
        "Optional: ranks the trials by the distance of their nearest open site.",
    ),
    "studies_open_only": (
        "Seulement les essais qui ont un centre ouvert aux inclusions",
        "Only trials with a site that is recruiting",
    ),
    "studies_bad_field": (
        "Ce champ n'a pas pu être lu : tapez des lettres ou des chiffres (200 caractères au plus).",
        "This field could not be read: type letters or digits (200 characters at most).",
    ),
    "studies_error_title": ("Erreur dans le formulaire", "Error in the form"),
    "studies_found": ("{n} essais", "{n} trials"),
    "studies_found_one": ("1 essai", "1 trial"),
    "studies_none": ("Aucun essai ne correspond.", "No trial matches."),
    "studies_recruiting": ("{n} centre(s) ouvert(s) aux inclusions", "{n} site(s) recruiting"),
    "studies_not_recruiting": (
        "Aucun centre ouvert aux inclusions actuellement",
        "No site recruiting at present",
    ),
    "studies_nearest_for": (
        "Centre ouvert le plus proche de {place}, pour chaque essai",
        "Each trial's open site nearest to {place}",
    ),
    "studies_none_open": (
        "Aucun de ces essais n'a de centre ouvert aux inclusions.",
        "None of these trials has a site recruiting.",
    ),
    "studies_without_open": (
        "Essais sans centre ouvert aux inclusions",
        "Trials with no site recruiting",
    ),
    "studies_open_answer": (
        "Tous les centres de cet essai pour cette commune",
        "Every site of this trial for this town",
    ),
    "studies_home": ("L'annuaire", "The directory"),
    "studies_missing": (
        "Aucun essai « {slug} » dans l'annuaire : voici ceux qu'il contient.",
        "No trial “{slug}” in the directory: here are those it holds.",
    ),
    "other_language": ("English", "Français"),
    "skip": ("Aller au contenu", "Skip to content"),
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
    "distance": ("{km} km à vol d'oiseau", "{km} km in a straight line"),
    "distance_approx": (
        "{km} km à vol d'oiseau (approximatif)",
        "{km} km in a straight line (approximate)",
    ),
    "approximate_postcode": (
        "Distances approximatives : {place} n'a pas de point propre dans notre base, "
        "celui de son code postal est utilisé.",
        "Approximate distances: {place} has no point of its own in our data; its postcode's "
        "is used.",
    ),
    "approximate_department": (
        "Distances approximatives : {place} n'a pas de point propre dans notre base, "
        "celui de son département est utilisé.",
        "Approximate distances: {place} has no point of its own in our data; its "
        "département's is used.",
    ),
    "approximate_postcode_from": (
        "Distances approximatives : {place} n'a pas de point propre dans notre base ; celui "
        "de {owner}, qui partage son code postal, est utilisé.",
        "Approximate distances: {place} has no point of its own in our data; that of "
        "{owner}, which shares its postcode, is used.",
    ),
    "approximate_department_from": (
        "Distances approximatives : {place} n'a pas de point propre dans notre base ; celui "
        "de {owner}, dans le même département, est utilisé.",
        "Approximate distances: {place} has no point of its own in our data; that of "
        "{owner}, in the same département, is used.",
    ),
    "approximate_city": (
        "Distances approximatives : {place} n'a pas de point propre dans notre base ; celui "
        "du centre de {owner} est utilisé.",
        "Approximate distances: {place} has no point of its own in our data; the centre of "
        "{owner} is used.",
    ),
    "near_note": (
        "Distances mesurées depuis {place}, la commune la plus proche de votre position.",
        "Distances are measured from {place}, the town nearest to your position.",
    ),
    "which_town": (
        "Plusieurs communes s'appellent « {name} » : laquelle ?",
        "Several towns are called “{name}”: which one?",
    ),
    "former_commune": ("ancienne commune : {name}", "former commune: {name}"),
    "print_this_site": ("Imprimer la fiche de ce centre", "Print the sheet for this site"),
    "print_this_site_label": (
        "Imprimer la fiche de ce centre : {site}",
        "Print the sheet for this site: {site}",
    ),
    "sheet_ready": (
        "La fiche imprimée sera celle de ce centre : imprimez la page (Ctrl+P).",
        "The printed sheet will be this site's: print the page (Ctrl+P).",
    ),
    "reference_line": ("Référence de la demande de contact", "Contact request reference"),
    "overseas_note": (
        "L'essai n'a aucun centre outre-mer ({place}) : voici les centres de France "
        "métropolitaine, par distance à vol d'oiseau.",
        "The trial has no site overseas ({place}): here are the sites in mainland France, "
        "by straight-line distance.",
    ),
    "found_one": ("1 centre ouvert trouvé.", "1 open site found."),
    "found_many": ("{n} centres ouverts trouvés.", "{n} open sites found."),
    "nearest_is": ("Le plus proche : {site}, {distance}.", "Nearest: {site}, {distance}."),
    "answer_near": (
        "Centres ouverts les plus proches de votre position, près de {place}",
        "Open sites nearest to your position, near {place}",
    ),
    "no_answer": ("Pas de réponse pour cette recherche", "No answer for this search"),
    # The page's title after a search (RGAA 8.6), before the directory's own name.
    "title_no_open": ("{place} : aucun centre ouvert", "{place}: no site recruiting"),
    "title_not_found": ("Aucune commune « {typed} »", "No town “{typed}”"),
    "title_empty_query": (
        "Erreur : commune du patient à saisir",
        "Error: the patient's town is missing",
    ),
    "did_you_mean": ("Vouliez-vous dire :", "Did you mean:"),
    "ambiguous": (
        "Plusieurs communes portent ce nom ; la plus peuplée est retenue. Autre choix :",
        "Several towns have this name; the most populous is shown. Other choices:",
    ),
    "bad_query": (
        "Cette recherche n'a pas pu être lue. Tapez une commune ou un code postal.",
        "This search could not be read. Type a town or a postcode.",
    ),
    "bad_position": ("Cette position n'est pas valable.", "This position is not valid."),
    "position_unknown": (
        "Aucune commune française près de cette position : tapez la commune du patient.",
        "No French town near this position: type the patient's town.",
    ),
    "address": ("Adresse", "Address"),
    "patient_town": ("Commune du patient", "Patient's town"),
    "print_sheet": ("Imprimer la fiche", "Print the referral sheet"),
    "printed_on": ("Fiche imprimée le {date}", "Sheet printed on {date}"),
    "sheet_url": ("Cette réponse en ligne", "This answer online"),
    "open_in_directory": (
        "Ouvrir dans l'annuaire (nouvelle fenêtre)",
        "Open in the directory (new window)",
    ),
    "my_position": ("Ma position", "My position"),
    "my_position_hint": (
        "Cherche autour de votre position (celle de cet appareil), non de celle du patient.",
        "Searches around your own position (this device's), not the patient's.",
    ),
    "locating": ("Recherche de votre position…", "Finding your position…"),
    "geo_denied": (
        "Position refusée par le navigateur : tapez la commune du patient.",
        "The browser refused the position: type the patient's town.",
    ),
    "geo_timeout": (
        "Position introuvable à temps : tapez la commune du patient.",
        "The position took too long: type the patient's town.",
    ),
    "geo_unsupported": (
        "Ce navigateur ne donne pas de position : tapez la commune du patient.",
        "This browser gives no position: type the patient's town.",
    ),
    "study_label": ("Étude", "Study"),
    "configure_title": ("Intégrer la recherche sur votre site", "Embed the search on your site"),
    "configure_intro": (
        "Choisissez les réglages, regardez l'aperçu, puis copiez la balise dans votre page. "
        "Le widget ne charge rien d'un tiers et ne dépose aucun cookie.",
        "Choose the settings, look at the preview, then copy the tag into your page. "
        "The widget loads nothing from third parties and sets no cookie.",
    ),
    "settings": ("Réglages", "Settings"),
    "widget_language": ("Langue du widget", "Widget language"),
    "lang_fr": ("Français", "French"),
    "lang_en": ("Anglais", "English"),
    "region_label": ("Région", "Region"),
    "region_all": ("Toute la France", "All of France"),
    "limit_label": ("Nombre de centres ouverts listés (1 à 10)", "Open sites listed (1 to 10)"),
    "accent_label": ("Couleur d'accent", "Accent colour"),
    "theme_label": ("Thème", "Theme"),
    "theme_auto": (
        "Automatique (suit le fond de votre page, sinon le réglage du visiteur)",
        "Automatic (follows your page's background, else the visitor's setting)",
    ),
    "theme_light": ("Clair", "Light"),
    "theme_dark": ("Sombre", "Dark"),
    "frame_title_label": ("Titre du cadre (facultatif)", "Frame title (optional)"),
    "frame_title_hint": (
        "Lu par les lecteurs d'écran ; par défaut, la maladie de l'étude et la région. "
        "Deux widgets d'une même page doivent avoir des titres différents. 200 caractères "
        "au plus.",
        "Read by screen readers; by default, the study's condition and the region. Two "
        "widgets of one page need different titles. 200 characters at most.",
    ),
    "font_label": ("Police", "Font"),
    "font_system": ("Celle du widget (polices du système)", "The widget's (system fonts)"),
    "font_inherit": ("Celle de votre page", "Your page's"),
    "update_preview": ("Mettre à jour l'aperçu", "Update the preview"),
    "preview": ("Aperçu", "Preview"),
    "tag_title": ("La balise à copier", "The tag to copy"),
    "copy_tag": ("Copier la balise", "Copy the tag"),
    "copied": ("Balise copiée.", "Tag copied."),
    "copy_failed": (
        "Copie impossible : sélectionnez la balise et copiez-la.",
        "Could not copy: select the tag and copy it.",
    ),
    "csp_title": (
        "Si votre page a une Content-Security-Policy",
        "If your page has a Content-Security-Policy",
    ),
    "csp_intro": (
        "Ajoutez l'origine de l'annuaire à ces directives (et, si vous envoyez un en-tête "
        "Permissions-Policy, autorisez-y la géolocalisation pour le bouton « Ma position ») :",
        "Add the directory's origin to these directives (and, if you send a "
        "Permissions-Policy header, allow geolocation there for the “My position” button):",
    ),
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
    # The trust line (trust.py): one per card, in place of stacked caveats.
    "trust.confirmed": (
        "Statut confirmé par le centre le {date}",
        "Status confirmed by the site on {date}",
    ),
    "trust.confirmed_record": ("Statut confirmé le {date}", "Status confirmed on {date}"),
    "trust.stale": (
        "Confirmé il y a {n} jours : appelez avant d'adresser",
        "Confirmed {n} days ago: call before referring",
    ),
    "trust.stale_one": (
        "Confirmé il y a 1 jour : appelez avant d'adresser",
        "Confirmed 1 day ago: call before referring",
    ),
    "trust.never": (
        "Information à vérifier : jamais confirmée par le centre",
        "To be checked: never confirmed by the site",
    ),
    "trust.press": ("d'après le communiqué {issuer}", "according to the press release of {issuer}"),
    "trust.press_anonymous": ("d'après un communiqué de presse", "according to a press release"),
    "trust.registry_verified": (
        "ClinicalTrials.gov, statut vérifié en {month}",
        "ClinicalTrials.gov, status verified in {month}",
    ),
    "trust.registry_record": (
        "ClinicalTrials.gov, fiche du {date}",
        "ClinicalTrials.gov, record of {date}",
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
    # The study's own source is in its block (study_view.py): this is what every page shares.
    "sources": (
        "Sources : la source de l'étude (ci-dessus) et la connaissance institutionnelle "
        "publique ; communes : INSEE (via @etalab/decoupage-administratif) et GeoNames "
        "(CC BY 4.0) ; carte : Natural Earth.",
        "Sources: the study's source (above) and public institutional knowledge; "
        "towns: INSEE (via @etalab/decoupage-administratif) and GeoNames (CC BY 4.0); "
        "map: Natural Earth.",
    ),
    "empty_query": (
        "Saisissez la commune ou le code postal du patient, par exemple Vichy ou 63000.",
        "Type the patient's town or postcode, for example Vichy or 63000.",
    ),
    "invalid_setting": (
        "Réglage du widget invalide : {attribute}={value}",
        "Invalid widget setting: {attribute}={value}",
    ),
    "invalid_accepted": ("Valeurs acceptées : {accepted}", "Accepted values: {accepted}"),
    "invalid_help": (
        "Ce widget est mal réglé sur cette page : la recherche ne peut pas y répondre "
        "correctement. Le webmestre du site trouvera le détail dans la console du navigateur "
        "et un tag correct dans le configurateur.",
        "This widget is set up wrongly on this page: its search cannot answer correctly. The "
        "site's webmaster will find the details in the browser's console, and a correct tag in "
        "the configurator.",
    ),
    "invalid_meanwhile": (
        "En attendant, ouvrez l'annuaire complet (nouvelle fenêtre)",
        "Meanwhile, open the full directory (new window)",
    ),
    "frame_title": ("Trouver un centre : {study}", "Find a site: {study}"),
    "full_page": ("Ouvrir l'annuaire complet", "Open the full directory"),
    **{f"roles.{role}": labels for role, labels in ROLE_LABELS.items()},
}


# The few the script says itself; every answer comes rendered from the server.
SCRIPT_KEYS = (
    "suggestion_count",
    "searching",
    "error",
    "locating",
    "geo_denied",
    "geo_timeout",
    "geo_unsupported",
    "copied",
    "copy_failed",
    "title_empty_query",
)


def script_strings(lang: str) -> dict[str, str]:
    """The strings widget.js and configure.js need, in `lang`."""
    strings = strings_for(lang)
    return {key: strings[key] for key in SCRIPT_KEYS}


def strings_for(lang: str) -> dict[str, str]:
    """Return every string in `lang` ('fr' or 'en')."""
    index = 1 if lang == "en" else 0
    return {key: pair[index] for key, pair in STRINGS.items()}
