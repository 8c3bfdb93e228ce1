"""The admin page's forms (Flask-WTF: every form carries a CSRF token)."""

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    HiddenField,
    PasswordField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.i18n import get_translations
from wtforms.validators import DataRequired, Email, Length, Optional, Regexp

from sitedir.admin.schemas import PHONE_PATTERN
from sitedir.domain.vocabulary import CONTACT_ROLES, ROLE_LABELS, STATUS_LABELS, STATUSES
from sitedir.events.types import TYPES as EVENT_TYPE_ROWS

# A contact's role in words, the same as on the public page.
FRENCH_ROLE_LABELS = {role: ROLE_LABELS[role][0] for role in CONTACT_ROLES}


class AdminForm(FlaskForm):
    """A form of the admin page: its built-in messages in French, the page's language."""

    class Meta:
        def get_translations(self, form):
            return get_translations(["fr"])


class LoginForm(AdminForm):
    email = EmailField("Adresse e-mail", validators=[DataRequired(), Email(), Length(max=254)])
    password = PasswordField("Mot de passe", validators=[DataRequired(), Length(max=1024)])


class PostForm(AdminForm):
    """A button that only needs its CSRF token (log out, confirm)."""


class DeleteContactForm(AdminForm):
    """Delete a contact: only as the admin saw it (its version), never a newer one unseen."""

    version = HiddenField()


class StatusForm(AdminForm):
    version = HiddenField()
    status = SelectField(
        "Statut",
        choices=[SelectChoice(s, STATUS_LABELS[s][0]) for s in STATUSES],
        validators=[DataRequired()],
    )
    # The reason is shown to doctors: the label says so, and when it is required.
    status_reason = TextAreaField(
        "Motif, public : affiché aux médecins (obligatoire pour un centre suspendu, arrêté "
        "ou retiré)",
        validators=[Optional(), Length(max=500)],
    )
    expected_reopening = DateField("Réouverture prévue", validators=[Optional()])


class ContactForm(AdminForm):
    # The contact's version when the page was drawn: a stale form is refused (409).
    version = HiddenField()
    role = SelectField(
        "Rôle", choices=[SelectChoice(r, FRENCH_ROLE_LABELS[r]) for r in CONTACT_ROLES]
    )
    title = StringField("Titre", validators=[Optional(), Length(max=16)])
    name = StringField("Nom", validators=[Optional(), Length(max=200)])
    unit = StringField("Unité", validators=[Optional(), Length(max=300)])
    email = EmailField("E-mail", validators=[Optional(), Email(), Length(max=254)])
    phone = StringField(
        "Téléphone",
        validators=[Optional(), Regexp(PHONE_PATTERN, message="Numéro invalide")],
    )
    public = BooleanField(
        "Visible par les médecins (sinon, par les administrateurs seulement)", default=True
    )


class PasswordSetForm(AdminForm):
    """Choose a password through an invitation or a reset link (twice)."""

    password = PasswordField(
        "Nouveau mot de passe (12 caractères au moins)",
        validators=[DataRequired(), Length(max=1024)],
    )
    password_again = PasswordField(
        "Le même, une seconde fois", validators=[DataRequired(), Length(max=1024)]
    )


class ForgotForm(AdminForm):
    email = EmailField("Adresse e-mail", validators=[DataRequired(), Email(), Length(max=254)])


class InviteForm(AdminForm):
    email = EmailField("Adresse e-mail", validators=[DataRequired(), Email(), Length(max=254)])
    role = SelectField(
        "Rôle",
        choices=[
            SelectChoice("site_admin", "Administrateur de centre"),
            SelectChoice("network_admin", "Administration du réseau"),
        ],
    )
    sites = SelectMultipleField("Centres (pour un administrateur de centre)", choices=[])


class WebhookForm(AdminForm):
    url = StringField("Adresse (https://…)", validators=[DataRequired(), Length(max=2000)])
    events = SelectMultipleField(
        "Événements",
        # Every registered event type (sitedir.events.types), in its French name.
        choices=[SelectChoice(row.name, row.label[0]) for row in EVENT_TYPE_ROWS.values()],
        validators=[DataRequired()],
    )


class NewSiteForm(AdminForm):
    """A site joining a study, with its hospital, placed through the place search."""

    id = StringField(
        "Identifiant du centre (minuscules, chiffres et tirets : lyon-edouard-herriot)",
        validators=[DataRequired(), Length(max=64)],
    )
    study = SelectField("Étude", choices=[])
    city = StringField(
        "Ville de l'essai (telle que les médecins la cherchent)",
        validators=[DataRequired(), Length(max=100)],
    )
    status = SelectField(
        "Statut",
        choices=[SelectChoice(s, STATUS_LABELS[s][0]) for s in STATUSES],
        default="not_yet_recruiting",
    )
    status_reason = TextAreaField("Motif (public)", validators=[Optional(), Length(max=500)])
    lead_department = StringField("Service porteur", validators=[Optional(), Length(max=200)])
    hospital_name = StringField(
        "Établissement (CHU de Lyon, AP-HP…)", validators=[DataRequired(), Length(max=200)]
    )
    hospital_site = StringField(
        "Hôpital ou site de l'établissement (Hôpital Édouard-Herriot)",
        validators=[Optional(), Length(max=200)],
    )
    address = StringField("Adresse (numéro et voie)", validators=[Optional(), Length(max=300)])
    postcode = StringField("Code postal", validators=[Optional(), Length(max=5)])
    place = StringField(
        "Commune de l'établissement (nom ou code postal)",
        validators=[DataRequired(), Length(max=100)],
    )
    # The commune picked among the place search's answers (the check step's radio buttons).
    insee = StringField("Commune trouvée", validators=[Optional(), Length(max=5)])
    website = StringField("Site web (https://…)", validators=[Optional(), Length(max=300)])
    switchboard = StringField(
        "Standard",
        validators=[Optional(), Regexp(PHONE_PATTERN, message="Numéro invalide")],
    )


class InstitutionForm(AdminForm):
    """A hospital's address, website and switchboard, as the network admin corrects them."""

    address = StringField("Adresse (numéro et voie)", validators=[Optional(), Length(max=300)])
    postcode = StringField("Code postal", validators=[Optional(), Length(max=5)])
    website = StringField("Site web (https://…)", validators=[Optional(), Length(max=300)])
    switchboard = StringField(
        "Standard",
        validators=[Optional(), Regexp(PHONE_PATTERN, message="Numéro invalide")],
    )
