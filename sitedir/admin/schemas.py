"""What admin writes accept: every field bounded, typed and free of control characters."""

import re
from datetime import date

import marshmallow as ma
from marshmallow import validate

from sitedir.directory.changes import BLANK_REASON, REASON_REQUIRED, ReasonRequired, lacks_reason
from sitedir.domain.clock import today_in_paris
from sitedir.domain.vocabulary import (
    CONTACT_ROLES,
    DEPARTMENT_RE,
    INSEE_RE,
    PHONE_RE,
    POSTCODE_RE,
    REGION_RE,
    SLUG_RE,
    STATUSES,
)
from sitedir.i18n import t
from sitedir.schemas import Pattern, UtcDateTime

# Free text: anything XML, a mail and a terminal can hold. Refused: control characters (C0
# but newline, carriage return and tab; DEL; C1) and U+FFFE, U+FFFF (no XML may hold them:
# one made the Atom feed a 500). Lone surrogates are refused too (`no_surrogates`, not in
# the published pattern, which ECMA-side validators cannot read with them).
TEXT_RE = r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufffe\uffff]*$"
# One line of text (a name, a city, a unit: mail subjects and headers are built from them):
# the same, and no newline, carriage return or tab either.
LINE_RE = r"^[^\x00-\x1f\x7f-\x9f\ufffe\uffff]*$"
_SURROGATE = re.compile("[\ud800-\udfff]")
# A hospital's web address: http or https, a dotted host name, maybe a port, then printable
# ASCII. Written as a pattern, not marshmallow's Url, so that the OpenAPI document can say
# exactly what is accepted (Url's own rules cannot be published).
WEBSITE_RE = r"^https?://[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+(:[0-9]{1,5})?([/?#][!-~]*)?$"
# An e-mail address, as a pattern for the same reason: the document's `format: email` and
# marshmallow's Email disagreed ("a@b" valid for one, "é@chu.fr" for the other).
EMAIL_RE = r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$"
# Every pattern here is checked in linear time: no part of a value can be matched two ways,
# and a 64 KB body holds a long string (validators all run, Length's refusal or not).


class _NoControlCharacters(Pattern):
    """TEXT_RE, refused in the asker's language: the admin page shows this message as it is."""

    def _format_error(self, value: str | bytes) -> str:
        return t("caractères de contrôle refusés", "control characters are not allowed")


no_control_characters = _NoControlCharacters(TEXT_RE)


def no_surrogates(value: str) -> str:
    """Refuse a lone surrogate: JSON can escape one ("\\ud800"), UTF-8 cannot store it."""
    if _SURROGATE.search(value):
        raise ma.ValidationError(
            t("caractère invalide (substitut isolé)", "invalid character (lone surrogate)")
        )
    return value


class _OneLine(Pattern):
    """LINE_RE, refused in the asker's language."""

    def _format_error(self, value: str | bytes) -> str:
        return t(
            "une seule ligne, sans caractères de contrôle",
            "one line, without control characters",
        )


one_line = _OneLine(LINE_RE)


def text(max_length: int, **kwargs):
    """A bounded, nullable free-text field."""
    return ma.fields.String(
        allow_none=True,
        validate=[validate.Length(max=max_length), no_control_characters, no_surrogates],
        **kwargs,
    )


def line(max_length: int, **kwargs):
    """A bounded, nullable one-line text field (names, cities, units)."""
    return ma.fields.String(
        allow_none=True,
        validate=[validate.Length(max=max_length), one_line, no_surrogates],
        **kwargs,
    )


def not_in_the_past(value: date) -> None:
    if value < today_in_paris():
        raise ma.ValidationError(
            t(
                "la date de réouverture prévue est passée",
                "the expected reopening date is in the past",
            )
        )


class JsonBoolean(ma.fields.Boolean):
    """JSON true or false only: 0, 1 and "yes" are refused, as the documentation says."""

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, bool):
            raise self.make_error("invalid", input=value)
        return value


PHONE_PATTERN = PHONE_RE  # the admin page's form checks the same
PHONE = Pattern(PHONE_PATTERN, error="not a phone number")


def _reason_given(data: dict, status: str | None) -> None:
    """A suspended, terminated or withdrawn site needs a public reason: say so on the field."""
    if status is not None and lacks_reason(status, data.get("status_reason")):
        raise ma.ValidationError(t(ReasonRequired.fr, ReasonRequired.en), "status_reason")


# The same rule in the OpenAPI document (3.0 has anyOf, not if/then): either the status
# is one that needs no reason (or is not given), or a reason that is not blank is given.
REASON_RULE = {
    "anyOf": [
        {"properties": {"status": {"enum": [s for s in STATUSES if s not in REASON_REQUIRED]}}},
        {
            "required": ["status_reason"],
            # Neither null nor blank (the field's own schema says what text it takes).
            "properties": {
                "status_reason": {"not": {"anyOf": [{"enum": [None]}, {"pattern": BLANK_REASON}]}}
            },
        },
    ]
}


