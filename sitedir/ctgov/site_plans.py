"""Each facility's plan: which institution and site a location is, what a new one would
hold, and what the record changes in an existing one. Nothing is written here.

An institution matches a location by name (or physical-site name) in the same town, accent-
and case-insensitive. A facility listed twice is one site: the second location adds its
contacts (each once) and the more open status. An existing site's status and contacts are
compared with the record's under the rules of importer.py's docstring.
"""

from dataclasses import dataclass
from datetime import datetime

from sitedir.ctgov.locations import Location
from sitedir.ctgov.mapping import OPENNESS, ContactValues, RecordFacts, slug_words
from sitedir.ctgov.plan import SitePlan
from sitedir.domain.clock import as_utc
from sitedir.models import Contact, Institution, Site
from sitedir.places.normalize import fold

SLUG_LIMIT = 64  # the slug and key columns' length


class Keys:
    """Slugs and keys taken in the database or by this plan: a new one never clashes."""

    def __init__(self, taken):
        self.taken = set(taken)

    def claim(self, base: str) -> str:
        """`base` (cut to fit the column), or `base-2`, `base-3`... whichever is free; taken."""
        base = base[: SLUG_LIMIT - 4].rstrip("-") or "site"
        candidate, n = base, 1
        while candidate in self.taken:
            n += 1
            candidate = f"{base}-{n}"
        self.taken.add(candidate)
        return candidate


@dataclass
class Context:
    """What every location of one record is planned against."""

    facts: RecordFacts
    slug: str  # the study's
    institutions: list[Institution]
    own_sites: dict[int, Site]  # this study's sites, by institution id
    site_slugs: Keys
    institution_keys: Keys


def _institution_names(inst: Institution) -> set[str]:
    names = {fold(inst.name)}
    if inst.site_name:
        names |= {
            fold(inst.site_name),
            fold(f"{inst.name} {inst.site_name}"),
            fold(f"{inst.site_name} {inst.name}"),
        }
    return names


def matching_institutions(institutions: list[Institution], loc: Location) -> list[Institution]:
    """The existing institutions this location names, in its town."""
    name_key, town_key = fold(loc.facility), fold(loc.town)
    return [
        inst
        for inst in institutions
        if name_key in _institution_names(inst)
        and (fold(inst.city) in (town_key, fold(loc.city)) or inst.insee == loc.place.insee)
    ]


def plan_location(
    ctx: Context, loc: Location, sites: dict[tuple, SitePlan], notes: list[str]
) -> str | None:
    """Add this location to `sites` (keyed by which facility it is): a new plan, or one
    more location of a planned one. Return why it is skipped instead, or None."""
    matches = matching_institutions(ctx.institutions, loc)
    if len(matches) > 1:
        keys = ", ".join(inst.key for inst in matches)
        return f"the facility matches several institutions ({keys}): link it by hand"
    inst = matches[0] if matches else None
    identity = (
        ("existing", inst.id) if inst is not None else ("new", fold(loc.facility), loc.place.insee)
    )
    if identity in sites:
        _merge(sites[identity], loc, notes)
    else:
        sites[identity] = _new_plan(ctx, loc, inst)
    return None


def _add_contacts(into: list[ContactValues], contacts: list[ContactValues]) -> None:
    """Append each contact not already in `into` (provenance aside)."""
    known = {c.key() for c in into}
    for contact in contacts:
        if contact.key() not in known:
            known.add(contact.key())
            into.append(contact)


def _merge(plan: SitePlan, loc: Location, notes: list[str]) -> None:
    """The same facility again: one site, each contact once, the more open status."""
    plan.indices.append(loc.index)
    _add_contacts(plan.contacts, loc.contacts)
    if OPENNESS[loc.status] < OPENNESS[plan.status]:
        plan.status, plan.status_reason = loc.status, loc.status_reason
    notes.append(
        f"locations[{loc.index}] names the same facility as locations[{plan.indices[0]}]: "
        "one site, with both locations' contacts and the more open status"
    )


