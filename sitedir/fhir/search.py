"""Searching the catalogue: the parameters each resource type takes, and how they match.

FHIR's rules, as far as they are implemented here: repeated parameters all apply (AND),
comma-separated values are alternatives (OR), empty values are ignored, string searches
match the start of the text whatever its case and accents (`:exact` and `:contains` also),
and unknown parameters are ignored unless the client sent `Prefer: handling=strict`.

Every search does bounded work, whoever asks: at most MAX_PARAMETERS parameters and
MAX_ALTERNATIVES alternatives in one, each value folded once per request, filters run
cheapest first, and a budget of WORK_BUDGET comparisons (a record against one alternative;
a geodesic distance counts NEAR_COST) checked before each pass: beyond it, a 400
`too-costly` OperationOutcome, never a worker held past its timeout (issue 21: 1,340
alternatives of `name:contains` cost 45 times a normal search).
"""

from dataclasses import dataclass, field
from urllib.parse import urlsplit

from werkzeug.datastructures import MultiDict

from sitedir.domain.ranking import SPHERE_MARGIN, distance_km
from sitedir.domain.spatial_index import (
    ALL,
    chord_for_km,
    chord_inside_km,
    count_within,
    unit_vector,
)
from sitedir.fhir import params, subsetting
from sitedir.fhir.catalogue import BASE, Catalogue, Record
from sitedir.fhir.definitions import LOCATION_STATUS_SYSTEM
from sitedir.fhir.errors import FhirError
from sitedir.i18n import t
from sitedir.places.normalize import fold

SP = "http://hl7.org/fhir/SearchParameter/"


@dataclass(frozen=True, slots=True)
class Param:
    """A search parameter: how it matches, and what the CapabilityStatement says of it."""

    name: str
    type: str  # string | token | reference | date | special (FHIR's search types, mostly)
    doc: str  # in English: the CapabilityStatement is read by developers
    definition: str | None = None
    target: str | None = None  # the resource type a reference names


COMMON = (
    Param("_id", "token", ("The resource's id."), SP + "Resource-id"),
    Param(
        "_lastUpdated",
        "date",
        (
            "meta.lastUpdated: when the resource's current version took effect (a new "
            "version exactly when its JSON changes, first seen by this server); eq, ne, gt, "
            "ge, lt, le, sa, eb. A value without offset is Paris time."
        ),
        SP + "Resource-lastUpdated",
    ),
)
STUDY = Param(
    "study",
    "token",
    ("sitedir: only this study's (slug, e.g. cart-lupus). Default: every study."),
)
NAME_DOC = "Starts with, ignoring case and accents; :exact and :contains."

PARAMS: dict[str, tuple[Param, ...]] = {
    "Location": (
        *COMMON,
        Param("name", "string", NAME_DOC, SP + "Location-name"),
        Param("address-city", "string", NAME_DOC, SP + "Location-address-city"),
        Param("address-postalcode", "string", NAME_DOC, SP + "Location-address-postalcode"),
        Param("status", "token", ("active, suspended or inactive."), SP + "Location-status"),
        Param(
            "organization",
            "reference",
            ("The hospital (Organization) managing the site."),
            SP + "Location-organization",
            target="Organization",
        ),
        Param(
            "near",
            "special",
            (
                "latitude|longitude|distance|unit: sites within the distance (km by default; "
                "km, m, mi), nearest first, geodesic (WGS 84), each match carrying the "
                "location-distance extension on Bundle.entry.search. Without a distance, "
                "every site, nearest first."
            ),
            SP + "Location-near",
        ),
        Param(
            "near-place",
            "special",
            (
                "sitedir: like near, from a French town as a doctor types it (name, postcode, "
                "INSEE code; typos forgiven): the best match of the place search of "
                "/api/v1/nearest. Unknown: 404 with suggestions."
            ),
        ),
        Param(
            "near-distance",
            "quantity",
            ("sitedir: distance|unit for near-place (km by default; km, m, mi)."),
        ),
        STUDY,
    ),
    "Organization": (
        *COMMON,
        Param("name", "string", NAME_DOC, SP + "Organization-name"),
        Param("address-city", "string", NAME_DOC, SP + "Organization-address-city"),
        Param("address-postalcode", "string", NAME_DOC, SP + "Organization-address-postalcode"),
        Param(
            "identifier",
            "token",
            ("FINESS number (system https://finess.esante.gouv.fr), where the data has it."),
            SP + "Organization-identifier",
        ),
        Param(
            "partof",
            "reference",
            ("The hospital a reference centre is part of."),
            SP + "Organization-partof",
            target="Organization",
        ),
    ),
    "PractitionerRole": (
        *COMMON,
        Param(
            "location",
            "reference",
            ("The site (Location)."),
            SP + "PractitionerRole-location",
            target="Location",
        ),
        Param(
            "organization",
            "reference",
            ("The hospital or reference centre."),
            SP + "PractitionerRole-organization",
            target="Organization",
        ),
        Param(
            "role",
            "token",
            (
                "principal_investigator, coordinator, unit_lead, collaborator, referral_desk, "
                "research_nurse, head."
            ),
            SP + "PractitionerRole-role",
        ),
    ),
    "ResearchStudy": (
        *COMMON,
        Param("title", "string", NAME_DOC, SP + "ResearchStudy-title"),
        Param(
            "status", "token", ("Derived from the sites' statuses."), SP + "ResearchStudy-status"
        ),
        Param(
            "site",
            "reference",
            ("A site (Location) of the study."),
            SP + "ResearchStudy-site",
            target="Location",
        ),
        STUDY,
    ),
}

