"""Import one ClinicalTrials.gov record as a study: plan against the database, then apply.

plan_import() reads the database and works out every change without writing anything: the
dry run prints that plan, and a plan with no change means the directory already holds the
record. apply() writes the plan in one transaction, with an audit event per record it
creates or changes, and bumps the version of every site whose public answer changes (its
own fields, its contacts, its institution, or its study), so every process's snapshot and
every ETag sees the change.

Rules that keep data other people entered:
- A study is the import of one NCT number: a slug taken by another study (the seeded one
  included) is refused, and so is an NCT number already imported under another slug.
- Institutions are shared between studies. A location's institution is an existing one
  with the same name (or physical-site name) in the same town, accent- and case-insensitive;
  else a new one. An existing institution is updated from the record only when an earlier
  import of this same study created it and no admin has verified it since.
- A study's sites are its own: each location becomes this study's site at its institution.
  One facility listed twice in a record is one site (the most open status, all contacts).
- A site's status comes from the record unless the site's status was confirmed after the
  record's date (an admin's newer word wins). The import replaces only the contacts it
  wrote itself; contacts an admin added or edited stay.
- Sites of the study that the record no longer lists are left as they are and reported.
"""

from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from sqlalchemy.orm.attributes import flag_modified

from sitedir.admin.auth import audit
from sitedir.clock import as_utc, today_in_paris, utc_now
from sitedir.ctgov.mapping import (
    FAR_KM,
    OPENNESS,
    ContactValues,
    RecordFacts,
    contact_values,
    is_french,
    record_facts,
    site_status,
    slug_words,
    study_values,
)
from sitedir.ctgov.placing import POSTCODE, NotPlaced, locate
from sitedir.events import outbox
from sitedir.extensions import db
from sitedir.models import Contact, Institution, Site, StatusChange, Study
from sitedir.places.normalize import fold
from sitedir.ranking import sphere_km

SLUG_LIMIT = 64  # the slug and key columns' length
INSTITUTION_FIELDS = ("postcode", "insee", "department", "region", "latitude", "longitude")
STUDY_FIELDS = (
    "title_fr",
    "title_en",
    "phase",
    "condition_fr",
    "condition_en",
    "orpha_code",
    "intervention_fr",
    "intervention_en",
    "population_fr",
    "population_en",
    "eligibility_fr",
    "eligibility_en",
    "disclaimer_fr",
    "disclaimer_en",
    "registry_ids",
    "pathway_steps",
    "source",
)


class ImportRefused(Exception):
    """The record cannot be imported as asked (a slug or NCT number clash); nothing written."""


@dataclass
class Skipped:
    """A location left out of the import, and why."""

    index: int
    facility: str | None
    city: str | None
    country: str | None
    reason: str

    def describe(self) -> str:
        where = ", ".join(filter(None, (self.city, self.country))) or "no place given"
        return f"locations[{self.index}] {self.facility or '(no facility name)'} ({where}): " + (
            self.reason
        )


@dataclass
class SitePlan:
    """What the import does with one facility of the record (one or more locations)."""

    indices: list[int]
    facility: str
    city: str
    slug: str
    status: str
    status_reason: str | None
    contacts: list[ContactValues]
    institution: Institution | None = None  # an existing one
    new_institution: dict | None = None
    institution_changes: dict = field(default_factory=dict)
    site: Site | None = None  # this study's site there, when it exists
    site_changes: dict = field(default_factory=dict)
    status_kept: str | None = None  # why the record's status was not applied
    contacts_added: list[ContactValues] = field(default_factory=list)
    contacts_removed: list[Contact] = field(default_factory=list)
    contacts_resourced: list[Contact] = field(default_factory=list)

    @property
    def action(self) -> str:
        if self.site is None:
            return "create"
        changed = (
            self.site_changes
            or self.institution_changes
            or self.contacts_added
            or self.contacts_removed
            or self.contacts_resourced
        )
        return "update" if changed else "unchanged"

    def describe(self) -> str:
        if self.new_institution is not None:
            where = f"new institution {self.new_institution['key']}"
        else:
            where = f"institution {self.institution.key}"
        if self.action == "create":
            return (
                f"site {self.slug}: create, {self.facility} ({self.city}), {where}, "
                f"status {self.status}, {len(self.contacts)} contact(s)"
            )
        kept = f" (the record's status {self.status!r} not applied: {self.status_kept})"
        kept = kept if self.status_kept else ""
        if self.action == "unchanged":
            return f"site {self.slug}: unchanged{kept}"
        parts = [f"{name} {old!r} -> {new!r}" for name, (old, new) in self.site_changes.items()]
        parts += [
            f"institution {name} {old!r} -> {new!r}"
            for name, (old, new) in self.institution_changes.items()
        ]
        if self.contacts_added or self.contacts_removed:
            parts.append(
                f"contacts: {len(self.contacts_added)} added, {len(self.contacts_removed)} removed"
            )
        if self.contacts_resourced:
            parts.append(f"contacts: {len(self.contacts_resourced)} now sourced to this record")
        return f"site {self.slug}: update: " + "; ".join(parts) + kept


