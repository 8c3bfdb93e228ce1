"""The directory's tables: studies, institutions, sites, reference centres, contacts."""

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from sitedir.domain.vocabulary import is_open
from sitedir.extensions import Base


class Provenance:
    """Where a record's facts come from, and whether an admin has checked them."""

    source: Mapped[str] = mapped_column(Text, nullable=False)
    verified: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    last_verified_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    @property
    def provenance(self):
        """The record itself, read through ProvenanceSchema."""
        return self


class Study(Provenance, Base):
    __tablename__ = "study"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    title_fr: Mapped[str] = mapped_column(Text, nullable=False)
    title_en: Mapped[str] = mapped_column(Text, nullable=False)
    phase: Mapped[str] = mapped_column(String(16), nullable=False)
    condition_fr: Mapped[str] = mapped_column(Text, nullable=False)
    condition_en: Mapped[str] = mapped_column(Text, nullable=False)
    orpha_code: Mapped[int | None] = mapped_column(Integer)
    intervention_fr: Mapped[str] = mapped_column(Text, nullable=False)
    intervention_en: Mapped[str] = mapped_column(Text, nullable=False)
    population_fr: Mapped[str] = mapped_column(Text, nullable=False)
    population_en: Mapped[str] = mapped_column(Text, nullable=False)
    eligibility_fr: Mapped[str] = mapped_column(Text, nullable=False)
    eligibility_en: Mapped[str] = mapped_column(Text, nullable=False)
    disclaimer_fr: Mapped[str] = mapped_column(Text, nullable=False)
    disclaimer_en: Mapped[str] = mapped_column(Text, nullable=False)
    # e.g. {"nct": null, "euct": null}: none is in the seed.
    registry_ids: Mapped[dict] = mapped_column(JSON, nullable=False, default=dict)
    # [{"key": "apheresis", "order": 1, "label_fr": ..., "label_en": ...}, ...]
    pathway_steps: Mapped[list] = mapped_column(JSON, nullable=False, default=list)
    # What a registry record says of the study, kept as the record says it (empty for a
    # study written by hand). Keys, each optional: official_title, sponsor, start_date
    # (ISO date), conditions [{"term", "mesh"}], keywords [str], central_contacts
    # [{"name", "role", "phone", "email"}], minimum_age, maximum_age ("18 Years"),
    # sex (ALL | FEMALE | MALE), status_verified (ISO month, "2026-09").
    details: Mapped[dict] = mapped_column(JSON, nullable=False, default=dict, server_default="{}")

    sites: Mapped[list["Site"]] = relationship(back_populates="study", order_by="Site.slug")


class Institution(Provenance, Base):
    __tablename__ = "institution"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    name: Mapped[str] = mapped_column(Text, nullable=False)  # CHU de Clermont-Ferrand
    site_name: Mapped[str | None] = mapped_column(Text)  # Hôpital Gabriel-Montpied
    address: Mapped[str | None] = mapped_column(Text)
    postcode: Mapped[str | None] = mapped_column(String(5))
    city: Mapped[str] = mapped_column(Text, nullable=False)
    insee: Mapped[str] = mapped_column(String(5), nullable=False)
    department: Mapped[str] = mapped_column(String(3), nullable=False)
    region: Mapped[str] = mapped_column(String(2), nullable=False)
    latitude: Mapped[float] = mapped_column(Float, nullable=False)
    longitude: Mapped[float] = mapped_column(Float, nullable=False)
    # "commune" when the point is the commune's, not the building's (an import without a
    # trustworthy point); null for a point entered as the building's.
    point_precision: Mapped[str | None] = mapped_column(String(16))
    finess: Mapped[str | None] = mapped_column(String(9))
    website: Mapped[str | None] = mapped_column(Text)
    switchboard: Mapped[str | None] = mapped_column(String(32))
    # Moved on by the database at every insert and update (a trigger: migration
    # a9c4e2f6b8d1), as site.changed_seq: the read model keeps one entry per hospital, a
    # site or not, and reads the hospitals changed since the last value it saw.
    changed_seq: Mapped[int] = mapped_column(
        BigInteger, nullable=False, server_default="0", index=True
    )


class ReferenceCentre(Provenance, Base):
    __tablename__ = "reference_centre"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    name: Mapped[str] = mapped_column(Text, nullable=False)
    kind: Mapped[str] = mapped_column(String(16), nullable=False)  # reference | competence
    network: Mapped[str] = mapped_column(String(32), nullable=False)  # FAI2R
    # coordinating | constituent; null when no public source says which.
    role: Mapped[str | None] = mapped_column(String(16))
    institution_id: Mapped[int] = mapped_column(ForeignKey("institution.id"), nullable=False)
    head: Mapped[str | None] = mapped_column(Text)

    institution: Mapped[Institution] = relationship()
    contacts: Mapped[list["Contact"]] = relationship(
        back_populates="reference_centre", order_by="Contact.id"
    )


