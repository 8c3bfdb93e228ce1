"""`_summary` and `_elements`: parts of a resource, tagged SUBSETTED (R4 search.html#summary).

The summary elements are those the R4 (4.0.1) definitions flag isSummary, for the types
served; `id`, `meta` and the mandatory elements always stay. A subsetted resource carries
the SUBSETTED tag, so that nobody takes it for the whole resource.
"""

from werkzeug.datastructures import MultiDict

from sitedir.fhir.errors import FhirError
from sitedir.i18n import t

SUBSETTED = {
    "system": "http://terminology.hl7.org/CodeSystem/v3-ObservationValue",
    "code": "SUBSETTED",
    "display": "subsetted",
}
ALWAYS = ("resourceType", "id", "meta")
# isSummary elements of R4 4.0.1, for the elements these types may hold.
SUMMARY = {
    "Location": (
        "identifier",
        "status",
        "operationalStatus",
        "name",
        "description",
        "mode",
        "type",
        "physicalType",
        "managingOrganization",
    ),
    "Organization": ("identifier", "active", "type", "name", "partOf"),
    "PractitionerRole": (
        "identifier",
        "active",
        "period",
        "practitioner",
        "organization",
        "code",
        "specialty",
        "location",
        "telecom",
    ),
    "ResearchStudy": (
        "identifier",
        "title",
        "protocol",
        "partOf",
        "status",
        "primaryPurposeType",
        "phase",
        "category",
        "focus",
        "condition",
        "contact",
        "keyword",
        "location",
        "enrollment",
        "period",
        "sponsor",
        "principalInvestigator",
        "site",
        "reasonStopped",
    ),
}
# Elements with a minimum cardinality of 1, kept whatever is asked.
MANDATORY = {"ResearchStudy": ("status",)}
SUMMARY_VALUES = ("true", "false", "text", "data", "count")


def _one(args: MultiDict, name: str) -> str | None:
    values = [v for v in args.getlist(name) if v != ""]
    if len(values) > 1:
        raise FhirError(400, t(f"{name} : une seule valeur.", f"{name}: one value only."))
    return values[0] if values else None


def requested(args: MultiDict, searching: bool) -> tuple[str | None, tuple[str, ...] | None]:
    """The `_summary` mode and the `_elements` names asked for; a 400 when they are wrong."""
    summary = _one(args, "_summary")
    elements_text = _one(args, "_elements")
    allowed = SUMMARY_VALUES if searching else SUMMARY_VALUES[:-1]
    if summary is not None and summary not in allowed:
        raise FhirError(
            400,
            t(
                f"_summary : {', '.join(allowed)} ; reçu {summary!r}.",
                f"_summary: {', '.join(allowed)}; got {summary!r}.",
            ),
            expression="_summary",
        )
    if summary not in (None, "false") and elements_text is not None:
        raise FhirError(
            400,
            t(
                "_summary et _elements ne vont pas ensemble : choisissez l'un.",
                "_summary and _elements do not go together: choose one.",
            ),
            expression="_elements",
        )
    elements = None
    if elements_text is not None:
        elements = tuple(e.strip() for e in elements_text.split(",") if e.strip())
    return summary, elements


def subset(resource: dict, summary: str | None, elements: tuple[str, ...] | None) -> dict:
    """The resource as `_summary` or `_elements` ask, tagged SUBSETTED when cut."""
    kind = resource["resourceType"]
    if elements is not None:
        keep = set(elements)
    elif summary == "true":
        keep = set(SUMMARY.get(kind, ()))
    elif summary == "text":
        keep = {"text"}
    elif summary == "data":
        keep = {k.lstrip("_") for k in resource if k != "text"}
    else:
        return resource
    keep |= set(ALWAYS) | set(MANDATORY.get(kind, ()))
    # A primitive's `_name` companion (its extensions: translations) goes with it.
    out = {k: v for k, v in resource.items() if k.lstrip("_") in keep}
    if out == resource:
        return resource
    meta = dict(out.get("meta") or {})
    meta["tag"] = [*meta.get("tag", []), SUBSETTED]
    out["meta"] = meta
    return {"resourceType": out.pop("resourceType"), "id": out.pop("id"), **out}


def read_subset(resource: dict, args: MultiDict) -> tuple[dict, bool]:
    """A read's resource with `_summary` or `_elements` applied, and whether it was cut."""
    summary, elements = requested(args, searching=False)
    out = subset(resource, summary, elements)
    return out, out is not resource