@dataclass
class Plan:
    """Every change an import would make; `changed` is False when there is none."""

    facts: RecordFacts
    slug: str
    study: Study | None
    values: dict
    study_changes: dict
    sites: list[SitePlan]
    skipped: list[Skipped]
    notes: list[str]
    absent: list[Site]
    status_confirmed_at: datetime | None

    @property
    def changed(self) -> bool:
        return (
            self.study is None
            or bool(self.study_changes)
            or any(s.action != "unchanged" for s in self.sites)
        )

    def describe(self) -> list[str]:
        """The plan, one line per fact, as the command prints it."""
        action = (
            "create" if self.study is None else ("update" if self.study_changes else "unchanged")
        )
        lines = [f"study {self.slug} ({self.facts.source}): {action}"]
        if self.study is not None and self.study_changes:
            lines.append("  fields changed: " + ", ".join(self.study_changes))
        lines += [f"  {s.describe()}" for s in self.sites]
        if self.skipped:
            lines.append(f"skipped {len(self.skipped)} location(s):")
            lines += [f"  {s.describe()}" for s in self.skipped]
        if self.absent:
            lines.append("sites no longer in the record (left as they are):")
            lines += [f"  {site.slug}" for site in self.absent]
        if self.notes:
            lines.append("notes:")
            lines += [f"  {note}" for note in self.notes]
        return lines


def _record_moment(facts: RecordFacts) -> datetime | None:
    """The record's date as a moment (midnight UTC; a month-only date, its first day)."""
    if not facts.date:
        return None
    day = date.fromisoformat(facts.date if len(facts.date) == 10 else f"{facts.date}-01")
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


def _find_study(slug: str, nct: str) -> Study | None:
    studies = db.session.scalars(db.select(Study).order_by(Study.id)).all()
    for study in studies:
        if study.slug == slug:
            if (study.registry_ids or {}).get("nct") != nct:
                raise ImportRefused(
                    f"study {slug!r} exists and is not the import of {nct}: "
                    "choose another slug with --slug"
                )
            return study
    for study in studies:
        if (study.registry_ids or {}).get("nct") == nct:
            raise ImportRefused(
                f"{nct} was already imported as study {study.slug!r}: use --slug {study.slug}"
            )
    return None


def _institution_names(inst: Institution) -> set[str]:
    names = {fold(inst.name)}
    if inst.site_name:
        names |= {
            fold(inst.site_name),
            fold(f"{inst.name} {inst.site_name}"),
            fold(f"{inst.site_name} {inst.name}"),
        }
    return names


class _Keys:
    """Slugs and keys taken in the database or by this plan: a new one never clashes."""

    def __init__(self, taken):
        self.taken = set(taken)

    def claim(self, base: str) -> str:
        base = base[: SLUG_LIMIT - 4].rstrip("-") or "site"
        candidate, n = base, 1
        while candidate in self.taken:
            n += 1
            candidate = f"{base}-{n}"
        self.taken.add(candidate)
        return candidate


