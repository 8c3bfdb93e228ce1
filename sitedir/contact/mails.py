"""The two emails of a contact request, French then English (through sitedir.mail).

Kept apart from the service so that the words can change, or move to the mail templates,
without touching how requests are stored and routed.
"""

from sitedir.contact.models import ERROR_REPORT, ContactRequest
from sitedir.mail import Message
from sitedir.models import Site

PROFESSION_LABELS = {
    "rheumatologist": ("Rhumatologue", "Rheumatologist"),
    "internist": ("Interniste", "Internist"),
    "nephrologist": ("Néphrologue", "Nephrologist"),
    "other": ("Autre", "Other"),
}


def _where(site: Site) -> str:
    """The site as people name it: the hospital (and physical site), and its town."""
    return f"{site.name}, {site.city}"


def to_doctor(request: ContactRequest, site: Site) -> Message:
    """The doctor's acknowledgement: the reference, and what happens next."""
    study_fr, study_en = site.study.title_fr, site.study.title_en
    if request.kind == ERROR_REPORT:
        fr = [
            "Bonjour,",
            f"Votre signalement d'erreur sur {_where(site)} ({study_fr}) est enregistré "
            f"sous la référence {request.reference}.",
            "L'équipe qui tient l'annuaire va le vérifier et corriger la fiche si besoin.",
        ]
        en = [
            f"Your error report about {_where(site)} ({study_en}) is recorded under the "
            f"reference {request.reference}. The team that keeps the directory will check it "
            "and correct the entry if needed.",
        ]
    else:
        fr = [
            "Bonjour,",
            f"Votre demande de contact auprès de {_where(site)} pour l'étude « {study_fr} » "
            f"est enregistrée sous la référence {request.reference}.",
            "Les responsables du centre dans l'annuaire ont été prévenus : ils vous "
            "recontacteront à cette adresse"
            + (" ou par téléphone" if request.phone else "")
            + ". Indiquez cette référence si vous les relancez.",
            "N'envoyez aucune donnée permettant d'identifier votre patient par e-mail : "
            "le centre vous dira comment lui adresser le dossier.",
        ]
        en = [
            f"Your request to be contacted by {_where(site)} for the study “{study_en}” is "
            f"recorded under the reference {request.reference}. The site's coordinators in "
            "the directory have been told and will contact you. Quote the reference if you "
            "follow it up. Send no detail that identifies your patient by email.",
        ]
    fr.append("Les demandes sont effacées après 90 jours.")
    en.append("Requests are deleted after 90 days.")
    return Message(
        subject=f"{request.reference} : demande enregistrée / request recorded",
        paragraphs_fr=fr,
        paragraphs_en=en,
        links=[],
    )


def to_admins(request: ContactRequest, site: Site, url: str) -> Message:
    """Whoever handles the request: the study, the site, the doctor and how to reach them."""
    fr_job, en_job = PROFESSION_LABELS.get(request.profession, (request.profession,) * 2)
    reach = [f"e-mail : {request.email}"]
    if request.phone:
        reach.append(f"téléphone : {request.phone}")
    who = f"{request.doctor_name} ({fr_job}, {request.place_name})"
    rpps = f" RPPS : {request.rpps}." if request.rpps else ""
    if request.kind == ERROR_REPORT:
        subject = f"{request.reference} : erreur signalée / error reported – {site.city}"
        opening_fr = f"{who} signale une erreur sur la fiche de {_where(site)}"
        opening_en = f"{request.doctor_name} ({en_job}) reports an error in the entry of"
    else:
        subject = f"{request.reference} : demande de contact / contact request – {site.city}"
        opening_fr = f"{who} demande à être recontacté·e par {_where(site)}"
        opening_en = f"{request.doctor_name} ({en_job}) asks to be contacted by"
    fr = [
        "Bonjour,",
        f"{opening_fr}, pour l'étude « {site.study.title_fr} ».{rpps}",
        "Pour le ou la joindre : " + ", ".join(reach) + ".",
    ]
    if request.message:
        fr.append(f"Message : « {request.message} »")
    fr.append("Marquez la demande comme traitée sur la page de l'administration une fois fait.")
    en = [
        f"{opening_en} {_where(site)}, for the study “{site.study.title_en}”. Reach them at "
        f"{request.email}" + (f" or {request.phone}" if request.phone else "") + ".",
        "Mark the request handled in the admin page once done.",
    ]
    return Message(
        subject=subject,
        paragraphs_fr=fr,
        paragraphs_en=en,
        links=[("Voir la demande / see the request", url)],
    )