# _include values: the parameter whose references are followed, by searched type.
INCLUDES = {
    "Location": ("Location:organization",),
    "Organization": ("Organization:partof",),
    "PractitionerRole": ("PractitionerRole:location", "PractitionerRole:organization"),
    "ResearchStudy": ("ResearchStudy:site",),
}
# _revinclude values: resources of another type that point at the matches.
REVINCLUDES = {
    "Location": ("PractitionerRole:location", "ResearchStudy:site"),
    "Organization": (
        "Location:organization",
        "PractitionerRole:organization",
        "Organization:partof",
    ),
    "PractitionerRole": (),
    "ResearchStudy": (),
}
RESULT_PARAMS = (
    "_count",
    "_offset",
    "_include",
    "_revinclude",
    "_format",
    "_summary",
    "_elements",
    "_total",
    "_sort",
)
TOTALS = ("accurate", "estimate", "none")
# Sort keys served: `near` (distance from the origin of near or near-place, nearest first,
# the order such a search has anyway) and `_id` (the order of every other search).
STRING_MODIFIERS = ("exact", "contains")
DEFAULT_COUNT = 20
MAX_COUNT = 100
MAX_OFFSET = 10**9
# Bounds on one search's work (see the module's docstring; tests/test_fhir_bounds.py and
# bench/fhir_worst.py measure them at 10,000 sites).
MAX_PARAMETERS = 20
MAX_ALTERNATIVES = 32
WORK_BUDGET = 200_000
NEAR_COST = 2  # a geodesic distance: about two comparisons (measured at 10,000 sites)


@dataclass(slots=True)
class Match:
    record: Record
    distance_km: float | None = None


@dataclass(slots=True)
class Result:
    """One page of a search: the matches, what they include, and how to ask again."""

    matches: list[Match]
    included: list[Record]
    total: int
    offset: int
    count: int
    applied: list[tuple[str, str]]  # the parameters used, for the self and next links
    notes: list[str] = field(default_factory=list)  # told to the client in an outcome entry
    summary: str | None = None  # _summary (true, text, data, count, false)
    elements: tuple[str, ...] | None = None  # _elements
    with_total: bool = True  # _total=none leaves Bundle.total out
    work: int = 0  # the comparisons counted against WORK_BUDGET


class Budget:
    """The comparisons a search may still make; a 400 before a pass that would exceed it."""

    def __init__(self, limit: int | None = None):
        self.limit, self.spent = WORK_BUDGET if limit is None else limit, 0

    def spend(self, units: int) -> None:
        """Count `units` comparisons, or refuse the search before they are made."""
        if self.spent + units > self.limit:
            raise FhirError(
                400,
                t(
                    "Recherche trop coûteuse : moins de valeurs ou de paramètres, ou un "
                    "critère plus précis (study, status, _id).",
                    "Search too costly: fewer values or parameters, or a narrower criterion "
                    "(study, status, _id).",
                ),
                code="too-costly",
            )
        self.spent += units