def plan_import(record: dict, slug: str | None = None) -> Plan:
    """Work out every change importing this (validated) record would make; write nothing."""
    facts = record_facts(record)
    slug = slug or facts.nct.lower()
    study = _find_study(slug, facts.nct)
    values = study_values(record, facts, slug)
    study_changes = {}
    if study is not None:
        study_changes = {
            name: (getattr(study, name), values[name])
            for name in STUDY_FIELDS
            if getattr(study, name) != values[name]
        }
    moment = _record_moment(facts)
    institutions = db.session.scalars(db.select(Institution).order_by(Institution.id)).all()
    own_sites = {s.institution_id: s for s in study.sites} if study is not None else {}
    site_slugs = _Keys(db.session.scalars(db.select(Site.slug)))
    institution_keys = _Keys(i.key for i in institutions)
    locations = record["protocolSection"].get("contactsLocationsModule", {}).get("locations", [])

    sites: dict[tuple, SitePlan] = {}
    skipped, notes = [], []
    for index, location in enumerate(locations):
        facility = (location.get("facility") or "").strip()
        city = (location.get("city") or "").strip()
        country = location.get("country")

        def skip(reason, index=index, facility=facility, city=city, country=country):
            skipped.append(Skipped(index, facility or None, city or None, country, reason))

        if not is_french(country):
            skip("outside France" if country else "no country given")
            continue
        if not facility:
            skip("no facility name")
            continue
        try:
            located = locate(city, location.get("zip"))
        except NotPlaced as exc:
            skip(str(exc))
            continue
        if located.note:
            notes.append(f"locations[{index}]: {located.note}")
        place = located.place
        point = location.get("geoPoint")
        if point is not None:
            # The haversine is enough to notice a point in the wrong town.
            far = sphere_km(point["lat"], point["lon"], place.latitude, place.longitude)
            if far > FAR_KM:
                notes.append(
                    f"locations[{index}]: the record's point is {far:.0f} km from "
                    f"{place.label}; the record's point is used"
                )
            latitude, longitude = point["lat"], point["lon"]
        else:
            latitude, longitude = place.latitude, place.longitude

        status, reason = site_status(location.get("status"), facts.overall_status)
        contacts = []
        for number, raw in enumerate(location.get("contacts", [])):
            found = contact_values(raw, facts.source)
            if found is None:
                continue
            for dropped in found.dropped:
                notes.append(f"locations[{index}].contacts[{number}]: {dropped}; left out")
            contacts.append(found)

        # Which institution: an existing one by name and town, else one made here.
        name_key, town_key = fold(facility), fold(city)
        matches = [
            inst
            for inst in institutions
            if name_key in _institution_names(inst)
            and (fold(inst.city) == town_key or inst.insee == place.insee)
        ]
        if len(matches) > 1:
            keys = ", ".join(inst.key for inst in matches)
            skip(f"the facility matches several institutions ({keys}): link it by hand")
            continue
        identity = ("existing", matches[0].id) if matches else ("new", name_key, place.insee)
        if identity in sites:  # the same facility again: one site
            plan = sites[identity]
            plan.indices.append(index)
            plan.contacts.extend(contacts)
            if OPENNESS[status] < OPENNESS[plan.status]:
                plan.status, plan.status_reason = status, reason
            notes.append(
                f"locations[{index}] names the same facility as locations[{plan.indices[0]}]: "
                "one site, with both locations' contacts and the more open status"
            )
            continue
        plan = SitePlan([index], facility, city, "", status, reason, contacts)
        postcode = location.get("zip", "").strip()
        institution_values = {
            # ASCII digits only, as placing reads it (str.isdigit() takes "６９００３").
            "postcode": postcode if POSTCODE.fullmatch(postcode) else None,
            "insee": place.insee,
            "department": place.department,
            "region": place.region,
            "latitude": latitude,
            "longitude": longitude,
        }
        if matches:
            inst = plan.institution = matches[0]
            own = inst.source.startswith(facts.source_prefix) and not inst.verified
            if own:  # created by an earlier import of this study: the record still speaks
                plan.institution_changes = {
                    name: (getattr(inst, name), value)
                    for name, value in {**institution_values, "source": facts.source}.items()
                    if getattr(inst, name) != value
                }
        else:
            town = slug_words(city, 24)
            base = slug_words(facility, 40)
            if town and town not in base:
                base = f"{base}-{town}"
            plan.new_institution = {
                "key": institution_keys.claim(base),
                "name": facility,
                "site_name": None,
                "address": None,
                "city": city,
                **institution_values,
                "source": facts.source,
                "verified": False,
                "last_verified_at": None,
            }
        plan.site = own_sites.get(plan.institution.id) if plan.institution else None
        plan.slug = (
            plan.site.slug
            if plan.site
            else site_slugs.claim(f"{slug}-{slug_words(city, 30) or 'site'}")
        )
        sites[identity] = plan

    for plan in sites.values():
        if plan.site is not None:
            _plan_site_update(plan, facts, moment)
    listed = {plan.site.id for plan in sites.values() if plan.site is not None}
    absent = [s for s in (study.sites if study else []) if s.id not in listed]
    return Plan(
        facts=facts,
        slug=slug,
        study=study,
        values=values,
        study_changes=study_changes,
        sites=list(sites.values()),
        skipped=skipped,
        notes=notes,
        absent=absent,
        status_confirmed_at=moment,
    )


