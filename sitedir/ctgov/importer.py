"""Import one ClinicalTrials.gov record as a study: plan against the database, then apply.

plan_import() reads the database and works out every change without writing anything: the
dry run prints that plan, and a plan with no change means the directory already holds the
record. apply() writes the plan in one transaction through the directory's write service
(sitedir.directory.changes): the status rules and history, the audit entries, the outbox
events and the version of every site whose public answer changes (its own fields, its
contacts, its institution, or its study) are the service's, as for an admin's change.

Rules that keep data other people entered:
- A study is the import of one NCT number: a slug taken by another study (the seeded one
  included) is refused, and so is an NCT number already imported under another slug.
- Institutions are shared between studies. A location's institution is an existing one
  with the same name (or physical-site name) in the same town, accent- and case-insensitive;
  else a new one. An existing institution is updated from the record only when an earlier
  import of this same study created it and no admin has verified it since.
- A study's sites are its own: each location becomes this study's site at its institution.
  One facility listed twice in a record is one site (the most open status, each contact
  once).
- A site's status comes from the record, confirmed on the first day of the month the
  record says it was verified (statusVerifiedDate), unless the site's status was
  confirmed after that (a person's newer word wins).
- Where a location stands is placing.py's (country, postcode, town, facility; never a
  guess). A record point farther than FAR_KM from its commune is not used: the commune's
  point is, and the output says so. The town is stored as the gazetteer spells it.
- The import replaces only the contacts it wrote itself; contacts an admin added or
  edited stay.
- Sites of the study that the record no longer lists are left as they are and reported.
"""

from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from sitedir.ctgov.mapping import (
    FAR_KM,
    OPENNESS,
    ContactValues,
    RecordFacts,
    UnknownStatus,
    central_contacts,
    contact_values,
    is_french,
    record_facts,
    site_status,
    slug_words,
    study_values,
)
from sitedir.ctgov.placing import NotPlaced, locate
from sitedir.directory import changes
from sitedir.domain.clock import as_utc
from sitedir.domain.ranking import sphere_km
from sitedir.domain.vocabulary import WITHDRAWN
from sitedir.extensions import db
from sitedir.models import Contact, Institution, Site, Study
from sitedir.places.normalize import fold

SLUG_LIMIT = 64  # the slug and key columns' length
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
    "details",
    "source",
)
ACTION = "study.import"  # every audit entry an import writes


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
    candidates: list[str] = field(default_factory=list)

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
    # Set when the directory holds a newer record of this study: nothing changes.
    older: str | None = None
    # Sites the record no longer lists, to be marked withdrawn (--apply-removals).
    removals: list[Site] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        """A new study with no site the directory can hold: nothing is created."""
        return self.study is None and not self.sites

    @property
    def changed(self) -> bool:
        return (
            not self.empty
            and not self.older
            and (
                self.study is None
                or bool(self.study_changes)
                or any(s.action != "unchanged" for s in self.sites)
                or bool(self.removals)
            )
        )

    def counts(self) -> dict[str, int]:
        """How many sites the plan creates, updates and withdraws, and locations it skips."""
        return {
            "created": sum(1 for s in self.sites if s.action == "create"),
            "updated": sum(1 for s in self.sites if s.action == "update"),
            "withdrawn": len(self.removals),
            "skipped": len(self.skipped),
        }

    def describe(self) -> list[str]:
        """The plan, one line per fact, as the command prints it."""
        action = (
            "create" if self.study is None else ("update" if self.study_changes else "unchanged")
        )
        if self.empty:
            action = "not created: no location in France that the directory can hold"
        if self.older:
            return [f"study {self.slug} ({self.facts.source}): unchanged, {self.older}"]
        lines = [f"study {self.slug} ({self.facts.source}): {action}"]
        if self.study is not None and self.study_changes:
            lines.append("  fields changed: " + ", ".join(self.study_changes))
        lines += [f"  {s.describe()}" for s in self.sites]
        if self.skipped:
            lines.append(f"skipped {len(self.skipped)} location(s):")
            lines += [f"  {s.describe()}" for s in self.skipped]
        kept = [site for site in self.absent if site not in self.removals]
        if kept:
            lines.append("sites no longer in the record (left as they are):")
            lines += [f"  {site.slug}" for site in kept]
        if self.removals:
            lines.append("sites no longer in the record, marked withdrawn:")
            lines += [f"  {site.slug}: {site.status} -> withdrawn" for site in self.removals]
        if self.notes:
            lines.append("notes:")
            lines += [f"  {note}" for note in self.notes]
        return lines