@dataclass(frozen=True, slots=True)
class Filter:
    """One search parameter's value, read once: its alternatives, folded when it matters."""

    spec: Param
    modifier: str | None
    value: str
    alternatives: tuple[str, ...]
    keys: tuple[str, ...] = ()  # the alternatives folded (string search), empty ones dropped
    lookup: frozenset[str] = frozenset()  # the alternatives, for one set lookup a record

    @property
    def cost(self) -> int:
        """Comparisons per record: one per alternative, or one for a set lookup."""
        if self.spec.type == "string" and self.modifier != "exact":
            return max(1, len(self.keys))
        if self.spec.type in ("token", "reference"):
            return len(self.alternatives)
        return 1


def _param(kind: str, name: str) -> Param | None:
    return next((p for p in PARAMS[kind] if p.name == name), None)


def _one(name: str, values: list[str]) -> str:
    if len(values) > 1:
        raise params.bad(name, f"{name} : une seule valeur.", f"{name}: one value only.")
    return values[0]


def _string_match(f: Filter, record: Record) -> bool:
    if f.modifier == "exact":
        return any(text in f.lookup for text in record.strings.get(f.spec.name, ()))
    if not f.keys:
        return False
    texts = record.folded.get(f.spec.name, ())
    if f.modifier == "contains":
        return any(key in text for text in texts for key in f.keys)
    return any(text.startswith(f.keys) for text in texts)


def _token_match(value: str, tokens) -> bool:
    system, bar, code = value.rpartition("|")
    for token_system, token_code in tokens:
        if code != token_code:
            continue
        if not bar or (system == "" and token_system is None) or system == token_system:
            return True
    return False


def _reference(value: str, target: str) -> str:
    """`id`, `Type/id` or `<base>/Type/id`, as `Type/id`."""
    path = urlsplit(value).path if "://" in value else value
    parts = [p for p in path.split("/") if p]
    if len(parts) >= 2:
        return f"{parts[-2]}/{parts[-1]}"
    return f"{target}/{value}"


def _matches(record: Record, f: Filter) -> bool:
    """True when the record matches one comma-separated value list of one parameter."""
    spec = f.spec
    if spec.name == "_id":
        return record.id in f.lookup
    if spec.name == "study":
        return record.study in f.lookup
    if spec.type == "string":
        return _string_match(f, record)
    if spec.type == "token":
        tokens = record.tokens.get(spec.name, ())
        return any(_token_match(v, tokens) for v in f.alternatives)
    if spec.type == "reference":
        refs = record.refs.get(spec.name, ())
        return any(r in refs for r in f.alternatives)
    raise AssertionError(spec.name)  # pragma: no cover - every type is handled above


def _too_many(fr: str, en: str, name: str | None = None) -> FhirError:
    return FhirError(400, t(fr, en), code="too-costly", expression=name)


def _filter(spec: Param, modifier: str | None, raw: str, value: str) -> Filter:
    """Read one value: its alternatives (at most MAX_ALTERNATIVES), each folded once."""
    alternatives = tuple(value.split(","))
    if len(alternatives) > MAX_ALTERNATIVES:
        raise _too_many(
            f"{raw} : au plus {MAX_ALTERNATIVES} valeurs séparées par des virgules.",
            f"{raw}: at most {MAX_ALTERNATIVES} comma-separated values.",
            raw,
        )
    if spec.type == "reference":
        alternatives = tuple(_reference(v, spec.target) for v in alternatives)
    keys: tuple[str, ...] = ()
    if spec.type == "string" and modifier != "exact":
        keys = tuple(dict.fromkeys(k for k in map(fold, alternatives) if k))
    else:
        alternatives = tuple(dict.fromkeys(alternatives))
    return Filter(spec, modifier, value, alternatives, keys, frozenset(alternatives))


