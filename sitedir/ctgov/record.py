"""The shape of a ClinicalTrials.gov record (API v2 JSON), checked before anything is written.

Only the parts the import reads are declared; the rest of the record (results, derived
sections, references...) is ignored. Every declared part is type-checked: a string where a
string is expected, a number (not a string of digits) for coordinates, a list for lists.
Errors name the field by its path in the record, list positions counted from 0 as in the
JSON itself: `protocolSection.contactsLocationsModule.locations[3].geoPoint.lat`.
"""

import json
import math
import re

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

# The largest record accepted (a real one with hundreds of locations is about 1 MB), and
# the most locations: the largest real records list a few thousand.
MAX_RECORD_BYTES = 10 * 1024 * 1024
MAX_LOCATIONS = 5000
MAX_LIST = 200  # conditions, keywords, interventions, a location's contacts, MeSH terms

# The admin API's character rules, and what XML, a mail header or a terminal cannot take:
# no NUL or other C0 control but a newline, carriage return or tab; no DEL or C1 control
# (U+0080-U+009F, where ESC-like CSI lives); no U+FFFE/U+FFFF; no lone surrogate.
MULTI_LINE_RE = r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]*$"
# One-line fields (a name, a town, a phone) take no newline, carriage return or tab either:
# a carriage return rewrites the operator's terminal line, a newline breaks a mail header.
ONE_LINE_RE = r"^[^\x00-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]*$"


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
    """A JSON string of one line, bounded, free of control characters.

    `lines=True` lets newlines, carriage returns and tabs through (eligibility criteria);
    `max` bounds the length, in characters.
    """

    default_error_messages = {  # noqa: RUF012 (marshmallow merges it)
        **_expected("a string"),
        "surrogate": "expected text (a lone surrogate escape is no character)",
        "control": "expected text without control characters",
        "control_line": "expected one line of text without control characters",
        "long": "longer than {max} characters",
    }

    def __init__(self, *args, lines: bool = False, max: int = 500, **kwargs):
        super().__init__(*args, **kwargs)
        self.lines = lines
        self.max = max

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        if len(text) > self.max:
            raise self.make_error("long", max=self.max)
        if _SURROGATE.search(text):  # json.loads lets "\ud800" through; no database takes it
            raise self.make_error("surrogate")
        if not (_MULTI_LINE if self.lines else _ONE_LINE).fullmatch(text):
            raise self.make_error("control" if self.lines else "control_line")
        return text


_SURROGATE = re.compile("[\ud800-\udfff]")
_MULTI_LINE = re.compile(MULTI_LINE_RE[1:-1])
_ONE_LINE = re.compile(ONE_LINE_RE[1:-1])


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
    """A JSON array, of at most `max` items."""

    default_error_messages = {  # noqa: RUF012 (marshmallow merges it)
        **_expected("a list"),
        "long": "more than {max} items",
    }

    def __init__(self, *args, max: int = MAX_LIST, **kwargs):
        super().__init__(*args, **kwargs)
        self.max = max

    def _deserialize(self, value, attr, data, **kwargs):
        # Counted before any item is read: a list too long costs nothing to refuse.
        if isinstance(value, list) and len(value) > self.max:
            raise self.make_error("long", max=self.max)
        return super()._deserialize(value, attr, data, **kwargs)


class Part(ma.fields.Nested):
    """A JSON object read by a nested schema."""

    default_error_messages = _expected("an object", key="type")


class _Object(ma.Schema):
    """A part of the record: other keys are ClinicalTrials.gov's business, not ours."""

    error_messages = {"type": "expected an object"}  # noqa: RUF012 (marshmallow merges it)

    class Meta:
        unknown = ma.EXCLUDE


class DateStruct(_Object):
    date = Text(
        required=True, max=10, validate=Pattern(DATE_RE, error="expected a date (YYYY-MM-DD)")
    )


class IdentificationModule(_Object):
    nctId = Text(required=True, max=11, validate=Pattern(NCT_RE, error="expected an NCT number"))
    briefTitle = Text(required=True, max=500, validate=validate.Length(min=1, error="empty"))
    officialTitle = Text(max=1000)
    acronym = Text(max=100)


class StatusModule(_Object):
    # Not checked against the list: an unknown value is set aside, not a refused record.
    overallStatus = Text(max=40)
    statusVerifiedDate = Text(max=10, validate=Pattern(DATE_RE, error="expected a date"))
    lastUpdateSubmitDate = Text(max=10, validate=Pattern(DATE_RE, error="expected a date"))
    lastUpdatePostDateStruct = Part(DateStruct)
    startDateStruct = Part(DateStruct)


class Sponsor(_Object):
    name = Text(max=300)


class SponsorCollaboratorsModule(_Object):
    leadSponsor = Part(Sponsor)


