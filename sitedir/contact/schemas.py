"""What a contact request accepts and what it answers: one schema for the API and the page.

The page's form is loaded through ContactRequestInSchema too, so both refuse the same
things with the same words. Messages are in the asker's language (sitedir.i18n.t).
"""

import marshmallow as ma
from marshmallow import validate

from sitedir.admin.schemas import EMAIL_RE, no_control_characters
from sitedir.contact import identifying
from sitedir.contact.models import CONTACT, ERROR_REPORT, KINDS, PROFESSIONS, STATUSES
from sitedir.domain.vocabulary import INSEE_RE, SLUG_RE
from sitedir.i18n import t
from sitedir.places.gazetteer import get_gazetteer
from sitedir.places.origin import OriginNotFound, resolve_origin
from sitedir.schemas import Pattern, UtcDateTime

MESSAGE_MAX = 1000
NOTE_MAX = 2000
# The honeypot: a field people never see (hidden by the page), that bots fill in.
HONEYPOT = "contact_url"
# A form token: URL-safe base64 and dots (itsdangerous).
TOKEN_RE = r"^[A-Za-z0-9_.-]{1,500}$"  # noqa: S105 - a shape, not a secret


class _Worded(Pattern):
    """A Pattern whose refusal is a sentence in the asker's language, made when refused."""

    def __init__(self, regex: str, words):
        super().__init__(regex)
        self.words = words

    def _format_error(self, value: str | bytes) -> str:
        return self.words()


_phone = _Worded(
    identifying.PHONE_RE,
    lambda: t(
        f"Numéro invalide : format attendu {identifying.PHONE_EXAMPLE}.",
        f"Invalid number: expected format {identifying.PHONE_EXAMPLE_EN}.",
    ),
)
_rpps_shape = _Worded(
    identifying.RPPS_RE,
    lambda: t(
        "Numéro RPPS invalide : 11 chiffres, sans espace (ou laissez le champ vide).",
        "Invalid RPPS number: 11 digits, no spaces (or leave the field empty).",
    ),
)


class _Empty(validate.OneOf):
    """The honeypot's rule: only the empty value (the document says `enum: [""]`)."""

    def __init__(self):
        super().__init__([""])

    def _format_error(self, value) -> str:
        return t("Ce champ doit rester vide.", "This field must stay empty.")


_honeypot = _Empty()


def _rpps_key(value: str) -> None:
    if identifying.rpps_problem(value) == "check":
        raise ma.ValidationError(
            t(
                "Numéro RPPS invalide : sa clé (le dernier chiffre) ne correspond pas. "
                "Vérifiez-le, ou laissez le champ vide.",
                "Invalid RPPS number: its check digit (the last one) does not match. "
                "Check it, or leave the field empty.",
            )
        )


IDENTIFYING_WORDS = {
    "email": ("une adresse e-mail", "an email address"),
    "phone": ("un numéro de téléphone", "a phone number"),
    "nir": ("un numéro de sécurité sociale (NIR)", "a social-security number (NIR)"),
}


def _message(value: str) -> None:
    found = identifying.identifying_details(value)
    if found:
        fr = ", ".join(IDENTIFYING_WORDS[k][0] for k in found)
        en = ", ".join(IDENTIFYING_WORDS[k][1] for k in found)
        raise ma.ValidationError(
            t(
                f"Le message contient {fr} : retirez-le. Aucun détail qui identifie une "
                "personne (nom, date de naissance, numéro, adresse) ; vos propres coordonnées "
                "vont dans leurs champs.",
                f"The message holds {en}: remove it. No detail that identifies a person "
                "(name, birth date, number, address); your own details go in their fields.",
            )
        )


def _text(max_length: int, *, required: bool = False, min_length: int | None = None, **kwargs):
    return ma.fields.String(
        required=required,
        validate=[validate.Length(min=min_length, max=max_length), no_control_characters],
        **kwargs,
    )


