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

The planning's parts: locations.py reads each location (or says why it is skipped),
site_plans.py matches it to an institution and site and plans that site's creation or
update, plan.py holds the result and prints it.
"""

from datetime import UTC, date, datetime

from sitedir.ctgov.locations import read_location
from sitedir.ctgov.mapping import RecordFacts, central_contacts, record_facts, study_values
from sitedir.ctgov.plan import Plan, SitePlan, Skipped
from sitedir.ctgov.site_plans import Context, Keys, plan_location, plan_site_update
from sitedir.directory import changes
from sitedir.domain.vocabulary import WITHDRAWN
from sitedir.extensions import db
from sitedir.models import Contact, Institution, Site, Study

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


def plan_import(record: dict, slug: str | None = None, apply_removals: bool = False) -> Plan:
    """Work out every change importing this (validated) record would make; write nothing.

    With `apply_removals`, the study's sites the record no longer lists are to be marked
    withdrawn; otherwise they are only reported.
    """
    facts = record_facts(record)
    slug = slug or facts.nct.lower()
    study = _find_study(slug, facts.nct)
    values = study_values(record, facts, slug)
    moment = _record_moment(facts)
    notes = list(central_contacts(record)[1])
    sites, skipped = _plan_sites(record, _context(facts, slug, study), notes)
    for plan in sites:
        if plan.site is not None:
            plan_site_update(plan, plan.site, facts, moment)
    listed = {plan.site.id for plan in sites if plan.site is not None}
    absent = [s for s in (study.sites if study else []) if s.id not in listed]
    return Plan(
        older=_older(study, facts),
        removals=[s for s in absent if s.status != WITHDRAWN] if apply_removals else [],
        facts=facts,
        slug=slug,
        study=study,
        values=values,
        study_changes=_study_changes(study, values),
        sites=sites,
        skipped=skipped,
        notes=notes,
        absent=absent,
        status_confirmed_at=moment,
    )


def _context(facts: RecordFacts, slug: str, study: Study | None) -> Context:
    """The institutions, this study's sites and the slugs and keys taken, read once."""
    institutions = list(db.session.scalars(db.select(Institution).order_by(Institution.id)))
    return Context(
        facts=facts,
        slug=slug,
        institutions=institutions,
        own_sites={s.institution_id: s for s in study.sites} if study is not None else {},
        site_slugs=Keys(db.session.scalars(db.select(Site.slug))),
        institution_keys=Keys(i.key for i in institutions),
    )


def _plan_sites(
    record: dict, ctx: Context, notes: list[str]
) -> tuple[list[SitePlan], list[Skipped]]:
    """One plan per facility of the record's locations, and the locations skipped."""
    locations = record["protocolSection"].get("contactsLocationsModule", {}).get("locations", [])
    sites: dict[tuple, SitePlan] = {}
    skipped: list[Skipped] = []
    for index, location in enumerate(locations):
        loc = read_location(index, location, ctx.facts, notes)
        if isinstance(loc, Skipped):
            skipped.append(loc)
            continue
        refused = plan_location(ctx, loc, sites, notes)
        if refused is not None:
            skipped.append(loc.skipped(refused))
    return list(sites.values()), skipped


def _study_changes(study: Study | None, values: dict) -> dict:
    """Each field the record changes in the study already imported: (old, new)."""
    if study is None:
        return {}
    return {
        name: (getattr(study, name), values[name])
        for name in STUDY_FIELDS
        if getattr(study, name) != values[name]
    }


def _older(study: Study | None, facts: RecordFacts) -> str | None:
    """Why nothing changes when the directory holds a newer record of this study."""
    held = (study.details or {}).get("status_verified") if study is not None else None
    if held and facts.verified and facts.verified < held:
        return f"an older record (verified {facts.verified}; the directory holds {held})"
    return None


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
        institution = _institution(site_plan)
        if site_plan.site is None:
            _create_site(site_plan, plan, study, institution)
        elif site_plan.action != "unchanged":
            _update_site(site_plan, site_plan.site, facts, plan.status_confirmed_at)
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


def _institution(site_plan: SitePlan) -> Institution:
    """The site's institution: created, or the existing one, updated when the plan says."""
    if site_plan.new_institution is not None:
        return changes.create_institution(site_plan.new_institution, None, ACTION)
    institution = site_plan.institution
    assert institution is not None  # a plan has an existing institution or a new one
    if site_plan.institution_changes:
        new = {name: pair[1] for name, pair in site_plan.institution_changes.items()}
        changes.update_institution(institution, new, None, ACTION)
    return institution


def _create_site(site_plan: SitePlan, plan: Plan, study: Study, institution: Institution) -> None:
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


def _update_site(
    site_plan: SitePlan, site: Site, facts: RecordFacts, moment: datetime | None
) -> None:
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
