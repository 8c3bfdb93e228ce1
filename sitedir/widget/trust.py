"""One trust line per site card: how far a doctor can rely on the status shown.

It replaces the stacked caveats (status age, "not confirmed by the site", "call before
referring") with one sentence of three kinds: confirmed by the site on a date, stale
(confirmed N days ago: call first), or never confirmed. Where the data comes from is said
only when it matters, that is when no person at the site stands behind it: a press release
or a registry record, read from the site's public provenance (`source`).
"""

import re
from dataclasses import dataclass
from datetime import date, datetime

from sitedir.domain.clock import in_paris
from sitedir.domain.staleness import days_since, is_stale

MONTHS = {
    "fr": (
        "janvier février mars avril mai juin juillet août septembre octobre novembre décembre"
    ).split(),
    "en": (
        "January February March April May June July August September October November December"
    ).split(),
}

# "Communiqué de presse du CHU de Clermont-Ferrand : …": the issuer, up to the first
# separator. "ClinicalTrials.gov NCT01234567, record of 2026-09-15": the import's source
# (sitedir/ctgov/mapping.py, RecordFacts.source).
PRESS = re.compile(
    r"Communiqué de presse(?: (?P<issuer>(?:du|de la|de l'|des) [^:;(]+?))?\s*(?:[:;(]|$)"
)
REGISTRY = re.compile(
    r"ClinicalTrials\.gov (?P<nct>NCT\d{8}), record of (?P<date>\d{4}-\d{2}-\d{2})"
)
MONTH = re.compile(r"(\d{4})-(\d{2})")

# "du CHU de …" reads "of the CHU de …" in English: the article is dropped.
ENGLISH_ISSUER = re.compile(r"^(?:du|de la|de l'|des) ")


@dataclass(frozen=True)
class TrustLine:
    """What a card says of its status: `kind` is confirmed, stale or never; `text` the
    sentence; `warn` whether the doctor should check before referring."""

    kind: str
    text: str

    @property
    def warn(self) -> bool:
        """True unless the site itself confirmed the status recently."""
        return self.kind != "confirmed"


def long_date(day: date, lang: str) -> str:
    """'3 novembre 2026' / '3 November 2026', the same on every server."""
    first = "1er" if lang == "fr" and day.day == 1 else str(day.day)
    return f"{first} {MONTHS[lang][day.month - 1]} {day.year}"


def month_text(iso_month: str, lang: str) -> str | None:
    """'2026-09' → 'septembre 2026' / 'September 2026'; None when it is not a month."""
    found = MONTH.match(iso_month or "")
    if not found or not 1 <= int(found.group(2)) <= 12:
        return None
    return f"{MONTHS[lang][int(found.group(2)) - 1]} {found.group(1)}"


def _text(s: dict, key: str, **values) -> str:
    return s[f"trust.{key}"].format(**values)


def source_phrase(
    source: str | None, s: dict, lang: str, status_verified: str | None = None
) -> str | None:
    """Where a status comes from, in words, when that is a press release or a registry
    record; None for any other source (an admin, public institutional knowledge)."""
    source = source or ""
    registry = REGISTRY.match(source)
    if registry:
        month = month_text(status_verified or "", lang)
        if month:
            return _text(s, "registry_verified", month=month)
        return _text(
            s, "registry_record", date=long_date(date.fromisoformat(registry["date"]), lang)
        )
    press = PRESS.match(source)
    if press:
        issuer = press["issuer"]
        if not issuer:
            return _text(s, "press_anonymous")
        if lang == "en":
            issuer = ENGLISH_ISSUER.sub("the ", issuer)
        return _text(s, "press", issuer=issuer)
    return None


def trust_line(
    site: dict,
    s: dict,
    lang: str,
    today: date,
    stale_days: int,
    status_verified: str | None = None,
) -> TrustLine:
    """The one trust line of a site in its public form (SiteSchema's dict), worded from
    the strings `s` (strings.py, keys "trust.*").

    `status_verified` is the study's registry month ("2026-09", from the record's
    statusVerifiedDate) when the study was imported.
    """
    stamp = site.get("status_confirmed_at")
    confirmed = datetime.fromisoformat(stamp) if stamp else None
    provenance = site.get("provenance") or {}
    source = provenance.get("source")
    from_record = REGISTRY.match(source or "") is not None
    # No person at the site stands behind it: say what does.
    unbacked = confirmed is None or not provenance.get("verified")
    where = source_phrase(source, s, lang, status_verified) if unbacked else None
    if confirmed is None:
        kind, text = "never", _text(s, "never")
    elif is_stale(confirmed, today, stale_days):
        days = days_since(confirmed, today)
        kind, text = "stale", _text(s, "stale_one" if days == 1 else "stale", n=days)
    else:
        key = "confirmed_record" if from_record and unbacked else "confirmed"
        kind, text = "confirmed", _text(s, key, date=long_date(in_paris(confirmed).date(), lang))
    if where:
        text = f"{text} ({where})"
    return TrustLine(kind, text)
