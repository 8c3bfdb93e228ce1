"""Load, validate and export the directory's seeds (YAML files in seeds/)."""

import os
from datetime import date, datetime

import marshmallow as ma
import yaml
from marshmallow import validate

from sitedir.directory.writes import public_writes
from sitedir.domain import vocabulary
from sitedir.extensions import db
from sitedir.models import Contact, Institution, ReferenceCentre, Site, Study
from sitedir.schemas import Pattern

# Patterns match whole values (see Pattern): "chu-lyon\n" is no key.
INSEE = Pattern(vocabulary.INSEE_RE, error="not an INSEE code")
SLUG = Pattern(vocabulary.SLUG_RE, error="lowercase words joined by hyphens")


class SeedError(Exception):
    """A seed file that cannot be loaded, with the file, record and field at fault."""


class _Strict(ma.Schema):
    class Meta:
        unknown = ma.RAISE


class ProvenanceSeed(_Strict):
    source = ma.fields.String(required=True, validate=validate.Length(min=1))
    verified = ma.fields.Boolean(required=True)
    last_verified_at = ma.fields.AwareDateTime(load_default=None, allow_none=True)


class ContactSeed(ProvenanceSeed):
    role = ma.fields.String(required=True, validate=validate.OneOf(vocabulary.CONTACT_ROLES))
    title = ma.fields.String(allow_none=True, load_default=None)
    name = ma.fields.String(allow_none=True, load_default=None)
    unit = ma.fields.String(allow_none=True, load_default=None)
    note_fr = ma.fields.String(allow_none=True, load_default=None)
    note_en = ma.fields.String(allow_none=True, load_default=None)
    email = ma.fields.Email(allow_none=True, load_default=None)
    phone = ma.fields.String(
        allow_none=True,
        load_default=None,
        validate=Pattern(vocabulary.PHONE_RE, error="not a phone number"),
    )
    public = ma.fields.Boolean(load_default=True)


class PathwayStepSeed(_Strict):
    key = ma.fields.String(required=True, validate=Pattern(r"^[a-z_]+$"))
    order = ma.fields.Integer(required=True, validate=validate.Range(min=1))
    label_fr = ma.fields.String(required=True)
    label_en = ma.fields.String(required=True)


class StudySeed(ProvenanceSeed):
    slug = ma.fields.String(required=True, validate=SLUG)
    title_fr = ma.fields.String(required=True)
    title_en = ma.fields.String(required=True)
    phase = ma.fields.String(required=True)
    condition_fr = ma.fields.String(required=True)
    condition_en = ma.fields.String(required=True)
    orpha_code = ma.fields.Integer(allow_none=True, load_default=None)
    intervention_fr = ma.fields.String(required=True)
    intervention_en = ma.fields.String(required=True)
    population_fr = ma.fields.String(required=True)
    population_en = ma.fields.String(required=True)
    eligibility_fr = ma.fields.String(required=True)
    eligibility_en = ma.fields.String(required=True)
    disclaimer_fr = ma.fields.String(required=True)
    disclaimer_en = ma.fields.String(required=True)
    registry_ids = ma.fields.Dict(
        keys=ma.fields.String(), values=ma.fields.String(allow_none=True), load_default=dict
    )
    pathway_steps = ma.fields.List(ma.fields.Nested(PathwayStepSeed), required=True)


class InstitutionSeed(ProvenanceSeed):
    key = ma.fields.String(required=True, validate=SLUG)
    name = ma.fields.String(required=True)
    site_name = ma.fields.String(allow_none=True, load_default=None)
    address = ma.fields.String(allow_none=True, load_default=None)
    postcode = ma.fields.String(
        allow_none=True, load_default=None, validate=Pattern(vocabulary.POSTCODE_RE)
    )
    city = ma.fields.String(required=True)
    insee = ma.fields.String(required=True, validate=INSEE)
    department = ma.fields.String(required=True, validate=Pattern(vocabulary.DEPARTMENT_RE))
    region = ma.fields.String(required=True, validate=Pattern(vocabulary.REGION_RE))
    latitude = ma.fields.Float(required=True, validate=validate.Range(-90, 90))
    longitude = ma.fields.Float(required=True, validate=validate.Range(-180, 180))
    finess = ma.fields.String(allow_none=True, load_default=None, validate=Pattern(r"^[0-9AB]{9}$"))
    website = ma.fields.Url(allow_none=True, load_default=None)
    switchboard = ma.fields.String(allow_none=True, load_default=None)


