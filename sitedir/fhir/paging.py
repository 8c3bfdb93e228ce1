"""Search answers as FHIR `searchset` Bundles, with links to this page and the next ones.

Pages are cut by `_offset` (how many matches to skip) and `_count` (how many to show). An
offset is counted on the data as it is when each page is asked for: a site added between
two pages shifts the next one.
"""

from urllib.parse import urlencode

from sitedir.fhir.catalogue import Record, encode
from sitedir.fhir.definitions import LOCATION_DISTANCE_URL, UCUM
from sitedir.fhir.errors import issue, outcome
from sitedir.fhir.search import Result
from sitedir.fhir.subsetting import subset


def _link(base: str, kind: str, applied: list[tuple[str, str]], **paging: int) -> str:
    kept = [(k, v) for k, v in applied if k not in ("_count", "_offset")]
    kept += [(k, str(v)) for k, v in paging.items()]
    return f"{base}/{kind}?{urlencode(kept)}"


def _distance(km: float) -> dict:
    """The standard location-distance extension, in kilometres (to the metre)."""
    return {
        "url": LOCATION_DISTANCE_URL,
        "valueDistance": {"value": round(km, 3), "unit": "km", "system": UCUM, "code": "km"},
    }


def searchset(base: str, kind: str, result: Result) -> bytes:
    """The Bundle of one page of a search as JSON bytes: matches, then included resources,
    then notes. Each resource's stored bytes are spliced in as they are (decoded only for
    `_summary` or `_elements`): a page costs its own entries, never a re-encoding."""
    count, offset, total = result.count, result.offset, result.total
    if result.summary == "count":
        count = 0  # the total only: no page to go on to
    links = [
        {"relation": "self", "url": _link(base, kind, result.applied, _count=count, _offset=offset)}
    ]
    if count and offset + count < total:
        links.append(
            {
                "relation": "next",
                "url": _link(base, kind, result.applied, _count=count, _offset=offset + count),
            }
        )
    if count and offset > 0:
        previous = max(0, min(offset, total) - count)
        links.append(
            {
                "relation": "previous",
                "url": _link(base, kind, result.applied, _count=count, _offset=previous),
            }
        )
    whole = result.summary in (None, "false") and result.elements is None

    def shown(record: Record) -> bytes:
        if whole:
            return record.body
        return encode(subset(record.resource, result.summary, result.elements))

    entries = []
    for match in result.matches:
        search: dict = {"mode": "match"}
        if match.distance_km is not None:
            search["extension"] = [_distance(match.distance_km)]
        entries.append(_entry(base, match.record, shown(match.record), search))
    entries += [_entry(base, r, shown(r), INCLUDE) for r in result.included]
    if result.notes:
        notes = outcome([issue("information", "informational", n) for n in result.notes])
        entries.append(encode({"resource": notes, "search": {"mode": "outcome"}}))
    # The keys in the order Flask's sorting encoder wrote them: entry, link, resourceType,
    # total, type.
    parts = [b'{"entry":[' + b",".join(entries) + b"]," if entries else b"{"]
    parts.append(b'"link":' + encode(links) + b',"resourceType":"Bundle",')
    if result.with_total:
        parts.append(b'"total":%d,' % total)
    parts.append(b'"type":"searchset"}')
    return b"".join(parts)


INCLUDE = {"mode": "include"}


def _entry(base: str, record: Record, body: bytes, search: dict) -> bytes:
    full_url = encode(f"{base}/{record.type}/{record.id}")
    return (
        b'{"fullUrl":' + full_url + b',"resource":' + body + b',"search":' + encode(search) + b"}"
    )
