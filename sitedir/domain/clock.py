"""Dates as the users live them: in France (Paris time), whatever the server's zone."""

from datetime import UTC, date, datetime
from typing import overload
from zoneinfo import ZoneInfo

PARIS = ZoneInfo("Europe/Paris")


def utc_now() -> datetime:
    """The current moment in UTC, with its zone: how moments are stored and compared."""
    return datetime.now(UTC)


def today_in_paris() -> date:
    """Today's date in Paris (a change at 00:30 in Paris is today's, not yesterday's)."""
    return datetime.now(PARIS).date()


@overload
def as_utc(moment: datetime) -> datetime: ...
@overload
def as_utc(moment: None) -> None: ...
def as_utc(moment: datetime | None) -> datetime | None:
    """The moment with its zone: SQLite hands back naive datetimes, stored in UTC."""
    if moment is not None and moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment


def in_paris(moment: datetime) -> datetime:
    """The moment in Paris time."""
    return as_utc(moment).astimezone(PARIS)


def paris_format(moment: datetime | None, pattern: str = "%d/%m/%Y %H:%M") -> str:
    """A Jinja filter: the moment in Paris time, formatted; empty when there is none."""
    return in_paris(moment).strftime(pattern) if moment else ""
