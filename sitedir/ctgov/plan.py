"""What an import of one record would do, as plan_import() works it out and the dry run
prints it: the study's changes, one SitePlan per facility, the locations skipped and why."""

from dataclasses import dataclass, field
from datetime import datetime

from sitedir.ctgov.mapping import ContactValues, RecordFacts
from sitedir.models import Contact, Institution, Site, Study


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
            assert self.institution is not None  # a plan has an existing institution or a new one
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