class ReferenceCentreSeed(ProvenanceSeed):
    key = ma.fields.String(required=True, validate=SLUG)
    name = ma.fields.String(required=True)
    kind = ma.fields.String(required=True, validate=validate.OneOf(("reference", "competence")))
    network = ma.fields.String(required=True)
    role = ma.fields.String(
        allow_none=True,
        load_default=None,
        validate=validate.OneOf(("coordinating", "constituent")),
    )
    institution = ma.fields.String(required=True)
    head = ma.fields.String(allow_none=True, load_default=None)
    contacts = ma.fields.List(ma.fields.Nested(ContactSeed), load_default=list)


class UnitSeed(_Strict):
    name = ma.fields.String(required=True)
    role_fr = ma.fields.String(allow_none=True, load_default=None)
    role_en = ma.fields.String(allow_none=True, load_default=None)
    steps = ma.fields.List(ma.fields.String(), load_default=list)


class SiteSeed(ProvenanceSeed):
    id = ma.fields.String(required=True, validate=SLUG)
    study = ma.fields.String(required=True)
    institution = ma.fields.String(required=True)
    city = ma.fields.String(required=True)
    reference_centre = ma.fields.String(allow_none=True, load_default=None)
    lead_department = ma.fields.String(allow_none=True, load_default=None)
    units = ma.fields.List(ma.fields.Nested(UnitSeed), load_default=list)
    status = ma.fields.String(required=True, validate=validate.OneOf(vocabulary.STATUSES))
    status_reason = ma.fields.String(allow_none=True, load_default=None)
    status_since = ma.fields.Date(allow_none=True, load_default=None)
    expected_reopening = ma.fields.Date(allow_none=True, load_default=None)
    joined_on = ma.fields.Date(allow_none=True, load_default=None)
    status_confirmed_at = ma.fields.AwareDateTime(allow_none=True, load_default=None)
    contacts = ma.fields.List(ma.fields.Nested(ContactSeed), load_default=list)


# Load order matters: later files refer to keys of earlier ones.
SEED_FILES = (
    ("studies.yaml", StudySeed, "slug"),
    ("institutions.yaml", InstitutionSeed, "key"),
    ("reference_centres.yaml", ReferenceCentreSeed, "key"),
    ("sites.yaml", SiteSeed, "id"),
)


def _describe(errors) -> str:
    parts = []
    for field, messages in errors.items():
        if isinstance(messages, dict):
            parts.append(f"{field}.{_describe(messages)}")
        else:
            parts.append(f"{field}: {' '.join(map(str, messages))}")
    return "; ".join(parts)


def read_seeds(seeds_dir: str) -> dict[str, list[dict]]:
    """Return every seed file's records, validated; raise SeedError naming what is wrong."""
    loaded: dict[str, list[dict]] = {}
    for filename, schema_class, key_field in SEED_FILES:
        path = os.path.join(seeds_dir, filename)
        try:
            with open(path, encoding="utf-8") as handle:
                raw = yaml.safe_load(handle)
        except FileNotFoundError as exc:
            raise SeedError(f"{path}: file missing") from exc
        except yaml.YAMLError as exc:
            raise SeedError(f"{path}: not valid YAML: {exc}") from exc
        if raw is None:
            raw = []
        if not isinstance(raw, list):
            raise SeedError(f"{path}: expected a list of records")
        schema = schema_class()
        records, seen = [], set()
        for index, item in enumerate(raw, start=1):
            label = item.get(key_field) if isinstance(item, dict) else None
            where = f"{path}, record {index}" + (f" ({label})" if label else "")
            if not isinstance(item, dict):
                raise SeedError(f"{where}: expected a mapping of fields")
            try:
                record = schema.load(item)
            except ma.ValidationError as exc:
                raise SeedError(f"{where}: {_describe(exc.messages)}") from exc
            if record[key_field] in seen:
                raise SeedError(f"{where}, field {key_field}: duplicate value")
            seen.add(record[key_field])
            records.append(record)
        loaded[filename] = records
    _check_references(loaded, seeds_dir)
    return loaded


def _check_references(loaded, seeds_dir):
    studies = {s["slug"] for s in loaded["studies.yaml"]}
    institutions = {i["key"] for i in loaded["institutions.yaml"]}
    centres = {c["key"] for c in loaded["reference_centres.yaml"]}
    for index, centre in enumerate(loaded["reference_centres.yaml"], start=1):
        if centre["institution"] not in institutions:
            raise SeedError(
                f"{os.path.join(seeds_dir, 'reference_centres.yaml')}, record {index} "
                f"({centre['key']}), field institution: unknown institution "
                f"{centre['institution']!r}"
            )
    steps = {s["slug"]: {p["key"] for p in s["pathway_steps"]} for s in loaded["studies.yaml"]}
    for index, site in enumerate(loaded["sites.yaml"], start=1):
        where = f"{os.path.join(seeds_dir, 'sites.yaml')}, record {index} ({site['id']})"
        if site["study"] not in studies:
            raise SeedError(f"{where}, field study: unknown study {site['study']!r}")
        if site["institution"] not in institutions:
            raise SeedError(
                f"{where}, field institution: unknown institution {site['institution']!r}"
            )
        if site["reference_centre"] and site["reference_centre"] not in centres:
            raise SeedError(
                f"{where}, field reference_centre: unknown centre {site['reference_centre']!r}"
            )
        for unit in site["units"]:
            unknown = set(unit["steps"]) - steps[site["study"]]
            if unknown:
                raise SeedError(f"{where}, field units.steps: unknown steps {sorted(unknown)}")


