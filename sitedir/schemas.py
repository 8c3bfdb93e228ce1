"""Marshmallow schemas: what goes in and out of the API, and so its OpenAPI contract."""

import re
from typing import overload

import marshmallow as ma
from marshmallow import validate

from sitedir.domain.clock import as_utc
from sitedir.domain.study_match import condition_mesh, registry_url, sponsor_name
from sitedir.domain.vocabulary import (
    DEPARTMENT_RE,
    FHIR_LOCATION_STATUS,
    INSEE_RE,
    POSTCODE_RE,
    REGION_RE,
    SLUG_RE,
    STATUS_LABELS,
    STATUSES,
)
from sitedir.i18n import t
from sitedir.places.search import MAX_QUERY_CHARS, MAX_QUERY_WORDS


class UtcDateTime(ma.fields.DateTime):
    """A moment in RFC 3339 with its offset: SQLite hands back naive UTC datetimes."""

    def _serialize(self, value, attr, obj, **kwargs):
        return super()._serialize(as_utc(value), attr, obj, **kwargs)


class Pattern(validate.Regexp):
    r"""A regular expression the whole value must match, read the same in Python and OpenAPI.

    marshmallow's Regexp uses re.match, where `$` also matches before a final newline:
    "chu-lyon\n" passed `^[a-z0-9-]+$`, was stored, and every later read of it failed. Here
    the value must match from end to end (fullmatch). The pattern is still written `^...$`,
    because apispec publishes it as it is in the OpenAPI document, whose ECMA dialect has no
    `\Z` and reads `$` as the very end: both sides then mean the same thing. re.ASCII makes
    `\d` mean [0-9] as in ECMA (Python's would also take Arabic-Indic digits, for instance).
    """

    regex: re.Pattern[str]  # made from a str here (Regexp also takes bytes)

    def __init__(self, regex: str, *, error: str | None = None):
        if not (regex.startswith("^") and regex.endswith("$")):
            # An unanchored pattern is a search in ECMA and a prefix match here.
            raise ValueError(f"a Pattern is anchored at both ends: {regex!r}")
        super().__init__(regex, re.ASCII, error=error)

    # Regexp's two signatures; a text pattern refuses bytes (only strings reach it).
    @overload
    def __call__(self, value: str) -> str: ...

    @overload
    def __call__(self, value: bytes) -> bytes: ...

    def __call__(self, value: str | bytes) -> str | bytes:
        if not isinstance(value, str) or self.regex.fullmatch(value) is None:
            raise ma.ValidationError(self._format_error(value))
        return value


class ProvenanceSchema(ma.Schema):
    source = ma.fields.String(metadata={"description": "Where the facts come from"})
    verified = ma.fields.Boolean(metadata={"description": "Checked by an admin"})
    last_verified_at = UtcDateTime(allow_none=True)


def _localised(prefix: str, nullable: bool = False):
    """A {fr, en} object read from `prefix_fr` and `prefix_en` attributes."""
    text = {"type": "string", "nullable": True} if nullable else {"type": "string"}
    return ma.fields.Function(
        lambda obj: {"fr": getattr(obj, f"{prefix}_fr"), "en": getattr(obj, f"{prefix}_en")},
        metadata={"type": "object", "properties": {"fr": text, "en": text}},
    )


class PathwayStepSchema(ma.Schema):
    key = ma.fields.String()
    order = ma.fields.Integer()
    label_fr = ma.fields.String()
    label_en = ma.fields.String()


class ConditionSchema(ma.Schema):
    term = ma.fields.String()
    mesh = ma.fields.String(allow_none=True, metadata={"description": "MeSH code (D008180)"})


class CentralContactSchema(ma.Schema):
    name = ma.fields.String(allow_none=True)
    role = ma.fields.String(allow_none=True)
    phone = ma.fields.String(allow_none=True)
    email = ma.fields.String(allow_none=True)


def _text(value) -> str | None:
    return value.strip() if isinstance(value, str) and value.strip() else None


