"""The admin page's forms (Flask-WTF: every form carries a CSRF token)."""

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    HiddenField,
    PasswordField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Email, Length, Optional, Regexp

from sitedir.seeding import CONTACT_ROLES
from sitedir.statuses import LABELS, STATUSES


class LoginForm(FlaskForm):
    email = EmailField("Adresse e-mail", validators=[DataRequired(), Email(), Length(max=254)])
    password = PasswordField("Mot de passe", validators=[DataRequired(), Length(max=1024)])


class PostForm(FlaskForm):
    """A button that only needs its CSRF token (log out, confirm, delete)."""


class StatusForm(FlaskForm):
    version = HiddenField()
    status = SelectField(
        "Statut", choices=[(s, LABELS[s][0]) for s in STATUSES], validators=[DataRequired()]
    )
    status_reason = TextAreaField("Motif", validators=[Optional(), Length(max=500)])
    expected_reopening = DateField("Réouverture prévue", validators=[Optional()])


class ContactForm(FlaskForm):
    role = SelectField("Rôle", choices=[(r, r) for r in CONTACT_ROLES])
    title = StringField("Titre", validators=[Optional(), Length(max=16)])
    name = StringField("Nom", validators=[Optional(), Length(max=200)])
    unit = StringField("Unité", validators=[Optional(), Length(max=300)])
    email = EmailField("E-mail", validators=[Optional(), Email(), Length(max=254)])
    phone = StringField(
        "Téléphone",
        validators=[Optional(), Regexp(r"^\+?[0-9 .()-]{6,20}$", message="Numéro invalide")],
    )
    public = BooleanField("Public", default=True)