class SitePatchSchema(ma.Schema):
    """Any of a site's editable fields; at least one."""

    status = ma.fields.String(validate=validate.OneOf(STATUSES))
    status_reason = text(500)
    expected_reopening = ma.fields.Date(allow_none=True, validate=not_in_the_past)
    lead_department = line(200)

    @ma.validates_schema
    def something(self, data, **kwargs):
        if not data:
            raise ma.ValidationError(
                t("indiquez au moins un champ à modifier", "give at least one field to change"),
                "_schema",
            )

    @ma.validates_schema
    def reason(self, data, **kwargs):
        # A reason cleared on a site that stays suspended is the write service's to refuse:
        # it depends on the site's status, not on the request.
        _reason_given(data, data.get("status"))


class ContactInSchema(ma.Schema):
    role = ma.fields.String(required=True, validate=validate.OneOf(CONTACT_ROLES))
    title = line(16)
    name = line(200)
    unit = line(300)
    note_fr = text(500)
    note_en = text(500)
    email = ma.fields.String(
        allow_none=True,
        validate=[
            validate.Length(max=254),
            Pattern(EMAIL_RE, error="Not a valid email address."),
        ],
    )
    phone = ma.fields.String(allow_none=True, validate=PHONE)
    public = JsonBoolean(load_default=True)


class ContactPatchSchema(ContactInSchema):
    role = ma.fields.String(validate=validate.OneOf(CONTACT_ROLES))
    public = JsonBoolean()


class ContactOutSchema(ma.Schema):
    id = ma.fields.Integer()
    role = ma.fields.String()
    title = ma.fields.String(allow_none=True)
    name = ma.fields.String(allow_none=True)
    unit = ma.fields.String(allow_none=True)
    note_fr = ma.fields.String(allow_none=True)
    note_en = ma.fields.String(allow_none=True)
    email = ma.fields.String(allow_none=True)
    phone = ma.fields.String(allow_none=True)
    public = ma.fields.Boolean()
    version = ma.fields.Integer(metadata={"description": "Bumped by every change"})
    etag = ma.fields.Function(
        lambda contact: f'"{contact.etag}"',
        metadata={"type": "string", "description": "The contact's ETag, as If-Match takes it"},
    )


class InstitutionInSchema(ma.Schema):
    name = ma.fields.String(
        required=True, validate=[validate.Length(1, 200), one_line, no_surrogates]
    )
    site_name = line(200)
    address = text(300)
    postcode = ma.fields.String(allow_none=True, validate=Pattern(POSTCODE_RE))
    city = ma.fields.String(
        required=True, validate=[validate.Length(1, 100), one_line, no_surrogates]
    )
    insee = ma.fields.String(required=True, validate=Pattern(INSEE_RE))
    department = ma.fields.String(required=True, validate=Pattern(DEPARTMENT_RE))
    region = ma.fields.String(required=True, validate=Pattern(REGION_RE))
    latitude = ma.fields.Float(required=True, validate=validate.Range(-90, 90), allow_nan=False)
    longitude = ma.fields.Float(required=True, validate=validate.Range(-180, 180), allow_nan=False)
    website = ma.fields.String(
        allow_none=True,
        validate=[validate.Length(max=300), Pattern(WEBSITE_RE, error="Not a valid URL.")],
        metadata={"description": "http or https"},
    )
    switchboard = ma.fields.String(
        allow_none=True, validate=PHONE, metadata={"description": "The hospital's switchboard"}
    )


class InstitutionPatchSchema(ma.Schema):
    """What the network admin corrects about a hospital: where it is, how to reach it."""

    address = text(300)
    postcode = ma.fields.String(allow_none=True, validate=Pattern(POSTCODE_RE))
    website = InstitutionInSchema._declared_fields["website"]
    switchboard = InstitutionInSchema._declared_fields["switchboard"]


class NewSiteSchema(ma.Schema):
    """A site joining a study: its hospital, where it is, and its status."""

    id = ma.fields.String(required=True, validate=[Pattern(SLUG_RE), validate.Length(max=64)])
    study = ma.fields.String(required=True, validate=Pattern(SLUG_RE))
    city = ma.fields.String(
        required=True, validate=[validate.Length(1, 100), one_line, no_surrogates]
    )
    institution = ma.fields.Nested(InstitutionInSchema, required=True)
    status = ma.fields.String(load_default="not_yet_recruiting", validate=validate.OneOf(STATUSES))
    status_reason = text(500)
    lead_department = line(200)

    @ma.validates_schema
    def reason(self, data, **kwargs):
        _reason_given(data, data.get("status"))


class AuditQuerySchema(ma.Schema):
    site = ma.fields.String(validate=Pattern(SLUG_RE))
    limit = ma.fields.Integer(load_default=100, validate=validate.Range(1, 1000))


class AuditEventSchema(ma.Schema):
    id = ma.fields.Integer()
    at = UtcDateTime()
    account_email = ma.fields.String(allow_none=True)
    via = ma.fields.String()
    action = ma.fields.String()
    target = ma.fields.String()
    before = ma.fields.Dict(allow_none=True)
    after = ma.fields.Dict(allow_none=True)
    request_id = ma.fields.String(allow_none=True)
    client_request_id = ma.fields.String(
        allow_none=True, metadata={"description": "The client's X-Request-ID, as it sent it"}
    )