class StudyDetailsSchema(ma.Schema):
    """What the study's registry record says, as it says it; null or empty when unknown
    (a study written by hand has none)."""

    official_title = ma.fields.String(allow_none=True)
    sponsor = ma.fields.String(allow_none=True)
    start_date = ma.fields.String(allow_none=True, metadata={"description": "ISO date"})
    conditions = ma.fields.List(ma.fields.Nested(ConditionSchema))
    keywords = ma.fields.List(ma.fields.String())
    central_contacts = ma.fields.List(
        ma.fields.Nested(CentralContactSchema),
        metadata={"description": "The study's own contacts (not a site's), from the record"},
    )
    minimum_age = ma.fields.String(allow_none=True, metadata={"description": 'e.g. "18 Years"'})
    maximum_age = ma.fields.String(allow_none=True)
    sex = ma.fields.String(allow_none=True, metadata={"description": "ALL, FEMALE or MALE"})
    status_verified = ma.fields.String(
        allow_none=True, metadata={"description": "The month the record's statuses were verified"}
    )

    @ma.pre_dump
    def _known(self, details, **kwargs):
        # Every key, whatever the record held: readers never guess which are there.
        details = details if isinstance(details, dict) else {}
        conditions = []
        for item in details.get("conditions") or []:
            if isinstance(item, dict) and _text(item.get("term")):
                codes = condition_mesh(item)
                conditions.append(
                    {"term": item["term"].strip(), "mesh": codes[0] if codes else None}
                )
        contacts = [
            {k: _text(c.get(k)) for k in ("name", "role", "phone", "email")}
            for c in details.get("central_contacts") or []
            if isinstance(c, dict)
        ]
        keywords = details.get("keywords")
        return {
            "official_title": _text(details.get("official_title")),
            "sponsor": sponsor_name(details),
            "start_date": _text(details.get("start_date")),
            "conditions": conditions,
            "keywords": [k for k in keywords if _text(k)] if isinstance(keywords, list) else [],
            "central_contacts": contacts,
            **{k: _text(details.get(k)) for k in ("minimum_age", "maximum_age", "sex")},
            "status_verified": _text(details.get("status_verified")),
        }


def _recruiting_sites(study) -> int:
    from sitedir.directory.catalogue import recruiting_counts  # reads the app's snapshot
    from sitedir.readmodel.snapshot import current_snapshot

    return recruiting_counts(current_snapshot())[study.slug]


def _sponsor():
    return ma.fields.Function(
        lambda s: sponsor_name(s.details), metadata={"type": "string", "nullable": True}
    )


def _registry_url():
    return ma.fields.Function(
        lambda s: registry_url(s.registry_ids),
        metadata={"type": "string", "nullable": True, "description": "Its registry record"},
    )


class StudySummarySchema(ma.Schema):
    """A study in a few words: what a doctor reads beside a site of it."""

    slug = ma.fields.String()
    title = _localised("title")
    phase = ma.fields.String()
    condition = _localised("condition")
    sponsor = _sponsor()
    registry_url = _registry_url()


class StudySchema(StudySummarySchema):
    """A study whole: its summary, then what the directory and its record say of it."""

    recruiting_sites = ma.fields.Function(
        _recruiting_sites,
        metadata={"type": "integer", "description": "How many of its sites recruit now"},
    )
    orpha_code = ma.fields.Integer(allow_none=True)
    intervention = _localised("intervention")
    population = _localised("population")
    eligibility = _localised("eligibility")
    disclaimer = _localised("disclaimer")
    registry_ids = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.String(allow_none=True))
    pathway_steps = ma.fields.List(ma.fields.Nested(PathwayStepSchema))
    details = ma.fields.Nested(StudyDetailsSchema)
    provenance = ma.fields.Nested(ProvenanceSchema)


class ContactSchema(ma.Schema):
    id = ma.fields.Integer()
    role = ma.fields.String()
    title = ma.fields.String(allow_none=True)
    name = ma.fields.String(
        allow_none=True, metadata={"description": "null for a role-only contact"}
    )
    unit = ma.fields.String(allow_none=True)
    note = _localised("note", nullable=True)
    email = ma.fields.String(allow_none=True, metadata={"description": "null when unknown"})
    phone = ma.fields.String(allow_none=True, metadata={"description": "null when unknown"})
    provenance = ma.fields.Nested(ProvenanceSchema)


class InstitutionSchema(ma.Schema):
    name = ma.fields.String()
    site_name = ma.fields.String(allow_none=True)
    address = ma.fields.String(allow_none=True)
    postcode = ma.fields.String(allow_none=True)
    city = ma.fields.String()
    insee = ma.fields.String()
    finess = ma.fields.String(allow_none=True)
    website = ma.fields.String(allow_none=True)
    switchboard = ma.fields.String(allow_none=True)
    provenance = ma.fields.Nested(ProvenanceSchema)


class ReferenceCentreSchema(ma.Schema):
    id = ma.fields.String(attribute="key")
    name = ma.fields.String()
    kind = ma.fields.String(metadata={"description": "reference or competence"})
    network = ma.fields.String()
    role = ma.fields.String(
        allow_none=True, metadata={"description": "coordinating, constituent, or null if unknown"}
    )
    head = ma.fields.String(allow_none=True)
    institution = ma.fields.Nested(InstitutionSchema)
    contacts = ma.fields.Function(
        lambda c: ContactSchema(many=True).dump([x for x in c.contacts if x.public]),
        metadata={"type": "array", "items": {"$ref": "#/components/schemas/Contact"}},
    )
    provenance = ma.fields.Nested(ProvenanceSchema)


