"""The version of each FHIR resource: what it looked like when last served, and since when."""

from datetime import datetime

from sqlalchemy import DateTime, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from sitedir.extensions import db


class FhirVersion(db.Model):
    """One resource's current version: its number, its digest, and when it took effect.

    The digest is of the resource's JSON without `meta`; a build that yields another digest
    makes a new version (see sitedir/fhir/versions.py). Only the current one is kept.
    """

    __tablename__ = "fhir_version"

    resource_type: Mapped[str] = mapped_column(String(32), primary_key=True)
    resource_id: Mapped[str] = mapped_column(String(80), primary_key=True)
    version: Mapped[int] = mapped_column(Integer, nullable=False)
    digest: Mapped[str] = mapped_column(String(64), nullable=False)
    last_updated: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
