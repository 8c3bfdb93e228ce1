"""Search answers as FHIR `searchset` Bundles, with links to this page and the next ones.

Pages are cut by `_offset` (how many matches to skip) and `_count` (how many to show). An
offset is counted on the data as it is when each page is asked for: a site added between
two pages shifts the next one.
"""

from urllib.parse import urlencode

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


def searchset(base: str, kind: str, result: Result) -> dict:
    """The Bundle of one page of a search: matches, then included resources, then notes."""
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
    entries = []

    def shown(resource: dict) -> dict:
        return subset(resource, result.summary, result.elements)

    for match in result.matches:
        search = {"mode": "match"}
        if match.distance_km is not None:
            search["extension"] = [_distance(match.distance_km)]
        entries.append(_entry(base, shown(match.record.resource), search))
    entries += [_entry(base, shown(r.resource), {"mode": "include"}) for r in result.included]
    if result.notes:
        notes = outcome([issue("information", "informational", n) for n in result.notes])
        entries.append({"resource": notes, "search": {"mode": "outcome"}})
    bundle = {"resourceType": "Bundle", "type": "searchset", "total": total, "link": links}
    if not result.with_total:
        del bundle["total"]
    if entries:
        bundle["entry"] = entries
    return bundle


def _entry(base: str, resource: dict, search: dict) -> dict:
    return {
        "fullUrl": f"{base}/{resource['resourceType']}/{resource['id']}",
        "resource": resource,
        "search": search,
    }