class UnitSchema(ma.Schema):
    name = ma.fields.String()
    role_fr = ma.fields.String(allow_none=True)
    role_en = ma.fields.String(allow_none=True)
    steps = ma.fields.List(ma.fields.String())


class SiteSchema(ma.Schema):
    id = ma.fields.String(attribute="slug", metadata={"description": "Stable slug used in URLs"})
    name = ma.fields.String()
    study = ma.fields.Pluck(StudySchema, "slug")
    city = ma.fields.String()
    institution = ma.fields.Nested(InstitutionSchema)
    address = ma.fields.String(allow_none=True)
    postcode = ma.fields.String(allow_none=True)
    insee = ma.fields.String()
    department = ma.fields.String()
    region = ma.fields.String()
    latitude = ma.fields.Float()
    longitude = ma.fields.Float()
    point_precision = ma.fields.String(
        allow_none=True,
        metadata={
            "description": (
                "commune when the point is the commune's, not the building's (distances to "
                "it are approximate); null for the building's point"
            )
        },
    )
    status = ma.fields.String(validate=validate.OneOf(STATUSES))
    status_label = ma.fields.Function(
        lambda s: dict(zip(("fr", "en"), STATUS_LABELS[s.status], strict=True)),
        metadata={
            "type": "object",
            "properties": {"fr": {"type": "string"}, "en": {"type": "string"}},
        },
    )
    is_open = ma.fields.Boolean(metadata={"description": "True when the site takes referrals now"})
    fhir_status = ma.fields.Function(
        lambda s: FHIR_LOCATION_STATUS[s.status],
        metadata={"type": "string", "description": "FHIR Location.status"},
    )
    status_since = ma.fields.Date(allow_none=True)
    status_reason = ma.fields.String(allow_none=True)
    expected_reopening = ma.fields.Date(allow_none=True)
    status_confirmed_at = UtcDateTime(allow_none=True)
    stale = ma.fields.Method(
        "_stale",
        metadata={
            "type": "boolean",
            "description": "True when the status was never confirmed, or not for more than "
            "SITEDIR_STALE_DAYS days (30): doctors are told, the ranking is unchanged",
        },
    )

    def _stale(self, site) -> bool:
        # Today's date in Paris: the snapshot's key carries the day, so this flips
        # when time passes without any write.
        from flask import current_app

        from sitedir.domain import clock
        from sitedir.domain.staleness import is_stale

        days = current_app.config["STALE_DAYS"]
        return is_stale(site.status_confirmed_at, clock.today_in_paris(), days)

    joined_on = ma.fields.Date(allow_none=True)
    lead_department = ma.fields.String(allow_none=True)
    units = ma.fields.List(ma.fields.Nested(UnitSchema))
    reference_centre = ma.fields.Nested(ReferenceCentreSchema, allow_none=True)
    contacts = ma.fields.List(ma.fields.Nested(ContactSchema), attribute="public_contacts")
    provenance = ma.fields.Nested(ProvenanceSchema)


class StatusChangeSchema(ma.Schema):
    from_status = ma.fields.String(allow_none=True)
    to_status = ma.fields.String()
    reason = ma.fields.String(allow_none=True)
    changed_at = UtcDateTime()


class SiteDetailSchema(SiteSchema):
    history = ma.fields.List(ma.fields.Nested(StatusChangeSchema))


class PlaceSchema(ma.Schema):
    insee = ma.fields.String()
    name = ma.fields.String()
    label = ma.fields.String(metadata={"description": 'e.g. "Vichy (03)"'})
    kind = ma.fields.String(metadata={"description": "commune or arrondissement"})
    postcodes = ma.fields.List(ma.fields.String())
    department = ma.fields.String()
    department_name = ma.fields.String()
    region = ma.fields.String()
    region_name = ma.fields.String()
    latitude = ma.fields.Float()
    longitude = ma.fields.Float()
    precision = ma.fields.String(
        metadata={"description": "commune (own point), postcode (borrowed), department (seat)"}
    )
    population = ma.fields.Integer(allow_none=True)