def parse(kind: str, args: MultiDict, strict: bool, base: str | None = None):
    """Sort the query into search parameters and result parameters; refuse what is wrong.

    Returns (filters, results, applied, ignored, chained): filters as `Filter`s; chained,
    the notes on chained parameters left out.
    """
    filters, results, applied, ignored, chained = [], MultiDict(), [], [], []
    given = [(raw, value) for raw, value in args.items(multi=True) if value != ""]
    if len(given) > MAX_PARAMETERS:  # FHIR: an empty value is no parameter
        raise _too_many(
            f"Au plus {MAX_PARAMETERS} paramètres par recherche.",
            f"At most {MAX_PARAMETERS} parameters per search.",
        )
    for raw, value in given:
        name, _, modifier = raw.partition(":")
        if raw in RESULT_PARAMS:
            results.add(raw, value)
            applied.append((raw, value))
            continue
        spec = _param(kind, name)
        if spec is None and ("." in name or name.startswith("_has")):
            fr = f"Recherche chaînée non prise en charge : {raw!r}"
            en = f"Chained search is not supported: {raw!r}"
            if strict:
                raise FhirError(400, t(fr + ".", en + "."), code="not-supported", expression=raw)
            chained.append(t(fr + " (ignoré).", en + " (ignored)."))
            continue
        if spec is not None and spec.type == "reference" and modifier and "." in modifier:
            fr = f"Recherche chaînée non prise en charge : {raw!r}"
            en = f"Chained search is not supported: {raw!r}"
            if strict:
                raise FhirError(400, t(fr + ".", en + "."), code="not-supported", expression=raw)
            chained.append(t(fr + " (ignoré).", en + " (ignored)."))
            continue
        if spec is None:
            if strict:
                raise FhirError(
                    400,
                    t(
                        f"Paramètre de recherche inconnu pour {kind} : {raw!r}.",
                        f"Unknown search parameter for {kind}: {raw!r}.",
                    ),
                    code="not-supported",
                    expression=raw,
                )
            ignored.append(raw)
            continue
        allowed = STRING_MODIFIERS if spec.type == "string" else ()
        if modifier and modifier not in allowed:
            raise FhirError(
                400,
                t(f"Modificateur non pris en charge : {raw!r}.", f"Unsupported modifier: {raw!r}."),
                code="not-supported",
                expression=raw,
            )
        if spec.type == "token" and base and base in value:  # the catalogue's own base
            value = value.replace(base, BASE)
        filters.append(_filter(spec, modifier or None, raw, value))
        applied.append((raw, value))
    return filters, results, applied, ignored, chained


def _origin(filters) -> tuple[params.Near | None, str | None]:
    """The point `near` or `near-place` names (and the place's label), or (None, None)."""
    given: dict[str, str] = {}
    for f in filters:
        spec, value = f.spec, f.value
        if spec.type in ("special", "quantity"):
            if spec.name in given:  # two origins, or two distances: which one?
                _one(spec.name, [given[spec.name], value])
            given[spec.name] = value
    if "near" in given and "near-place" in given:
        raise params.bad(
            "near-place",
            "near et near-place ne vont pas ensemble : choisissez l'un.",
            "near and near-place do not go together: choose one.",
        )
    if "near-distance" in given and "near" in given:
        # STU3 wrote the distance apart; R4 puts it in near itself.
        r4 = given["near"].split("|")[:2] + given["near-distance"].split("|")[:2]
        example = "|".join(r4) if len(r4) == 4 else "latitude|longitude|distance|unit"
        raise params.bad(
            "near-distance",
            "near-distance avec near est la forme de FHIR STU3 ; en R4 la distance fait partie "
            f"de near : near={example}.",
            "near-distance with near is FHIR STU3's form; in R4 the distance is part of near: "
            f"near={example}.",
        )
    if "near-distance" in given and "near-place" not in given:
        raise params.bad(
            "near-distance",
            "near-distance accompagne near-place (avec near, la distance est dans near).",
            "near-distance goes with near-place (with near, the distance is part of near).",
        )
    if "near" in given:
        return params.near(given["near"]), None
    if "near-place" in given:
        return _place(given["near-place"], given.get("near-distance"))
    return None, None


def _place(text: str, distance_text: str | None) -> tuple[params.Near, str]:
    """Resolve a town as typed, with the same search (and answers) as /api/v1/nearest."""
    from sitedir.directory.nearest import resolve

    if len(text) > 200 or any(ord(c) < 32 or ord(c) == 127 for c in text):
        raise params.bad(
            "near-place",
            "near-place : un nom de commune, un code postal ou un code INSEE, sur une ligne.",
            "near-place: a town name, a postcode or an INSEE code, on one line.",
        )
    distance = params.distance("near-distance", distance_text.split("|")) if distance_text else None
    origin = resolve({"q": text})  # 404 with suggestions, or 400, as the JSON API
    near = params.Near(origin.latitude, origin.longitude, distance)
    return near, origin.label