class ContactRequestInSchema(ma.Schema):
    """A request to be contacted by a site (or a report of an error in its data)."""

    token = ma.fields.String(
        required=True,
        validate=Pattern(TOKEN_RE),
        metadata={
            "description": "The form token of GET /api/v1/sites/{site_id}/contact-form: "
            "signed, spent once, taken from a few seconds after it was issued"
        },
    )
    kind = ma.fields.String(
        load_default=CONTACT,
        validate=validate.OneOf(KINDS),
        metadata={"description": "contact (call me back) or error_report (the data is wrong)"},
    )
    doctor_name = _text(120, required=True, min_length=2)
    profession = ma.fields.String(required=True, validate=validate.OneOf(PROFESSIONS))
    place = _text(
        100,
        metadata={"description": "The commune of practice as typed; or give place_insee"},
    )
    place_insee = ma.fields.String(validate=Pattern(INSEE_RE))
    email = ma.fields.String(
        required=True,
        validate=[
            validate.Length(max=254),
            _Worded(
                EMAIL_RE,
                lambda: t(
                    "Adresse e-mail invalide (exemple : prenom.nom@chu-exemple.fr).",
                    "Invalid email address (e.g. first.last@hospital.example).",
                ),
            ),
        ],
    )
    phone = ma.fields.String(
        validate=[validate.Length(max=32), _phone],
        metadata={"description": f"French format: {identifying.PHONE_EXAMPLE_EN}"},
    )
    rpps = ma.fields.String(
        validate=[_rpps_shape, _rpps_key],
        metadata={"description": "11 digits, the last a Luhn check digit"},
    )
    message = ma.fields.String(
        validate=[validate.Length(max=MESSAGE_MAX), no_control_characters, _message],
        metadata={
            "description": "Optional; no detail that identifies the patient. Refused when it "
            "holds an email address, a phone number or a NIR. Required for an error_report."
        },
    )
    lang = ma.fields.String(validate=validate.OneOf(("fr", "en")))
    contact_url = ma.fields.String(
        validate=_honeypot,
        metadata={"description": "Leave out (a trap for robots: any value is refused)"},
    )

    @ma.pre_load
    def _blank_is_absent(self, data, **kwargs):
        # A form sends "" for a field left empty; the API may send null: both mean absent.
        # (Nothing is trimmed here: like every pattern of the API, a value is matched whole;
        # the page trims what people type before it gets here.)
        if not isinstance(data, dict):
            return data
        return {key: value for key, value in data.items() if value not in ("", None)}

    # Run whatever the other fields' errors: the page then shows every refusal at once.
    @ma.validates_schema(skip_on_field_errors=False)
    def _whole(self, data, **kwargs):
        if data.get("kind") == ERROR_REPORT and not data.get("message"):
            raise ma.ValidationError(
                t(
                    "Décrivez l'erreur à corriger.",
                    "Describe the error to correct.",
                ),
                "message",
            )
        if "place_insee" not in data and "place" not in data:
            raise ma.ValidationError(
                t("Indiquez la commune où vous exercez.", "Give the town where you practise."),
                "place",
            )
        resolve_place(data.get("place_insee"), data.get("place"))

    @ma.post_load
    def _resolve_place(self, data, **kwargs):
        data["place_name"], data["place_insee"] = resolve_place(
            data.get("place_insee"), data.get("place")
        )
        return data


def resolve_place(insee: str | None, typed: str | None) -> tuple[str, str]:
    """(label, INSEE code) of the place of practice; a ValidationError on "place" when it
    names no commune or several that are about as likely (the doctor is asked, not guessed)."""
    gazetteer = get_gazetteer()
    if insee:
        place = gazetteer.by_insee(insee)
        if place is None:
            raise ma.ValidationError(t("Code INSEE inconnu.", "Unknown INSEE code."), "place_insee")
        return place.label, place.insee
    try:
        origin = resolve_origin({"q": typed}, gazetteer=gazetteer)
    except (OriginNotFound, ValueError) as error:
        raise ma.ValidationError(
            t(
                "Commune introuvable : vérifiez l'orthographe ou tapez le code postal.",
                "Town not found: check the spelling or type the postcode.",
            ),
            "place",
        ) from error
    place = origin.place
    assert place is not None  # a typed name's origin is a commune (None: coordinates only)
    if origin.alternatives:
        choices = ", ".join(m.place.label for m in origin.alternatives[:3])
        raise ma.ValidationError(
            t(
                f"Plusieurs communes portent ce nom ({place.label}, {choices}) : "
                "ajoutez le département ou le code postal (ex. « Valence 26 »).",
                f"Several towns have this name ({place.label}, {choices}): add the "
                "département or the postcode (e.g. “Valence 26”).",
            ),
            "place",
        )
    return place.label, place.insee


class ContactRequestCreatedSchema(ma.Schema):
    """What the doctor gets back: the reference to quote, and nothing about the admins."""

    reference = ma.fields.String(metadata={"description": "e.g. DC-2026-000123"})
    site = ma.fields.String()
    kind = ma.fields.String()
    created_at = UtcDateTime()


class ContactFormSchema(ma.Schema):
    """A fresh form token for one site's contact form."""

    token = ma.fields.String()
    min_fill_seconds = ma.fields.Integer()
    max_age_seconds = ma.fields.Integer()


class ContactRequestSchema(ma.Schema):
    """A request as its site's admins read it (admin API, no-store)."""

    reference = ma.fields.String()
    site = ma.fields.Function(lambda r: r.site.slug, metadata={"type": "string"})
    kind = ma.fields.String()
    doctor_name = ma.fields.String()
    profession = ma.fields.String()
    place_name = ma.fields.String()
    place_insee = ma.fields.String()
    email = ma.fields.String()
    phone = ma.fields.String(allow_none=True)
    rpps = ma.fields.String(allow_none=True)
    message = ma.fields.String(allow_none=True)
    lang = ma.fields.String()
    status = ma.fields.String()
    handled_by = ma.fields.Function(
        lambda r: r.handled_by.email if r.handled_by else None,
        metadata={"type": "string", "nullable": True},
    )
    handled_at = UtcDateTime(allow_none=True)
    note = ma.fields.String(allow_none=True)
    notified_at = UtcDateTime(allow_none=True)
    created_at = UtcDateTime()


class ContactRequestsQuerySchema(ma.Schema):
    status = ma.fields.String(validate=validate.OneOf(STATUSES))
    site = ma.fields.String(validate=[validate.Length(max=64), Pattern(SLUG_RE)])
    limit = ma.fields.Integer(load_default=100, validate=validate.Range(min=1, max=500))
