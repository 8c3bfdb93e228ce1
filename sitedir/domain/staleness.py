"""Whether a site's status is stale: not confirmed for more than N days (Paris dates).

Counted in whole days as people in France live them, so a status confirmed on 1 March is
stale from 1 March + N + 1 days on, whatever the hour. Ranking never looks at this: doctors
are told, nothing is hidden.

The one definition: the API, FHIR, the widget, `flask stale` and the reminders (site admins on
the day a status turns stale, network admins once it is stale for twice as long) all ask
`is_stale`, so none of them counts in UTC or from another day.
"""

from datetime import date, datetime

from sitedir.domain.clock import in_paris

# The default of the STALE_DAYS setting (config.py's table reads it from here).
DEFAULT_STALE_DAYS = 30


def days_since(confirmed_at: datetime | None, today: date) -> int | None:
    """Whole days since the confirmation (Paris dates); None when never confirmed."""
    if confirmed_at is None:
        return None
    return (today - in_paris(confirmed_at).date()).days


def is_stale(confirmed_at: datetime | None, today: date, days: int) -> bool:
    """True when never confirmed, or confirmed more than `days` days before `today`."""
    age = days_since(confirmed_at, today)
    return age is None or age > days