def _indexed(f: Filter, name: str, system: str) -> str | None:
    """The one plain value of a `study` or `status` filter, which picks an index group."""
    if f.spec.name != name or len(f.alternatives) != 1:
        return None
    value = f.alternatives[0]
    given, bar, code = value.rpartition("|")
    if bar and given != system:
        return None
    return code


ORIGIN = ("near", "near-place", "near-distance")


def _picked(filters, name: str, system: str) -> tuple[str | None, Filter | None]:
    """The first `study` or `status` filter that names one index group, and its value."""
    for f in filters:
        value = _indexed(f, name, system)
        if value is not None:
            return value, f
    return None, None


def _near_candidates(kind, catalogue, near, filters, want: int):
    """The Locations a near search can match, from the spatial index rather than every
    record: (candidates, total, filters the group answered), total None when it is
    counted over the candidates; or None when only a pass over every record answers (no
    distance, and filters the index does not hold)."""
    if kind != "Location" or near is None:
        return None
    study, by_study = _picked(filters, "study", "")
    status, by_status = _picked(filters, "status", LOCATION_STATUS_SYSTEM)
    group, exact, record = catalogue.near_group(study, status)
    if group is None:
        return [], None, ()
    u = unit_vector(near.latitude, near.longitude)
    distance = near.distance_km
    reach = ALL if distance is None else chord_for_km(distance * SPHERE_MARGIN)
    # The filters whose every match the group holds, and nothing else: not run again.
    answered = tuple(f for f in (by_study, by_status) if f is not None) if exact else ()
    others = [f for f in filters if f.spec.name not in ORIGIN and not any(f is a for a in answered)]
    if not exact or others:
        # Other filters: every site within the distance is a candidate (or every one).
        if distance is None:
            return None
        found = [r for item in group.within(u, reach) if (r := record(item)) is not None]
        return found, None, answered
    # Only the page is found and measured. The geodesics of the `want` nearest by chord
    # bound the page's last one; every site within that bound (times the sphere's margin)
    # is a candidate, so the order is exact. The total is counted by the tree, the sites
    # on the edge of the distance measured exactly.
    lat, lon = near.latitude, near.longitude
    first = group.nearest_items(u, min(want, len(group)), reach)
    if first and len(first) == want:  # more may tie or follow: everything up to its bound
        farthest = max(distance_km(lat, lon, r.latitude, r.longitude) for r in first)
        first = group.within(u, min(chord_for_km(farthest * SPHERE_MARGIN), reach))
    records = [r for item in first if (r := record(item)) is not None]
    if distance is None:
        return records, len(group), answered

    def inside(item) -> bool:
        return distance_km(lat, lon, item.latitude, item.longitude) <= distance

    inner = chord_inside_km(distance / SPHERE_MARGIN)
    return records, count_within(group, u, inner, reach, inside), answered


def search(
    kind: str, catalogue: Catalogue, args: MultiDict, strict: bool, base: str | None = None
) -> Result:
    """Run a search of `kind` over the catalogue and return the page asked for.

    `base`: the canonical base the client sees, so that a token system under it (the
    contact-role CodeSystem) matches the catalogue's, which holds catalogue.BASE."""
    filters, results, applied, ignored, chained = parse(kind, args, strict, base)
    near, place = _origin(filters)
    summary, elements = subsetting.requested(results, searching=True)
    with_total = _total(results)
    sort_notes = _sort(results, near, strict)
    budget = Budget()
    count = params.count(
        "_count", _one("_count", results.getlist("_count") or [""]), DEFAULT_COUNT, MAX_COUNT
    )
    offset = params.count(
        "_offset", _one("_offset", results.getlist("_offset") or [""]), 0, MAX_OFFSET
    )
    found = _near_candidates(kind, catalogue, near, filters, offset + count)
    records, total, answered = found if found is not None else (catalogue.of(kind), None, ())
    # Cheapest first: set lookups narrow the records before string comparisons run.
    for f in sorted(filters, key=lambda f: f.cost):
        if f.spec.type in ("special", "quantity") or any(f is a for a in answered):
            continue
        budget.spend(len(records) * f.cost)
        if f.spec.type == "date":
            wanted = params.date_range(f.spec.name, f.value)
            records = [r for r in records if r.last_updated and wanted.admits(r.last_updated)]
        else:
            records = [r for r in records if _matches(r, f)]
    matches = [Match(r) for r in records]
    notes = []
    if near is not None:
        budget.spend(len(matches) * NEAR_COST)
        for m in matches:
            lat, lon = m.record.point
            m.distance_km = distance_km(near.latitude, near.longitude, lat, lon)
        if near.distance_km is not None:
            matches = [m for m in matches if m.distance_km <= near.distance_km]
        matches.sort(key=lambda m: (m.distance_km, m.record.id))
    if place:
        notes.append(
            t(
                f"Origine : {place} ({near.latitude:.4f}, {near.longitude:.4f}).",
                f"Origin: {place} ({near.latitude:.4f}, {near.longitude:.4f}).",
            )
        )
    notes += chained + sort_notes
    if ignored:
        notes.append(
            t(
                "Paramètres ignorés (inconnus) : " + ", ".join(ignored) + ".",
                "Parameters ignored (unknown): " + ", ".join(ignored) + ".",
            )
        )
    page = [] if summary == "count" else matches[offset : offset + count]
    included, include_notes = _included(
        kind,
        catalogue,
        [m.record for m in page],
        list(dict.fromkeys(results.getlist("_include"))),
        list(dict.fromkeys(results.getlist("_revinclude"))),
        strict,
        budget,
    )
    return Result(
        page,
        included,
        len(matches) if total is None else total,
        offset,
        count,
        applied,
        notes + include_notes,
        summary,
        elements,
        with_total,
        budget.spent,
    )