class PlaceMatchSchema(PlaceSchema):
    match = ma.fields.String(metadata={"description": "How the query matched this place"})
    score = ma.fields.Float(allow_none=True)
    former_name = ma.fields.String(allow_none=True)
    locality = ma.fields.String(
        allow_none=True,
        metadata={
            "description": "The place typed when it is not a commune (a ski resort, a hamlet, "
            'a district: "Val Thorens"); the match is then its commune'
        },
    )


# ---- query strings ---------------------------------------------------------


class SitesQuerySchema(ma.Schema):
    study = ma.fields.String(validate=Pattern(SLUG_RE))
    status = ma.fields.String(validate=validate.OneOf(STATUSES))
    open = ma.fields.Boolean(metadata={"description": "Only open (recruiting) sites"})
    region = ma.fields.String(validate=Pattern(REGION_RE))
    department = ma.fields.String(validate=Pattern(DEPARTMENT_RE))
    limit = ma.fields.Integer(
        load_default=100,
        validate=validate.Range(min=1, max=1000),
        metadata={"description": "Sites per page; the next page is in the Link header"},
    )
    cursor = ma.fields.String(
        validate=Pattern(r"^[A-Za-z0-9_-]{1,200}$"),
        metadata={"description": 'Opaque: copied from the Link header\'s rel="next" URL'},
    )


# A query must hold at least one letter or digit (punctuation alone names no place) and no
# control character: a search box gives one line, and "Vichy\n" is no town. Up to the
# first letter or digit, then anything but control characters: a value matches one way
# only, so in linear time (`[^...]*[0-9A-Za-z][^...]*` took a minute on 60,000 characters).
SEARCHABLE = Pattern(
    r"^[^\x00-\x1f\x7f0-9A-Za-zÀ-ÖØ-öø-ÿŒœ]*[0-9A-Za-zÀ-ÖØ-öø-ÿŒœ][^\x00-\x1f\x7f]*$",
    error="type a town name, a postcode or a code",
)


# The same rule for a disease or words typed: a letter or digit, no control character.
WORDS = Pattern(SEARCHABLE.regex.pattern, error="type a word")


class StudiesQuerySchema(ma.Schema):
    condition = ma.fields.String(
        validate=[validate.Length(min=1, max=200), WORDS],
        metadata={
            "description": "A disease as typed (accents and case ignored), or a MeSH code: "
            "matches the study's condition, the record's conditions, MeSH terms and keywords"
        },
    )
    q = ma.fields.String(
        validate=[validate.Length(min=1, max=200), WORDS],
        metadata={"description": "Words of its titles, sponsor, intervention, NCT number"},
    )
    open = ma.fields.Boolean(metadata={"description": "Only studies with a recruiting site"})
    limit = ma.fields.Integer(
        load_default=100,
        validate=validate.Range(min=1, max=1000),
        metadata={"description": "Studies per page; the next page is in the Link header"},
    )
    cursor = ma.fields.String(
        validate=Pattern(r"^[A-Za-z0-9_-]{1,200}$"),
        metadata={"description": 'Opaque: copied from the Link header\'s rel="next" URL'},
    )


# A town as typed: at most MAX_QUERY_CHARS characters (the schema's maxLength: 422 beyond)
# and MAX_QUERY_WORDS words, which JSON Schema cannot count (400 beyond, declared).
QUERY_DOC = (
    f"at most {MAX_QUERY_CHARS} characters and {MAX_QUERY_WORDS} words (runs of letters "
    "and digits); more words: 400"
)


class PlacesQuerySchema(ma.Schema):
    q = ma.fields.String(
        required=True,
        validate=[validate.Length(min=1, max=MAX_QUERY_CHARS), SEARCHABLE],
        metadata={"description": f"A town, a postcode or an INSEE code, as typed: {QUERY_DOC}"},
    )
    limit = ma.fields.Integer(load_default=10, validate=validate.Range(min=1, max=50))


