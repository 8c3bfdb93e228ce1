"""The shape of a ClinicalTrials.gov record (API v2 JSON), checked before anything is written.

Only the parts the import reads are declared; the rest of the record (results, derived
sections, references...) is ignored. Every declared part is type-checked: a string where a
string is expected, a number (not a string of digits) for coordinates, a list for lists.
Errors name the field by its path in the record, list positions counted from 0 as in the
JSON itself: `protocolSection.contactsLocationsModule.locations[3].geoPoint.lat`.
"""

import json
import math

import marshmallow as ma
from marshmallow import validate

from sitedir.schemas import Pattern

NCT_RE = r"^NCT[0-9]{8}$"
# Record dates are full (2024-05-01) or, for some, a month (2024-05).
DATE_RE = r"^[0-9]{4}-[0-9]{2}(-[0-9]{2})?$"

# ClinicalTrials.gov's RecruitmentStatus values (a location's status uses the same list;
# the last six belong to expanded-access records and say nothing about a trial site).
RECRUITMENT_STATUSES = (
    "RECRUITING",
    "NOT_YET_RECRUITING",
    "ACTIVE_NOT_RECRUITING",
    "ENROLLING_BY_INVITATION",
    "SUSPENDED",
    "COMPLETED",
    "TERMINATED",
    "WITHDRAWN",
    "AVAILABLE",
    "NO_LONGER_AVAILABLE",
    "TEMPORARILY_NOT_AVAILABLE",
    "APPROVED_FOR_MARKETING",
    "WITHHELD",
    "UNKNOWN",
)
PHASES = ("EARLY_PHASE1", "PHASE1", "PHASE2", "PHASE3", "PHASE4", "NA")
CONTACT_ROLES = (
    "CONTACT",
    "PRINCIPAL_INVESTIGATOR",
    "SUB_INVESTIGATOR",
    "STUDY_CHAIR",
    "STUDY_DIRECTOR",
)
SEXES = ("ALL", "FEMALE", "MALE")

# The largest record accepted (a real one with hundreds of locations is about 1 MB).
MAX_RECORD_BYTES = 10 * 1024 * 1024


class RecordError(Exception):
    """A record that cannot be imported; `problems` lists each field at fault."""

    def __init__(self, problems: list[str]):
        super().__init__("; ".join(problems))
        self.problems = problems


def _one_of(choices) -> validate.OneOf:
    return validate.OneOf(choices, error="expected one of: {choices}")


def _expected(what: str, key: str = "invalid") -> dict:
    """A field's messages in plain words: what was expected, missing, or null."""
    return {key: f"expected {what}", "required": "missing", "null": f"expected {what}, not null"}


class Text(ma.fields.String):
    """A JSON string, said in plain words when it is something else."""

    default_error_messages = {  # noqa: RUF012 (marshmallow merges it)
        **_expected("a string"),
        "surrogate": "expected text (a lone surrogate escape is no character)",
    }

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        try:
            text.encode("utf-8")  # json.loads lets "\ud800" through; no database takes it
        except UnicodeEncodeError:
            raise self.make_error("surrogate") from None
        return text


class Number(ma.fields.Float):
    """A JSON number: a string of digits, a boolean, NaN or infinity is refused."""

    default_error_messages = {  # noqa: RUF012 (marshmallow merges it)
        **_expected("a number"),
        "special": "expected a finite number",
    }

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.make_error("invalid")
        try:
            number = float(value)  # an integer of 400 digits is too large for a float
        except OverflowError:
            raise self.make_error("special") from None
        if not math.isfinite(number):
            raise self.make_error("special")
        return number


class Flag(ma.fields.Boolean):
    """A JSON boolean (true or false), not "yes" or 1."""

    default_error_messages = _expected("true or false")

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, bool):
            raise self.make_error("invalid")
        return value


class Items(ma.fields.List):
    """A JSON array."""

    default_error_messages = _expected("a list")


class Part(ma.fields.Nested):
    """A JSON object read by a nested schema."""

    default_error_messages = _expected("an object", key="type")


class _Object(ma.Schema):
    """A part of the record: other keys are ClinicalTrials.gov's business, not ours."""

    error_messages = {"type": "expected an object"}  # noqa: RUF012 (marshmallow merges it)

    class Meta:
        unknown = ma.EXCLUDE