def _plan_site_update(plan: SitePlan, facts: RecordFacts, moment: datetime | None) -> None:
    """Compare an existing site with what the record says of it."""
    site = plan.site
    confirmed = as_utc(site.status_confirmed_at)
    if confirmed is not None and (moment is None or confirmed > moment):
        if (plan.status, plan.status_reason) != (site.status, site.status_reason):
            plan.status_kept = (
                f"status confirmed on {confirmed.date().isoformat()}, after the record"
            )
    else:
        wanted = {"status": plan.status, "status_reason": plan.status_reason}
        if moment is not None:
            wanted["status_confirmed_at"] = moment
        for name, value in wanted.items():
            current = getattr(site, name)
            if name == "status_confirmed_at":
                current = as_utc(current)
            if current != value:
                plan.site_changes[name] = (current, value)
    if site.source.startswith("ClinicalTrials.gov ") and site.source != facts.source:
        plan.site_changes["source"] = (site.source, facts.source)
    if site.city != plan.city and site.source.startswith(facts.source_prefix):
        plan.site_changes["city"] = (site.city, plan.city)

    # The import's own contacts (sourced to one of this study's records) are replaced by
    # the record's; every other contact was entered by someone and stays.
    own = [c for c in site.contacts if c.source.startswith(facts.source_prefix)]
    remaining = list(own)
    for wanted in plan.contacts:
        same = next((c for c in remaining if _contact_key(c) == wanted.key()), None)
        if same is None:
            plan.contacts_added.append(wanted)
            continue
        remaining.remove(same)
        if same.source != facts.source:
            plan.contacts_resourced.append(same)
    plan.contacts_removed = remaining


def _contact_key(contact: Contact) -> tuple:
    return (
        contact.role,
        contact.title,
        contact.name,
        contact.email,
        contact.phone,
        contact.note_fr,
    )


# --- writing ---------------------------------------------------------------------------


def _plain(value):
    return value.isoformat() if isinstance(value, date | datetime) else value


def _state(changes: dict, side: int) -> dict:
    return {name: _plain(pair[side]) for name, pair in changes.items()}


def _touch(site: Site) -> None:
    # Its public answer changed: bump its version (ETag, and every process's snapshot).
    flag_modified(site, "units")


def apply(plan: Plan) -> Study:
    """Write the plan in one transaction, audited; roll everything back on any failure."""
    try:
        study = _apply(plan)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return study


def _apply(plan: Plan) -> Study:
    facts, target = plan.facts, f"study:{plan.slug}"
    study = plan.study
    touched: set[int] = set()
    if study is None:
        study = Study(**plan.values)
        db.session.add(study)
        db.session.flush()
        audit(None, "study.import", target, None, {"nct": facts.nct, "source": facts.source})
    elif plan.study_changes:
        for name, (_, new) in plan.study_changes.items():
            setattr(study, name, new)
        audit(
            None,
            "study.import",
            target,
            _state(plan.study_changes, 0),
            _state(plan.study_changes, 1),
        )
        touched |= {s.id for s in study.sites}  # their study changed

    created = set()
    for site_plan in plan.sites:
        new = site_plan.site is None
        touched |= _apply_site(site_plan, plan, study)
        if new:
            created.add(site_plan.site.id)

    for site_id in touched - created:
        _touch(db.session.get(Site, site_id))
    db.session.flush()
    return study