def _total(results: MultiDict) -> bool:
    """_total: accurate and estimate are the exact count (always known); none, no total."""
    value = _one("_total", results.getlist("_total") or ["accurate"])
    if value not in TOTALS:
        raise params.bad(
            "_total",
            f"_total : {', '.join(TOTALS)} ; reçu {value!r}.",
            f"_total: {', '.join(TOTALS)}; got {value!r}.",
        )
    return value != "none"


def _sort(results: MultiDict, near, strict: bool) -> list[str]:
    """Check _sort: `near` (with a near origin) and `_id` are the orders served."""
    notes = []
    for value in results.getlist("_sort"):
        for key in value.split(","):
            # With an origin, matches are by distance; without one, by id.
            if key == ("near" if near is not None else "_id"):
                continue
            fr = f"_sort={key} n'est pas servi (servis : near avec near ou near-place, sinon _id)"
            en = f"_sort={key} is not served (served: near with near or near-place, else _id)"
            if strict:
                raise FhirError(
                    400, t(fr + ".", en + "."), code="not-supported", expression="_sort"
                )
            notes.append(t(fr + " : ignoré.", en + ": ignored."))
    return notes


def _included(kind, catalogue, page, includes, revincludes, strict, budget):
    """The resources that _include and _revinclude add to a page (never a match twice)."""
    seen = {(r.type, r.id) for r in page}
    found: list[Record] = []
    notes = []

    def add(record):
        if record is not None and (record.type, record.id) not in seen:
            seen.add((record.type, record.id))
            found.append(record)

    for value in includes:
        source, _, rest = value.partition(":")
        param, _, target = rest.partition(":")
        name = f"{source}:{param}"
        if source != kind or name not in INCLUDES[kind]:
            notes.append(_unsupported("_include", value, strict))
            continue
        spec = _param(kind, param)
        for record in page:
            for ref in record.refs.get(param, ()):
                ref_type, _, ref_id = ref.partition("/")
                if not target or target == ref_type:
                    add(catalogue.get(ref_type or spec.target, ref_id))
    for value in revincludes:
        source, _, rest = value.partition(":")
        param, _, target = rest.partition(":")
        if f"{source}:{param}" not in REVINCLUDES[kind] or (target and target != kind):
            notes.append(_unsupported("_revinclude", value, strict))
            continue
        wanted = {f"{kind}/{r.id}" for r in page}
        sources = catalogue.of(source)
        budget.spend(len(sources))
        for record in sources:
            if wanted & set(record.refs.get(param, ())):
                add(record)
    return found, notes


def _unsupported(name: str, value: str, strict: bool) -> str:
    fr = f"{name}={value} n'est pas pris en charge ici."
    en = f"{name}={value} is not supported here."
    if strict:
        raise FhirError(400, t(fr, en), code="not-supported", expression=name)
    return t(fr + " Ignoré.", en + " Ignored.")