class DateStruct(_Object):
    date = Text(required=True, validate=Pattern(DATE_RE, error="expected a date (YYYY-MM-DD)"))


class IdentificationModule(_Object):
    nctId = Text(required=True, validate=Pattern(NCT_RE, error="expected an NCT number"))
    briefTitle = Text(required=True, validate=validate.Length(min=1, error="empty"))
    officialTitle = Text()
    acronym = Text()


class StatusModule(_Object):
    overallStatus = Text(validate=_one_of(RECRUITMENT_STATUSES))
    statusVerifiedDate = Text(validate=Pattern(DATE_RE, error="expected a date"))
    lastUpdateSubmitDate = Text(validate=Pattern(DATE_RE, error="expected a date"))
    lastUpdatePostDateStruct = Part(DateStruct)


class ConditionsModule(_Object):
    conditions = Items(Text(), load_default=list)
    keywords = Items(Text(), load_default=list)


class DesignModule(_Object):
    phases = Items(Text(validate=_one_of(PHASES)), load_default=list)


class Intervention(_Object):
    type = Text()
    name = Text()
    description = Text()


class ArmsInterventionsModule(_Object):
    interventions = Items(Part(Intervention), load_default=list)


class EligibilityModule(_Object):
    eligibilityCriteria = Text()
    healthyVolunteers = Flag()
    sex = Text(validate=_one_of(SEXES))
    minimumAge = Text()
    maximumAge = Text()
    stdAges = Items(Text(), load_default=list)


class GeoPoint(_Object):
    lat = Number(required=True, validate=validate.Range(-90, 90, error="expected a latitude"))
    lon = Number(required=True, validate=validate.Range(-180, 180, error="expected a longitude"))


class LocationContact(_Object):
    name = Text()
    role = Text(validate=_one_of(CONTACT_ROLES))
    phone = Text()
    phoneExt = Text()
    email = Text()


class Location(_Object):
    facility = Text()
    status = Text(validate=_one_of(RECRUITMENT_STATUSES))
    city = Text()
    state = Text()
    zip = Text()
    country = Text()
    geoPoint = Part(GeoPoint)
    contacts = Items(Part(LocationContact), load_default=list)


class ContactsLocationsModule(_Object):
    locations = Items(Part(Location), load_default=list)


class ProtocolSection(_Object):
    identificationModule = Part(IdentificationModule, required=True)
    statusModule = Part(StatusModule, load_default=dict)
    conditionsModule = Part(ConditionsModule, load_default=dict)
    designModule = Part(DesignModule, load_default=dict)
    armsInterventionsModule = Part(ArmsInterventionsModule, load_default=dict)
    eligibilityModule = Part(EligibilityModule, load_default=dict)
    contactsLocationsModule = Part(ContactsLocationsModule, load_default=dict)


class RecordSchema(_Object):
    protocolSection = Part(ProtocolSection, required=True)


def _paths(messages, prefix: str = "") -> list[str]:
    """Flatten marshmallow's nested messages into `path: message` lines."""
    lines = []
    if isinstance(messages, list):
        return [f"{prefix or '(record)'}: {m}" for m in messages]
    for key, value in messages.items():
        if key == "_schema":
            path = prefix
        elif isinstance(key, int):
            path = f"{prefix}[{key}]"
        else:
            path = f"{prefix}.{key}" if prefix else str(key)
        lines.extend(_paths(value, path))
    return lines


def parse_record(raw) -> dict:
    """Return the record's declared parts, validated; raise RecordError naming each field."""
    try:
        record = RecordSchema().load(raw)
    except ma.ValidationError as exc:
        raise RecordError(sorted(_paths(exc.messages))) from exc
    return record


def parse_json(text: str | bytes) -> dict:
    """Parse a record's JSON text and validate it; raise RecordError on either failure."""
    if len(text) > MAX_RECORD_BYTES:
        raise RecordError([f"(record): larger than {MAX_RECORD_BYTES // (1024 * 1024)} MB"])
    try:
        raw = json.loads(text)
    except ValueError as exc:
        # JSONDecodeError, UnicodeDecodeError, and an integer longer than Python converts.
        raise RecordError([f"(record): not JSON ({exc})"]) from exc
    except RecursionError as exc:
        raise RecordError(["(record): nested too deeply"]) from exc
    return parse_record(raw)
