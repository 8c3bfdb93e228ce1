"""One location of a record, read for the import: where it stands, its point, its status and
its contacts; or why the import leaves it out (a Skipped).

What is worth saying about a location that is kept (a point not used, a phone left out) is
appended to the plan's notes, in the order the record lists them.
"""

from dataclasses import dataclass

from sitedir.ctgov.mapping import (
    FAR_KM,
    ContactValues,
    RecordFacts,
    UnknownStatus,
    contact_values,
    is_french,
    site_status,
)
from sitedir.ctgov.placing import Located, NotPlaced, locate
from sitedir.ctgov.plan import Skipped
from sitedir.domain.ranking import sphere_km
from sitedir.places.gazetteer import Place


@dataclass
class Location:
    """A location of the record that the directory can hold."""

    index: int  # its place in the record's list of locations
    facility: str
    city: str  # as the record spells it
    country: str | None
    located: Located
    status: str
    status_reason: str | None
    latitude: float
    longitude: float
    precision: str | None  # "commune" when the point is the commune's, None for the record's
    contacts: list[ContactValues]  # as listed: a person named twice is twice here

    @property
    def place(self) -> Place:
        return self.located.place

    @property
    def town(self) -> str:
        """The commune's name as the gazetteer spells it."""
        return self.located.town

    def skipped(self, reason: str) -> Skipped:
        """This location left out after all (it matches several institutions)."""
        return Skipped(self.index, self.facility, self.city or None, self.country, reason)

    def institution_values(self) -> dict:
        """What the record says of the institution's place, as its columns."""
        return {
            # Five ASCII digits that serve a commune: never a CEDEX code.
            "postcode": self.located.postcode,
            "insee": self.place.insee,
            "department": self.place.department,
            "region": self.place.region,
            "latitude": self.latitude,
            "longitude": self.longitude,
            "point_precision": self.precision,
        }


def read_location(
    index: int, location: dict, facts: RecordFacts, notes: list[str]
) -> Location | Skipped:
    """The record's `locations[index]` as a Location, or why it is skipped."""
    facility = (location.get("facility") or "").strip()
    city = (location.get("city") or "").strip()
    country = location.get("country")

    def skipped(reason: str, candidates=()) -> Skipped:
        return Skipped(index, facility or None, city or None, country, reason, list(candidates))

    if not is_french(country):
        return skipped("outside France" if country else "no country given")
    if not facility:
        return skipped("no facility name")
    try:
        status, reason = site_status(location.get("status"), facts.overall_status)
    except UnknownStatus as exc:
        return skipped(str(exc))
    try:
        located = locate(city, location.get("zip"), country, facility)
    except NotPlaced as exc:
        return skipped(str(exc), exc.candidates)
    if located.note:
        notes.append(f"locations[{index}]: {located.note}")
    latitude, longitude, precision = _point(index, location.get("geoPoint"), located.place, notes)
    return Location(
        index=index,
        facility=facility,
        city=city,
        country=country,
        located=located,
        status=status,
        status_reason=reason,
        latitude=latitude,
        longitude=longitude,
        precision=precision,
        contacts=_contacts(index, location.get("contacts", []), facts.source, notes),
    )


def _point(
    index: int, point: dict | None, place: Place, notes: list[str]
) -> tuple[float, float, str | None]:
    """The record's point, unless it lies farther than FAR_KM from the commune (then the
    commune's, with precision "commune", and a note)."""
    if point is None:
        return place.latitude, place.longitude, "commune"
    # The haversine is enough to notice a point in the wrong town.
    far = sphere_km(point["lat"], point["lon"], place.latitude, place.longitude)
    if far > FAR_KM:
        notes.append(
            f"locations[{index}]: the record's point is {far:.0f} km from "
            f"{place.label}; not used: the commune's point is (precision: commune)"
        )
        return place.latitude, place.longitude, "commune"
    return point["lat"], point["lon"], None


def _contacts(index: int, raw: list[dict], source: str, notes: list[str]) -> list[ContactValues]:
    """The location's contacts that hold something, each with a note for what was left out."""
    contacts = []
    for number, contact in enumerate(raw):
        found = contact_values(contact, source)
        if found is None:
            continue
        for dropped in found.dropped:
            notes.append(f"locations[{index}].contacts[{number}]: {dropped}; left out")
        contacts.append(found)
    return contacts