def _new_plan(ctx: Context, loc: Location, inst: Institution | None) -> SitePlan:
    """The plan of a facility met for the first time: at an existing institution (and this
    study's site there, if any), or at one this import creates."""
    contacts: list[ContactValues] = []
    _add_contacts(contacts, loc.contacts)  # one location may list a person twice, too
    plan = SitePlan(
        [loc.index], loc.facility, loc.town, "", loc.status, loc.status_reason, contacts
    )
    if inst is not None:
        plan.institution = inst
        plan.institution_changes = _institution_changes(inst, loc, ctx.facts)
        plan.site = ctx.own_sites.get(inst.id)
    else:
        plan.new_institution = _new_institution(ctx, loc)
    plan.slug = (
        plan.site.slug
        if plan.site
        else ctx.site_slugs.claim(f"{ctx.slug}-{slug_words(loc.town, 30) or 'site'}")
    )
    return plan


def _institution_changes(inst: Institution, loc: Location, facts: RecordFacts) -> dict:
    """What the record changes in an institution an earlier import of this study created
    and no admin has verified since (the record still speaks for it); else nothing."""
    if not inst.source.startswith(facts.source_prefix) or inst.verified:
        return {}
    wanted = {**loc.institution_values(), "city": loc.town, "source": facts.source}
    return {
        name: (getattr(inst, name), value)
        for name, value in wanted.items()
        if getattr(inst, name) != value
    }


def _new_institution(ctx: Context, loc: Location) -> dict:
    """The columns of the institution this import creates for the location."""
    town_words = slug_words(loc.town, 24)
    base = slug_words(loc.facility, 40)
    if town_words and town_words not in base:
        base = f"{base}-{town_words}"
    return {
        "key": ctx.institution_keys.claim(base),
        "name": loc.facility,
        "site_name": None,
        "address": None,
        "city": loc.town,
        **loc.institution_values(),
        "source": ctx.facts.source,
        "verified": False,
        "last_verified_at": None,
    }


def plan_site_update(
    plan: SitePlan, site: Site, facts: RecordFacts, moment: datetime | None
) -> None:
    """Compare an existing site with what the record says of it."""
    _plan_status(plan, site, moment)
    if site.source.startswith("ClinicalTrials.gov ") and site.source != facts.source:
        plan.site_changes["source"] = (site.source, facts.source)
    if site.city != plan.city and site.source.startswith(facts.source_prefix):
        plan.site_changes["city"] = (site.city, plan.city)
    _plan_contacts(plan, site, facts)


def _plan_status(plan: SitePlan, site: Site, moment: datetime | None) -> None:
    """The record's status, unless a person confirmed the site's after the record's
    `moment` (then it is kept, and the plan says why)."""
    confirmed = as_utc(site.status_confirmed_at)
    if confirmed is not None and (moment is None or confirmed > moment):
        if (plan.status, plan.status_reason) != (site.status, site.status_reason):
            plan.status_kept = (
                f"status confirmed on {confirmed.date().isoformat()}, after the record"
            )
        return
    current: dict[str, object] = {
        "status": site.status,
        "status_reason": site.status_reason,
        "status_confirmed_at": confirmed,
    }
    wanted: dict[str, object] = {"status": plan.status, "status_reason": plan.status_reason}
    if moment is not None:
        wanted["status_confirmed_at"] = moment
    for name, value in wanted.items():
        if current[name] != value:
            plan.site_changes[name] = (current[name], value)


def _plan_contacts(plan: SitePlan, site: Site, facts: RecordFacts) -> None:
    """The import's own contacts (sourced to one of this study's records) are replaced by
    the record's; every other contact was entered by someone and stays."""
    remaining = [c for c in site.contacts if c.source.startswith(facts.source_prefix)]
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
