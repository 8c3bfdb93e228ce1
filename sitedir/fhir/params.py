"""Reading FHIR search parameter values: strictly, so that hostile input is a 400, not a 500.

Numbers are ASCII digits (str.isdigit() and float() accept "²", "٣" or "NaN"), matched whole
(fullmatch: a trailing newline is no number).
"""

import math
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone

from sitedir.domain.clock import PARIS
from sitedir.fhir.errors import FhirError
from sitedir.i18n import t

DECIMAL = re.compile(r"[-+]?[0-9]{1,12}(\.[0-9]{1,15})?")
INTEGER = re.compile(r"[0-9]{1,9}")
# FHIR's date and dateTime, to any precision, with a comparison prefix.
DATE = re.compile(
    r"(?P<prefix>eq|ne|gt|lt|ge|le|sa|eb)?"
    r"(?P<year>[0-9]{4})(-(?P<month>[0-9]{2})(-(?P<day>[0-9]{2})"
    r"(T(?P<hour>[0-9]{2}):(?P<minute>[0-9]{2})(:(?P<second>[0-9]{2})(\.[0-9]{1,9})?)?"
    r"(?P<zone>Z|[+ -][0-9]{2}:[0-9]{2})?)?)?)?"
)
# Distance units: kilometres by default; UCUM and everyday spellings.
UNITS_KM = {"km": 1.0, "m": 0.001, "mi": 1.609344, "[mi_i]": 1.609344}
# Points a near value may hold (FHIR allows a comma-separated list; this server, one).
MAX_NEAR_POINTS = 1
# Farther than half the Earth's circumference is everywhere.
MAX_DISTANCE_KM = 20040.0


def bad(name: str, fr: str, en: str) -> FhirError:
    """A 400 naming the parameter at fault."""
    return FhirError(400, t(fr, en), expression=name)


def decimal(name: str, text: str) -> float:
    """A finite decimal number written in ASCII digits."""
    if not DECIMAL.fullmatch(text):
        raise bad(
            name,
            f"{name} : nombre attendu, reçu {text!r}.",
            f"{name}: a number expected, got {text!r}.",
        )
    value = float(text)
    if not math.isfinite(value):  # pragma: no cover - the pattern admits no inf or nan
        raise bad(name, f"{name} : nombre fini attendu.", f"{name}: a finite number expected.")
    return value


def count(name: str, text: str, default: int, largest: int) -> int:
    """A non-negative integer; above `largest`, `largest` (a server may send fewer)."""
    if text == "":
        return default
    if not INTEGER.fullmatch(text):
        if re.fullmatch(r"[0-9]+", text, re.ASCII):
            return largest  # more digits than any page: the largest page
        raise bad(
            name,
            f"{name} : entier positif ou nul attendu, reçu {text!r}.",
            f"{name}: a non-negative integer expected, got {text!r}.",
        )
    return min(int(text), largest)


@dataclass(frozen=True, slots=True)
class Near:
    """An origin, and how far from it (None: no limit)."""

    latitude: float
    longitude: float
    distance_km: float | None


def distance(name: str, parts: list[str]) -> float | None:
    """`distance|unit` (unit km by default) in kilometres, or None when no distance is given."""
    if not parts or parts[0] == "":
        return None
    if len(parts) > 2:
        raise bad(name, f"{name} : trop de valeurs.", f"{name}: too many values.")
    unit = parts[1] if len(parts) == 2 and parts[1] else "km"
    if unit not in UNITS_KM:
        raise bad(
            name,
            f"{name} : unité inconnue {unit!r} (km, m ou mi).",
            f"{name}: unknown unit {unit!r} (km, m or mi).",
        )
    value = decimal(name, parts[0]) * UNITS_KM[unit]
    if value < 0:
        raise bad(name, f"{name} : distance négative.", f"{name}: negative distance.")
    return min(value, MAX_DISTANCE_KM)