class NearestQuerySchema(ma.Schema):
    q = ma.fields.String(
        validate=[validate.Length(min=1, max=MAX_QUERY_CHARS), SEARCHABLE],
        metadata={"description": f"A town, as typed: {QUERY_DOC}"},
    )
    address = ma.fields.String(
        validate=[validate.Length(min=3, max=300), SEARCHABLE],
        metadata={"description": "A street address, geocoded online when the server enables it"},
    )
    postcode = ma.fields.String(validate=Pattern(POSTCODE_RE, error="5 digits expected"))
    insee = ma.fields.String(validate=Pattern(INSEE_RE, error="not an INSEE code"))
    lat = ma.fields.Float(validate=validate.Range(min=-90, max=90), allow_nan=False)
    lon = ma.fields.Float(validate=validate.Range(min=-180, max=180), allow_nan=False)
    study = ma.fields.String(validate=Pattern(SLUG_RE))
    limit = ma.fields.Integer(load_default=3, validate=validate.Range(min=1, max=20))
    radius_km = ma.fields.Float(
        validate=validate.Range(min=0, max=20000, min_inclusive=False),
        allow_nan=False,
        # apispec publishes the minimum but not that it is excluded (OpenAPI 3.0's boolean).
        metadata={"exclusiveMinimum": True},
    )
    region = ma.fields.String(validate=Pattern(REGION_RE))
    condition = ma.fields.String(
        validate=[validate.Length(min=1, max=200), WORDS],
        metadata={
            "description": "Across studies: for each study of this disease (as in "
            "/studies?condition=) with an open site, its nearest open site, nearest first; "
            "not with study"
        },
    )

    @ma.validates_schema
    def one_study_or_condition(self, data, **kwargs):
        if "condition" in data and "study" in data:
            raise ma.ValidationError(
                t(
                    "study ou condition, pas les deux",
                    "study or condition, not both",
                ),
                "condition",
            )

    @ma.validates_schema
    def one_origin(self, data, **kwargs):
        given = [k for k in ("q", "address", "postcode", "insee") if k in data]
        has_lat, has_lon = "lat" in data, "lon" in data
        if has_lat != has_lon:
            missing = "lon" if has_lat else "lat"
            raise ma.ValidationError(
                t("lat et lon vont ensemble", "lat and lon go together"), missing
            )
        if has_lat:
            given.append("lat/lon")
        if len(given) != 1:
            got = ", ".join(given)
            raise ma.ValidationError(
                t(
                    "indiquez une seule origine : q, address, postcode, insee, ou lat et lon"
                    + (f" (reçu : {got})" if given else ""),
                    "give exactly one origin: q, address, postcode, insee, or lat and lon"
                    + (f" (got {got})" if given else ""),
                ),
                "origin",
            )


# ---- answers ---------------------------------------------------------------


class OriginSchema(ma.Schema):
    name = ma.fields.String(allow_none=True)
    label = ma.fields.String(allow_none=True)
    insee = ma.fields.String(allow_none=True)
    postcodes = ma.fields.List(ma.fields.String())
    department = ma.fields.String(allow_none=True)
    department_name = ma.fields.String(allow_none=True)
    region = ma.fields.String(allow_none=True)
    region_name = ma.fields.String(allow_none=True)
    latitude = ma.fields.Float()
    longitude = ma.fields.Float()
    precision = ma.fields.String(
        metadata={"description": "commune, postcode, department, address or coordinates"}
    )
    match = ma.fields.String(allow_none=True)
    former_name = ma.fields.String(allow_none=True)
    locality = ma.fields.String(
        allow_none=True,
        metadata={
            "description": "The place typed when it is not a commune (a ski resort, a hamlet, "
            "a district); the origin is its commune, and the label says so: "
            '"Val Thorens (commune des Belleville, 73)"'
        },
    )
    ambiguous = ma.fields.Boolean(
        metadata={
            "description": "True when the typed name is borne by several communes of "
            "comparable size (Saint-Denis 93 and 974): the answer is for the likeliest, the "
            "others are in alternatives, and a user interface should ask. A département, "
            "territory or postcode after the name, a postcode or an INSEE code settles it"
        }
    )
    alternatives = ma.fields.List(
        ma.fields.Nested(PlaceMatchSchema),
        metadata={"description": "Other places the query may mean, likeliest first"},
    )


class NearestSiteSchema(SiteSchema):
    distance_km = ma.fields.Float(metadata={"description": "Geodesic distance, 0.1 km"})


class NearestSchema(ma.Schema):
    study = ma.fields.String()
    origin = ma.fields.Nested(OriginSchema)
    results = ma.fields.List(ma.fields.Nested(NearestSiteSchema))
    nearer_not_open = ma.fields.List(ma.fields.Nested(NearestSiteSchema))


class StudyNearestSchema(ma.Schema):
    study = ma.fields.Nested(StudySummarySchema)
    site = ma.fields.Nested(NearestSiteSchema, metadata={"description": "Its nearest open site"})


class NearestAcrossStudiesSchema(ma.Schema):
    """The answer to /nearest?condition=: one entry per study of the disease."""

    condition = ma.fields.String()
    origin = ma.fields.Nested(OriginSchema)
    studies = ma.fields.List(
        ma.fields.Nested(StudyNearestSchema),
        metadata={"description": "Each study with an open site, by its nearest's distance"},
    )
    without_open_site = ma.fields.List(
        ma.fields.Nested(StudySummarySchema),
        metadata={"description": "The disease's studies with no open site (in region/radius)"},
    )