class ConditionsModule(_Object):
    conditions = Items(Text(max=300), load_default=list)
    keywords = Items(Text(max=200), load_default=list)


class DesignModule(_Object):
    phases = Items(Text(max=20, validate=_one_of(PHASES)), load_default=list, max=10)


class Intervention(_Object):
    type = Text(max=40)
    name = Text(max=300)
    description = Text(max=5000, lines=True)


class ArmsInterventionsModule(_Object):
    interventions = Items(Part(Intervention), load_default=list)


class EligibilityModule(_Object):
    eligibilityCriteria = Text(max=20000, lines=True)
    healthyVolunteers = Flag()
    sex = Text(max=10, validate=_one_of(SEXES))
    minimumAge = Text(max=40)
    maximumAge = Text(max=40)
    stdAges = Items(Text(max=40), load_default=list, max=10)


class GeoPoint(_Object):
    lat = Number(required=True, validate=validate.Range(-90, 90, error="expected a latitude"))
    lon = Number(required=True, validate=validate.Range(-180, 180, error="expected a longitude"))


class LocationContact(_Object):
    name = Text(max=200)
    role = Text(max=40, validate=_one_of(CONTACT_ROLES))
    phone = Text(max=40)
    phoneExt = Text(max=20)
    email = Text(max=254)


class Location(_Object):
    facility = Text(max=300)
    # Not checked against the list: an unknown value skips this location, with its reason.
    status = Text(max=40)
    city = Text(max=100)
    state = Text(max=100)
    zip = Text(max=20)
    country = Text(max=60)
    geoPoint = Part(GeoPoint)
    contacts = Items(Part(LocationContact), load_default=list, max=50)


class ContactsLocationsModule(_Object):
    centralContacts = Items(Part(LocationContact), load_default=list, max=20)
    locations = Items(Part(Location), load_default=list, max=MAX_LOCATIONS)


class ProtocolSection(_Object):
    identificationModule = Part(IdentificationModule, required=True)
    statusModule = Part(StatusModule, load_default=dict)
    sponsorCollaboratorsModule = Part(SponsorCollaboratorsModule, load_default=dict)
    conditionsModule = Part(ConditionsModule, load_default=dict)
    designModule = Part(DesignModule, load_default=dict)
    armsInterventionsModule = Part(ArmsInterventionsModule, load_default=dict)
    eligibilityModule = Part(EligibilityModule, load_default=dict)
    contactsLocationsModule = Part(ContactsLocationsModule, load_default=dict)


class Mesh(_Object):
    id = Text(max=20)
    term = Text(max=300)


class ConditionBrowseModule(_Object):
    meshes = Items(Part(Mesh), load_default=list)


class DerivedSection(_Object):
    conditionBrowseModule = Part(ConditionBrowseModule, load_default=dict)


class RecordSchema(_Object):
    protocolSection = Part(ProtocolSection, required=True)
    derivedSection = Part(DerivedSection, load_default=dict)


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


# A search result page (`GET /api/v2/studies?...`, up to 1,000 records a page).
MAX_PAGE_BYTES = 64 * 1024 * 1024
MAX_PAGE_RECORDS = 1000


def _load(text: str | bytes, limit: int):
    if len(text) > limit:
        raise RecordError([f"(record): larger than {limit // (1024 * 1024)} MB"])
    try:
        return json.loads(text)
    except ValueError as exc:
        raise RecordError([f"(record): not JSON ({exc})"]) from exc
    except RecursionError as exc:
        raise RecordError(["(record): nested too deeply"]) from exc


def read_records(text: str | bytes) -> tuple[list, str | None]:
    """The records of a file: one record, or a search result's `studies`, each validated
    or a RecordError; and the search result's nextPageToken (None for a lone record).

    Raises RecordError when the file itself is unreadable (not JSON, too large, a search
    result that is not one).
    """
    raw = _load(text, MAX_PAGE_BYTES)
    if not (isinstance(raw, dict) and "studies" in raw and "protocolSection" not in raw):
        if len(text) > MAX_RECORD_BYTES:
            raise RecordError([f"(record): larger than {MAX_RECORD_BYTES // (1024 * 1024)} MB"])
        return [_checked(raw)], None
    studies, token = raw["studies"], raw.get("nextPageToken")
    if not isinstance(studies, list):
        raise RecordError(["studies: expected a list"])
    if len(studies) > MAX_PAGE_RECORDS:
        raise RecordError([f"studies: more than {MAX_PAGE_RECORDS} records"])
    if token is not None and not (isinstance(token, str) and len(token) <= 200):
        raise RecordError(["nextPageToken: expected a string"])
    return [_checked(study, f"studies[{n}].") for n, study in enumerate(studies)], token


def _checked(raw, prefix: str = ""):
    try:
        return parse_record(raw)
    except RecordError as exc:
        return RecordError([f"{prefix}{problem}" for problem in exc.problems])