def near(text: str) -> Near:
    """`latitude|longitude|distance|unit`, the last two optional (FHIR R4's `near`)."""
    if "," in text:
        raise bad(
            "near",
            f"near : un seul point par recherche (limite : {MAX_NEAR_POINTS}) ; plusieurs points "
            "séparés par des virgules ne sont pas servis : une recherche par point.",
            f"near: one point per search (limit: {MAX_NEAR_POINTS}); several comma-separated "
            "points are not served: one search per point.",
        )
    parts = text.split("|")
    if len(parts) < 2:
        raise bad(
            "near",
            "near : latitude|longitude|distance|unité attendu (ex. 45.77|3.08|100|km).",
            "near: latitude|longitude|distance|unit expected (e.g. 45.77|3.08|100|km).",
        )
    latitude, longitude = decimal("near", parts[0]), decimal("near", parts[1])
    if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        raise bad(
            "near",
            "near : latitude entre -90 et 90, longitude entre -180 et 180.",
            "near: latitude between -90 and 90, longitude between -180 and 180.",
        )
    return Near(latitude, longitude, distance("near", parts[2:]))


@dataclass(frozen=True, slots=True)
class DateRange:
    """A date search value: its comparison and the interval [low, high) its precision covers."""

    prefix: str
    low: datetime
    high: datetime

    def admits(self, moment: datetime) -> bool:
        """True when a resource updated at `moment` satisfies the comparison."""
        inside = self.low <= moment < self.high
        return {
            "eq": inside,
            "ne": not inside,
            "gt": moment >= self.high,
            "sa": moment >= self.high,
            "ge": moment >= self.low,
            "lt": moment < self.low,
            "eb": moment < self.low,
            "le": moment < self.high,
        }[self.prefix]


def date_range(name: str, text: str) -> DateRange:
    """A FHIR date search value (`ge2026-01-01`, `lt2026-03-01T12:00:00Z`...).

    A value without an offset is read in Paris time, where the directory's users are.
    """
    found = DATE.fullmatch(text)
    if not found:
        raise bad(
            name,
            f"{name} : date attendue (ex. ge2026-01-01 ou lt2026-03-01T12:00:00Z), reçu {text!r}.",
            f"{name}: a date expected (e.g. ge2026-01-01 or lt2026-03-01T12:00:00Z), got {text!r}.",
        )
    g = found.groupdict()
    try:
        zone = PARIS
        if g["zone"] == "Z":
            zone = UTC
        elif g["zone"]:
            # An unencoded "+" in a query string arrives as a space.
            sign = -1 if g["zone"][0] == "-" else 1
            hours, minutes = int(g["zone"][1:3]), int(g["zone"][4:6])
            # timezone() refuses an offset of a day or more (+99:99) with a ValueError.
            zone = timezone(sign * timedelta(hours=hours, minutes=minutes))
        year = int(g["year"])
        if g["month"] is None:
            low, high = datetime(year, 1, 1, tzinfo=zone), datetime(year + 1, 1, 1, tzinfo=zone)
        elif g["day"] is None:
            month = int(g["month"])
            low = datetime(year, month, 1, tzinfo=zone)
            high = datetime(year + month // 12, month % 12 + 1, 1, tzinfo=zone)
        else:
            day = datetime(year, int(g["month"]), int(g["day"]), tzinfo=zone)
            if g["hour"] is None:
                low, high = day, day + timedelta(days=1)
            else:
                seconds = int(g["second"]) if g["second"] is not None else None
                low = day.replace(hour=int(g["hour"]), minute=int(g["minute"]), second=seconds or 0)
                step = timedelta(minutes=1) if seconds is None else timedelta(seconds=1)
                high = low + step
    except (ValueError, OverflowError) as exc:
        raise bad(
            name, f"{name} : date impossible {text!r}.", f"{name}: impossible date {text!r}."
        ) from exc
    return DateRange(g["prefix"] or "eq", low, high)
