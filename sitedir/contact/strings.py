"""The contact form's words and the card's links, French then English."""

from sitedir.contact.identifying import PHONE_EXAMPLE, PHONE_EXAMPLE_EN

STRINGS = {
    # French puts a space before the colon, English does not.
    "colon": (" : ", ": "),
    "ask_contact": ("Demander à être recontacté", "Ask to be contacted"),
    "ask_contact_label": (
        "Demander à être recontacté par {site}",
        "Ask to be contacted by {site}",
    ),
    "report_error": ("Signaler une erreur", "Report an error"),
    "report_error_label": (
        "Signaler une erreur sur la fiche de {site}",
        "Report an error in the entry of {site}",
    ),
    "print_contact": (
        "Demander à être recontacté : {url}",
        "Ask to be contacted: {url}",
    ),
    "website": ("Site web", "Website"),
    "study_contact": ("Contact de l'étude", "Study contact"),
    "study_contact_source": (
        "D'après la fiche de l'étude au registre (contact central de l'essai, pas celui d'un "
        "centre).",
        "From the study's registry record (the trial's central contact, not a site's).",
    ),
    "switchboard": ("Standard", "Switchboard"),
    "title_contact": ("Demander à être recontacté", "Ask to be contacted"),
    "title_error": ("Signaler une erreur", "Report an error"),
    "intro_contact": (
        "Vos coordonnées sont transmises aux responsables de ce centre dans l'annuaire, qui "
        "vous recontacteront. Les champs marqués d'un astérisque (*) sont obligatoires.",
        "Your details go to this site's coordinators in the directory, who will contact you. "
        "Fields marked with an asterisk (*) are required.",
    ),
    "intro_error": (
        "Votre signalement va à l'équipe qui tient l'annuaire. Les champs marqués d'un "
        "astérisque (*) sont obligatoires.",
        "Your report goes to the team that keeps the directory. Fields marked with an "
        "asterisk (*) are required.",
    ),
    "for_site": ("Centre", "Site"),
    "doctor_legend": ("Vous, le médecin qui adresse", "You, the referring doctor"),
    "doctor_name": ("Nom et prénom", "Full name"),
    "profession": ("Spécialité", "Specialty"),
    "profession.rheumatologist": ("Rhumatologue", "Rheumatologist"),
    "profession.internist": ("Interniste", "Internist"),
    "profession.nephrologist": ("Néphrologue", "Nephrologist"),
    "profession.other": ("Autre", "Other"),
    "place": ("Commune d'exercice", "Town where you practise"),
    "place_hint": (
        "Nom ou code postal ; ajoutez le département si plusieurs communes portent ce nom.",
        "Name or postcode; add the département if several towns share the name.",
    ),
    "email": ("Adresse e-mail", "Email address"),
    "phone": ("Téléphone (facultatif)", "Phone (optional)"),
    "phone_hint": (f"Format : {PHONE_EXAMPLE}", f"Format: {PHONE_EXAMPLE_EN}"),
    "rpps": ("Numéro RPPS (facultatif)", "RPPS number (optional)"),
    "rpps_hint": ("11 chiffres.", "11 digits."),
    "message": ("Message (facultatif)", "Message (optional)"),
    "message_error": ("Description de l'erreur", "What is wrong"),
    "message_warning": (
        "Ne donnez aucun détail qui identifie le patient : ni nom, ni date de naissance, ni "
        "numéro de sécurité sociale, ni adresse. Un message qui contient une adresse e-mail, "
        "un numéro de téléphone ou un numéro de sécurité sociale est refusé.",
        "Give no detail that identifies the patient: no name, birth date, social-security "
        "number or address. A message holding an email address, a phone number or a "
        "social-security number is refused.",
    ),
    "message_max": ("1 000 caractères au plus.", "1,000 characters at most."),
    "honeypot": ("Ne remplissez pas ce champ", "Leave this field empty"),
    "send": ("Envoyer la demande", "Send the request"),
    "send_error": ("Envoyer le signalement", "Send the report"),
    "back": ("Retour aux résultats", "Back to the results"),
    "required": ("obligatoire", "required"),
    "errors_title": (
        "La demande n'est pas partie : corrigez {n} champ(s).",
        "The request was not sent: correct {n} field(s).",
    ),
    "privacy": (
        "Ce que nous gardons : les informations de ce formulaire, lues par les responsables "
        "du centre et l'équipe du réseau, effacées après 90 jours. Aucun cookie.",
        "What we keep: this form's details, read by the site's coordinators and the network "
        "team, deleted after 90 days. No cookie.",
    ),
    "done_title": ("Demande enregistrée", "Request recorded"),
    "done_reference": ("Votre référence : {reference}", "Your reference: {reference}"),
    "done_contact": (
        "Les responsables de {site} dans l'annuaire ont été prévenus et vous recontacteront. "
        "Gardez la référence : citez-la si vous les relancez.",
        "The coordinators of {site} in the directory have been told and will contact you. "
        "Keep the reference: quote it if you follow up.",
    ),
    "done_mailed": (
        "Un e-mail de confirmation part à {email}.",
        "A confirmation email goes to {email}.",
    ),
    "done_error": (
        "Merci. L'équipe qui tient l'annuaire va vérifier la fiche de {site}.",
        "Thank you. The team that keeps the directory will check the entry of {site}.",
    ),
    "token_invalid": (
        "Le formulaire n'a pas pu être vérifié (lien modifié ou trop ancien) : il a été "
        "renouvelé, renvoyez-le.",
        "The form could not be checked (altered or too old): it was renewed, send it again.",
    ),
    "token_expired": (
        "Le formulaire était ouvert depuis trop longtemps : il a été renouvelé, renvoyez-le.",
        "The form was open too long: it was renewed, send it again.",
    ),
    "token_too_fast": (
        "Envoyé trop vite pour avoir été rempli : relisez le formulaire puis renvoyez-le.",
        "Sent too fast to have been filled in: read the form again, then send it.",
    ),
    "token_spent": (
        "Cette demande a déjà été envoyée : elle n'est pas enregistrée deux fois.",
        "This request was already sent: it is not recorded twice.",
    ),
    "too_many": (
        "Trop de demandes envoyées : réessayez dans {minutes} minute(s).",
        "Too many requests sent: try again in {minutes} minute(s).",
    ),
}


def contact_strings(lang: str) -> dict[str, str]:
    """Every string of the form and the card's links, in `lang` ('fr' or 'en')."""
    index = 1 if lang == "en" else 0
    return {key: pair[index] for key, pair in STRINGS.items()}
