"""Which representation a FHIR client asked for: JSON of FHIR R4, or a 406 that says why.

Negotiated on the media type's type/subtype only (RFC 9110 §12.5.1): the parameters real
clients add (`charset=utf-8`, `fhirVersion=4.0` from the Firely SDK and HAPI's client) do not
make a type another one. `fhirVersion` is honoured (FHIR R4 http.html#version-parameter):
4.0 (or 4.0.1) is what this server speaks; a request for any other version alone is a 406.
`_format` (json, or a media type) overrides Accept, as FHIR says.
"""

from dataclasses import dataclass

from werkzeug.http import parse_list_header, parse_options_header

from sitedir.fhir.errors import FhirError
from sitedir.i18n import t

FHIR_VERSION_PARAM = "4.0"
ACCEPTED_VERSIONS = ("4.0", "4.0.1")
# JSON as FHIR names it (R4), its DSTU2 spelling that older clients still send, and
# plain JSON, which R4 says a server should treat as a synonym.
JSON_TYPES = frozenset({"application/fhir+json", "application/json+fhir", "application/json"})
WILDCARDS = frozenset({"*/*", "application/*"})
XML_TYPES = frozenset(
    {"application/fhir+xml", "application/xml+fhir", "application/xml", "text/xml", "xml"}
)
# `_format` shorthands: FHIR's `json`, and a `+` that arrives as a space in a query string.
FORMAT_ALIASES = {"json": "application/fhir+json", "application/fhir json": "application/fhir+json"}
FORMAT_XML_ALIASES = {"application/fhir xml": "application/fhir+xml"}


@dataclass(frozen=True, slots=True)
class Wanted:
    """A media range from Accept or _format: its type/subtype, quality, and fhirVersion."""

    mimetype: str
    quality: float
    fhir_version: str | None


def _ranges(header: str) -> list[Wanted]:
    ranges = []
    for item in parse_list_header(header):
        mimetype, options = parse_options_header(item)
        options = {k.lower(): v for k, v in options.items()}
        try:
            quality = float(options.get("q", "1"))
        except ValueError:
            quality = 0.0  # an unreadable q is no preference
        if not 0 <= quality <= 1:
            quality = 0.0
        ranges.append(Wanted(mimetype.lower(), quality, options.get("fhirversion")))
    return ranges


def _format_range(value: str) -> Wanted:
    lowered = value.strip().lower()
    lowered = FORMAT_ALIASES.get(lowered, FORMAT_XML_ALIASES.get(lowered, lowered))
    [wanted] = _ranges(lowered) or [Wanted(lowered, 1.0, None)]
    return wanted


def _refuse_version(versions: set[str]) -> FhirError:
    asked = ", ".join(sorted(versions))
    return FhirError(
        406,
        t(
            f"Version FHIR demandée ({asked}) non servie : ce serveur parle FHIR R4 "
            f"(fhirVersion={FHIR_VERSION_PARAM}).",
            f"FHIR version asked for ({asked}) not served: this server speaks FHIR R4 "
            f"(fhirVersion={FHIR_VERSION_PARAM}).",
        ),
        code="not-supported",
    )


def _refuse_format(xml: bool, expression: str | None) -> FhirError:
    if xml:
        fr = "Le XML n'est pas servi : seul le JSON l'est (application/fhir+json, _format=json)."
        en = "XML is not served: only JSON is (application/fhir+json, _format=json)."
    else:
        fr = "Seul le JSON est servi (application/fhir+json, application/json, _format=json)."
        en = "Only JSON is served (application/fhir+json, application/json, _format=json)."
    return FhirError(406, t(fr, en), code="not-supported", expression=expression)


def negotiate(formats: list[str], accept: str | None) -> str | None:
    """Check the request's `_format` values and Accept header; return the fhirVersion
    parameter to echo in Content-Type (when the client named one), or raise a 406."""
    if formats:
        wanted = [_format_range(value) for value in formats]
        for w in wanted:
            if w.mimetype not in JSON_TYPES:
                raise _refuse_format(w.mimetype in XML_TYPES or "xml" in w.mimetype, "_format")
        versions = {w.fhir_version for w in wanted if w.fhir_version}
        if versions - set(ACCEPTED_VERSIONS):
            raise _refuse_version(versions)
        return FHIR_VERSION_PARAM if versions else None
    if not accept or not accept.strip():
        return None
    ranges = [w for w in _ranges(accept) if w.quality > 0]
    json_like = [w for w in ranges if w.mimetype in JSON_TYPES or w.mimetype in WILDCARDS]
    usable = [w for w in json_like if w.fhir_version in (None, *ACCEPTED_VERSIONS)]
    if usable:
        named = any(w.fhir_version for w in usable)
        return FHIR_VERSION_PARAM if named else None
    if json_like:  # JSON, but only of another FHIR version
        raise _refuse_version({w.fhir_version for w in json_like if w.fhir_version})
    raise _refuse_format(any(w.mimetype in XML_TYPES for w in ranges), None)