def _apply_site(site_plan: SitePlan, plan: Plan, study: Study) -> set[int]:
    """Write one site's changes; return the ids of existing sites whose answer changed."""
    facts, touched = plan.facts, set()
    institution = site_plan.institution
    if site_plan.new_institution is not None:
        institution = Institution(**site_plan.new_institution)
        db.session.add(institution)
        db.session.flush()
        audit(
            None,
            "study.import",
            f"institution:{institution.key}",
            None,
            {k: _plain(v) for k, v in site_plan.new_institution.items()},
        )
    elif site_plan.institution_changes:
        for name, (_, new) in site_plan.institution_changes.items():
            setattr(institution, name, new)
        audit(
            None,
            "study.import",
            f"institution:{institution.key}",
            _state(site_plan.institution_changes, 0),
            _state(site_plan.institution_changes, 1),
        )
        # Every site there changed, in every study.
        touched |= set(
            db.session.scalars(db.select(Site.id).where(Site.institution == institution))
        )

    if site_plan.site is None:
        site = Site(
            slug=site_plan.slug,
            study=study,
            institution=institution,
            city=site_plan.city,
            units=[],
            status=site_plan.status,
            status_reason=site_plan.status_reason,
            status_confirmed_at=plan.status_confirmed_at,
            source=facts.source,
            verified=False,
            contacts=[Contact(**c.values) for c in site_plan.contacts],
        )
        db.session.add(site)
        db.session.flush()
        site_plan.site = site
        outbox.created(site)  # announced with the change, in its transaction
        audit(
            None,
            "study.import",
            f"site:{site.slug}",
            None,
            {
                "study": study.slug,
                "institution": institution.key,
                "city": site.city,
                "status": site.status,
                "status_reason": site.status_reason,
                "contacts": [c.values["role"] for c in site_plan.contacts],
                "source": facts.source,
            },
        )
        return touched

    site = site_plan.site
    if site_plan.action == "unchanged":
        return touched
    changes = site_plan.site_changes
    from_status, public_before = site.status, outbox.public_contacts(site)
    if "status" in changes:
        site.history.append(
            StatusChange(
                from_status=site.status,
                to_status=site_plan.status,
                reason=site_plan.status_reason,
                changed_at=utc_now(),
            )
        )
        site.status_since = today_in_paris()
    for name, (_, new) in changes.items():
        setattr(site, name, new)
    before = _state(changes, 0)
    after = _state(changes, 1)
    if site_plan.contacts_removed:
        before["contacts_removed"] = [_contact_state(c) for c in site_plan.contacts_removed]
        for contact in site_plan.contacts_removed:
            site.contacts.remove(contact)
            db.session.delete(contact)
    if site_plan.contacts_added:
        after["contacts_added"] = [
            {k: c.values[k] for k in ("role", "title", "name", "email", "phone")}
            for c in site_plan.contacts_added
        ]
        site.contacts.extend(Contact(**c.values) for c in site_plan.contacts_added)
    for contact in site_plan.contacts_resourced:
        contact.source = facts.source
    if site_plan.contacts_resourced:
        after["contacts_resourced"] = len(site_plan.contacts_resourced)
    if "status" in changes:
        outbox.status_changed(site, from_status, site.history[-1].changed_at)
    if site_plan.contacts_removed or site_plan.contacts_added:
        outbox.contacts_changed(site, public_before)
    audit(None, "study.import", f"site:{site.slug}", before, after)
    touched.add(site.id)
    return touched


def _contact_state(contact: Contact) -> dict:
    return {
        "id": contact.id,
        **{k: getattr(contact, k) for k in ("role", "title", "name", "email", "phone")},
    }