def _contact(record: dict) -> Contact:
    return Contact(**record)


def load_seeds(seeds_dir: str) -> dict[str, int]:
    """Insert the validated seeds into the current (empty) database; return counts."""
    data = read_seeds(seeds_dir)
    # An empty directory's first rows: nothing published before, nothing to announce.
    with public_writes():
        return _load(data)


def _load(data: dict) -> dict[str, int]:
    studies = {r["slug"]: Study(**r) for r in data["studies.yaml"]}
    institutions = {r["key"]: Institution(**r) for r in data["institutions.yaml"]}
    centres = {}
    for record in data["reference_centres.yaml"]:
        record = dict(record)
        contacts = [_contact(c) for c in record.pop("contacts")]
        record["institution"] = institutions[record["institution"]]
        centres[record["key"]] = ReferenceCentre(**record, contacts=contacts)
    sites = []
    for record in data["sites.yaml"]:
        record = dict(record)
        contacts = [_contact(c) for c in record.pop("contacts")]
        sites.append(
            Site(
                slug=record.pop("id"),
                study=studies[record.pop("study")],
                institution=institutions[record.pop("institution")],
                reference_centre=centres.get(record.pop("reference_centre")),
                contacts=contacts,
                **record,
            )
        )
    db.session.add_all([*studies.values(), *institutions.values(), *centres.values(), *sites])
    db.session.commit()
    return {
        "studies": len(studies),
        "institutions": len(institutions),
        "reference_centres": len(centres),
        "sites": len(sites),
    }


def _jsonable(value):
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def _provenance(record) -> dict:
    return {
        "source": record.source,
        "verified": record.verified,
        "last_verified_at": _jsonable(record.last_verified_at),
    }


def _contact_record(c: Contact) -> dict:
    fields = ("role", "title", "name", "unit", "note_fr", "note_en", "email", "phone", "public")
    return {**{f: getattr(c, f) for f in fields}, **_provenance(c)}


def export_seeds() -> dict[str, list[dict]]:
    """Return the database's directory in the seed files' shape, one list per file."""
    study_fields = [f for f in StudySeed().fields if f not in ProvenanceSeed().fields]
    inst_fields = [f for f in InstitutionSeed().fields if f not in ProvenanceSeed().fields]
    out = {
        "studies.yaml": [
            {**{f: getattr(s, f) for f in study_fields}, **_provenance(s)}
            for s in db.session.scalars(db.select(Study).order_by(Study.id))
        ],
        "institutions.yaml": [
            {**{f: getattr(i, f) for f in inst_fields}, **_provenance(i)}
            for i in db.session.scalars(db.select(Institution).order_by(Institution.id))
        ],
        "reference_centres.yaml": [
            {
                "key": c.key,
                "name": c.name,
                "kind": c.kind,
                "network": c.network,
                "role": c.role,
                "institution": c.institution.key,
                "head": c.head,
                **_provenance(c),
                "contacts": [_contact_record(x) for x in c.contacts],
            }
            for c in db.session.scalars(db.select(ReferenceCentre).order_by(ReferenceCentre.id))
        ],
        "sites.yaml": [
            {
                "id": s.slug,
                "study": s.study.slug,
                "institution": s.institution.key,
                "city": s.city,
                "reference_centre": s.reference_centre.key if s.reference_centre else None,
                "lead_department": s.lead_department,
                "units": s.units,
                "status": s.status,
                "status_reason": s.status_reason,
                "status_since": _jsonable(s.status_since),
                "expected_reopening": _jsonable(s.expected_reopening),
                "joined_on": _jsonable(s.joined_on),
                "status_confirmed_at": _jsonable(s.status_confirmed_at),
                **_provenance(s),
                "contacts": [_contact_record(x) for x in s.contacts],
            }
            for s in db.session.scalars(db.select(Site).order_by(Site.id))
        ],
    }
    return out


def seed_if_empty(seeds_dir: str) -> dict[str, int] | None:
    """Load seeds only into a database with no study yet; never overwrite data."""
    if db.session.scalar(db.select(db.func.count()).select_from(Study)):
        return None
    return load_seeds(seeds_dir)