class Site(Provenance, Base):
    __tablename__ = "site"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    study_id: Mapped[int] = mapped_column(ForeignKey("study.id"), nullable=False, index=True)
    institution_id: Mapped[int] = mapped_column(ForeignKey("institution.id"), nullable=False)
    reference_centre_id: Mapped[int | None] = mapped_column(ForeignKey("reference_centre.id"))
    # The trial city as the seed names it (Nancy), even where the hospital
    # stands in a neighbouring commune (Vandœuvre-lès-Nancy).
    city: Mapped[str] = mapped_column(Text, nullable=False)
    lead_department: Mapped[str | None] = mapped_column(Text)
    # [{"name": "Hématologie clinique adulte", "steps": ["apheresis", "infusion"]}, ...]
    units: Mapped[list] = mapped_column(JSON, nullable=False, default=list)
    status: Mapped[str] = mapped_column(String(32), nullable=False, index=True)
    status_reason: Mapped[str | None] = mapped_column(Text)
    status_since: Mapped[date | None] = mapped_column(Date)
    expected_reopening: Mapped[date | None] = mapped_column(Date)
    joined_on: Mapped[date | None] = mapped_column(Date)
    status_confirmed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Bumped on every change: the site's ETag, and optimistic locking for writers.
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    # Moved on by the database at every insert and update (a trigger: see migration
    # c3a9e5f7d1b2), in commit order: the snapshot asks for the sites changed since the
    # last value it saw, with an index range instead of a pass over every site.
    changed_seq: Mapped[int] = mapped_column(
        BigInteger, nullable=False, server_default="0", index=True
    )

    study: Mapped[Study] = relationship(back_populates="sites")
    institution: Mapped[Institution] = relationship()
    reference_centre: Mapped[ReferenceCentre | None] = relationship()
    contacts: Mapped[list["Contact"]] = relationship(back_populates="site", order_by="Contact.id")
    history: Mapped[list["StatusChange"]] = relationship(
        back_populates="site", order_by="StatusChange.id"
    )

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 (SQLAlchemy reads it)

    @property
    def is_open(self) -> bool:
        return is_open(self.status)

    @property
    def etag(self) -> str:
        """The site's entity tag: its id and version, which every write bumps."""
        return f"{self.slug}-v{self.version}"

    @property
    def name(self) -> str:
        """The hospital and, where it has several, the physical site."""
        inst = self.institution
        return f"{inst.name} – {inst.site_name}" if inst.site_name else inst.name

    @property
    def full_name(self) -> str:
        """The town and the hospital: how admins tell two sites of one town apart
        (Paris — AP-HP – Hôpital Saint-Louis), on every page, button and email."""
        return f"{self.city} — {self.name}"

    # Where the site stands is where its institution stands.
    latitude = property(lambda self: self.institution.latitude)
    longitude = property(lambda self: self.institution.longitude)
    point_precision = property(lambda self: self.institution.point_precision)
    address = property(lambda self: self.institution.address)
    postcode = property(lambda self: self.institution.postcode)
    insee = property(lambda self: self.institution.insee)
    department = property(lambda self: self.institution.department)
    region = property(lambda self: self.institution.region)

    @property
    def public_contacts(self) -> list["Contact"]:
        return [c for c in self.contacts if c.public]


class Contact(Provenance, Base):
    __tablename__ = "contact"

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int | None] = mapped_column(ForeignKey("site.id"), index=True)
    reference_centre_id: Mapped[int | None] = mapped_column(
        ForeignKey("reference_centre.id"), index=True
    )
    role: Mapped[str] = mapped_column(String(32), nullable=False)
    title: Mapped[str | None] = mapped_column(String(16))  # Dr, Pr
    name: Mapped[str | None] = mapped_column(Text)
    unit: Mapped[str | None] = mapped_column(Text)
    # What the source says this person does, when a role word is not enough.
    note_fr: Mapped[str | None] = mapped_column(Text)
    note_en: Mapped[str | None] = mapped_column(Text)
    email: Mapped[str | None] = mapped_column(Text)
    phone: Mapped[str | None] = mapped_column(String(32))
    public: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    # Bumped on every change: the contact's ETag, and optimistic locking for its writers.
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1, server_default="1")

    site: Mapped[Site | None] = relationship(back_populates="contacts")
    reference_centre: Mapped[ReferenceCentre | None] = relationship(back_populates="contacts")

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 (SQLAlchemy reads it)

    @property
    def etag(self) -> str:
        """The contact's entity tag: its id and version, which every write bumps."""
        return f"contact-{self.id}-v{self.version}"


class StatusChange(Base):
    """Append-only public history of a site's status."""

    __tablename__ = "status_change"

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("site.id"), nullable=False, index=True)
    from_status: Mapped[str | None] = mapped_column(String(32))
    to_status: Mapped[str] = mapped_column(String(32), nullable=False)
    reason: Mapped[str | None] = mapped_column(Text)
    changed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)

    site: Mapped[Site] = relationship(back_populates="history")


class Event(Base):
    """A public change, written in the same transaction as the change (the outbox).

    The change feed and the webhooks read this table only, so nothing is announced that
    did not happen. Ids grow in commit order (see sitedir.events.outbox): the feed's cursor.
    """

    __tablename__ = "event"

    id: Mapped[int] = mapped_column(primary_key=True)
    # The public id (webhook-id), stable across retries and feeds.
    uid: Mapped[str] = mapped_column(String(40), unique=True, nullable=False)
    type: Mapped[str] = mapped_column(String(40), nullable=False)
    site_id: Mapped[int | None] = mapped_column(
        ForeignKey("site.id", ondelete="SET NULL"), index=True
    )
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    # What the feed and the webhooks publish: public facts only.
    data: Mapped[dict] = mapped_column(JSON, nullable=False)