def _record_moment(facts: RecordFacts) -> datetime | None:
    """When the registry last verified the statuses: the first day of statusVerifiedDate's
    month, midnight UTC; None when the record does not say (its posting date is not a
    confirmation)."""
    if not facts.verified:
        return None
    day = date.fromisoformat(f"{facts.verified}-01")
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


def plan_import(record: dict, slug: str | None = None, apply_removals: bool = False) -> Plan:
    """Work out every change importing this (validated) record would make; write nothing.

    With `apply_removals`, the study's sites the record no longer lists are to be marked
    withdrawn; otherwise they are only reported.
    """
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
    notes += central_contacts(record)[1]
    for index, location in enumerate(locations):
        facility = (location.get("facility") or "").strip()
        city = (location.get("city") or "").strip()
        country = location.get("country")

        def skip(reason, candidates=(), index=index, facility=facility, city=city, country=country):
            skipped.append(
                Skipped(index, facility or None, city or None, country, reason, list(candidates))
            )

        if not is_french(country):
            skip("outside France" if country else "no country given")
            continue
        if not facility:
            skip("no facility name")
            continue
        try:
            status, reason = site_status(location.get("status"), facts.overall_status)
        except UnknownStatus as exc:
            skip(str(exc))
            continue
        try:
            located = locate(city, location.get("zip"), country, facility)
        except NotPlaced as exc:
            skip(str(exc), exc.candidates)
            continue
        if located.note:
            notes.append(f"locations[{index}]: {located.note}")
        place, town = located.place, located.town
        point = location.get("geoPoint")
        latitude, longitude, precision = place.latitude, place.longitude, "commune"
        if point is not None:
            # The haversine is enough to notice a point in the wrong town.
            far = sphere_km(point["lat"], point["lon"], place.latitude, place.longitude)
            if far > FAR_KM:
                notes.append(
                    f"locations[{index}]: the record's point is {far:.0f} km from "
                    f"{place.label}; not used: the commune's point is (precision: commune)"
                )
            else:
                latitude, longitude, precision = point["lat"], point["lon"], None

        contacts = []
        for number, raw in enumerate(location.get("contacts", [])):
            found = contact_values(raw, facts.source)
            if found is None:
                continue
            for dropped in found.dropped:
                notes.append(f"locations[{index}].contacts[{number}]: {dropped}; left out")
            contacts.append(found)

        # Which institution: an existing one by name and town, else one made here.
        name_key, town_key = fold(facility), fold(town)
        matches = [
            inst
            for inst in institutions
            if name_key in _institution_names(inst)
            and (fold(inst.city) in (town_key, fold(city)) or inst.insee == place.insee)
        ]
        if len(matches) > 1:
            keys = ", ".join(inst.key for inst in matches)
            skip(f"the facility matches several institutions ({keys}): link it by hand")
            continue
        identity = ("existing", matches[0].id) if matches else ("new", name_key, place.insee)
        if identity in sites:  # the same facility again: one site, each contact once
            plan = sites[identity]
            plan.indices.append(index)
            known = {c.key() for c in plan.contacts}
            for contact in contacts:
                if contact.key() not in known:
                    known.add(contact.key())
                    plan.contacts.append(contact)
            if OPENNESS[status] < OPENNESS[plan.status]:
                plan.status, plan.status_reason = status, reason
            notes.append(
                f"locations[{index}] names the same facility as locations[{plan.indices[0]}]: "
                "one site, with both locations' contacts and the more open status"
            )
            continue
        unique, known = [], set()
        for contact in contacts:  # one location may list a person twice, too
            if contact.key() not in known:
                known.add(contact.key())
                unique.append(contact)
        plan = SitePlan([index], facility, town, "", status, reason, unique)
        institution_values = {
            # Five ASCII digits that serve a commune: never a CEDEX code.
            "postcode": located.postcode,
            "insee": place.insee,
            "department": place.department,
            "region": place.region,
            "latitude": latitude,
            "longitude": longitude,
            "point_precision": precision,
        }
        if matches:
            inst = plan.institution = matches[0]
            own = inst.source.startswith(facts.source_prefix) and not inst.verified
            if own:  # created by an earlier import of this study: the record still speaks
                plan.institution_changes = {
                    name: (getattr(inst, name), value)
                    for name, value in {
                        **institution_values,
                        "city": town,
                        "source": facts.source,
                    }.items()
                    if getattr(inst, name) != value
                }
        else:
            town_words = slug_words(town, 24)
            base = slug_words(facility, 40)
            if town_words and town_words not in base:
                base = f"{base}-{town_words}"
            plan.new_institution = {
                "key": institution_keys.claim(base),
                "name": facility,
                "site_name": None,
                "address": None,
                "city": town,
                **institution_values,
                "source": facts.source,
                "verified": False,
                "last_verified_at": None,
            }
        plan.site = own_sites.get(plan.institution.id) if plan.institution else None
        plan.slug = (
            plan.site.slug
            if plan.site
            else site_slugs.claim(f"{slug}-{slug_words(town, 30) or 'site'}")
        )
        sites[identity] = plan

    for plan in sites.values():
        if plan.site is not None:
            _plan_site_update(plan, facts, moment)
    listed = {plan.site.id for plan in sites.values() if plan.site is not None}
    absent = [s for s in (study.sites if study else []) if s.id not in listed]
    held = (study.details or {}).get("status_verified") if study is not None else None
    older = None
    if held and facts.verified and facts.verified < held:
        older = f"an older record (verified {facts.verified}; the directory holds {held})"
    return Plan(
        older=older,
        removals=[s for s in absent if s.status != WITHDRAWN] if apply_removals else [],
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


# --- writing: every change through the write service -------------------------------------


def apply(plan: Plan) -> Study | None:
    """Write the plan in one transaction; roll everything back on any failure."""
    if plan.empty or plan.older:
        return None
    with changes.batch():
        study = _apply(plan)
    return study


def _apply(plan: Plan) -> Study:
    facts = plan.facts
    study = plan.study
    if study is None:
        study = changes.create_study(plan.values, None, ACTION)
    elif plan.study_changes:
        new = {name: pair[1] for name, pair in plan.study_changes.items()}
        changes.update_study(study, new, None, ACTION)

    for site_plan in plan.sites:
        institution = site_plan.institution
        if site_plan.new_institution is not None:
            institution = changes.create_institution(site_plan.new_institution, None, ACTION)
        elif site_plan.institution_changes:
            new = {name: pair[1] for name, pair in site_plan.institution_changes.items()}
            changes.update_institution(institution, new, None, ACTION)
        if site_plan.site is None:
            _create_site(site_plan, plan, study, institution)
        elif site_plan.action != "unchanged":
            _update_site(site_plan, facts, plan.status_confirmed_at)
    for site in plan.removals:
        reason = (
            "Ce centre ne figure plus dans la fiche ClinicalTrials.gov "
            f"{facts.nct} ({facts.source.split(', ', 1)[1]})."
        )
        changes.change_site(
            site,
            {"status": WITHDRAWN, "status_reason": reason, "source": facts.source},
            None,
            confirmed_at=plan.status_confirmed_at or changes.UNCONFIRMED,
            action=ACTION,
        )
    return study


def _create_site(site_plan: SitePlan, plan: Plan, study: Study, institution) -> None:
    facts = plan.facts
    with changes.public_writes():
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
    after = {
        "study": study.slug,
        "institution": institution.key,
        "city": site.city,
        "status": site.status,
        "status_reason": site.status_reason,
        "contacts": [c.values["role"] for c in site_plan.contacts],
        "source": facts.source,
    }
    site_plan.site = changes.add_site(site, None, ACTION, after)


def _update_site(site_plan: SitePlan, facts: RecordFacts, moment: datetime | None) -> None:
    site = site_plan.site
    if site_plan.contacts_added or site_plan.contacts_removed or site_plan.contacts_resourced:
        changes.replace_contacts(
            site,
            [c.values for c in site_plan.contacts_added],
            site_plan.contacts_removed,
            {contact: facts.source for contact in site_plan.contacts_resourced},
            None,
            ACTION,
        )
    if site_plan.site_changes:
        new = {name: pair[1] for name, pair in site_plan.site_changes.items()}
        changes.change_site(
            site,
            new,
            None,
            confirmed_at=moment if moment is not None else changes.UNCONFIRMED,
            action=ACTION,
        )
