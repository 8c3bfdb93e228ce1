"""The FHIR endpoints: metadata, read and search of each resource type, JSON only."""

from flask import Blueprint, Response, json, request

from sitedir.fhir.capability import capability_statement, recruitment_status_definition
from sitedir.fhir.catalogue import current_catalogue
from sitedir.fhir.definitions import FHIR_MIMETYPE, base_url
from sitedir.fhir.errors import FhirError, register_error_handlers
from sitedir.fhir.paging import searchset
from sitedir.fhir.search import PARAMS, search
from sitedir.i18n import t

blp = Blueprint("fhir", __name__, url_prefix="/fhir")
register_error_handlers(blp)

# Every method reaches these routes, so that a refused one is a 405 OperationOutcome (a
# method the routing refuses would be rendered by the app, as problem+json).
METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"]
JSON_FORMATS = ("json", "application/json", "application/fhir+json", "application/fhir json")


@blp.before_request
def _read_only_json():
    """Refuse writes (405) and formats other than JSON (406) before anything is read."""
    if request.method not in ("GET", "HEAD", "OPTIONS"):
        raise FhirError(
            405,
            t(
                "Ce serveur FHIR est en lecture seule (GET).",
                "This FHIR server is read-only (GET).",
            ),
            headers={"Allow": "GET, HEAD"},
        )
    wanted = request.args.getlist("_format")
    if any(value not in JSON_FORMATS for value in wanted):
        raise FhirError(
            406,
            t(
                "Seul le format JSON est servi (_format=json).",
                "Only JSON is served (_format=json).",
            ),
            expression="_format",
        )
    accept = request.accept_mimetypes
    if not wanted and accept and accept.best_match([FHIR_MIMETYPE, "application/json"]) is None:
        raise FhirError(
            406,
            t(
                "Seul application/fhir+json est servi.",
                "Only application/fhir+json is served.",
            ),
        )
    return None


@blp.after_request
def _public_read(response: Response) -> Response:
    # Anyone may read the directory, from any origin (a FHIR app in a browser).
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.vary.add("Accept-Language")  # notes and errors are in the reader's language
    return response


def _answer(body: dict) -> Response:
    """A FHIR JSON answer (web/caching gives it its ETag, Cache-Control and 304)."""
    return Response(
        json.dumps(body, ensure_ascii=False),
        content_type=f"{FHIR_MIMETYPE}; charset=utf-8",
    )


def _strict() -> bool:
    """True when the client asked for unknown parameters to be refused (Prefer header)."""
    preferences = request.headers.get("Prefer", "").replace(";", ",").split(",")
    return any(p.strip().replace(" ", "") == "handling=strict" for p in preferences)


def _known(kind: str) -> str:
    if kind not in PARAMS:
        raise FhirError(
            404,
            t(
                f"Type de ressource non servi : {kind!r} (voir /fhir/metadata).",
                f"Resource type not served: {kind!r} (see /fhir/metadata).",
            ),
            code="not-supported",
        )
    return kind


@blp.route("/metadata", methods=METHODS)
def metadata():
    """The CapabilityStatement: what this server implements, and nothing more."""
    return _answer(capability_statement(base_url()))


@blp.route("/StructureDefinition/recruitment-status", methods=METHODS)
def recruitment_status():
    """The definition of the recruitment-status extension (its canonical URL resolves)."""
    return _answer(recruitment_status_definition(base_url()))


@blp.route("/<kind>", methods=METHODS)
def search_type(kind: str):
    """Search one resource type; a searchset Bundle."""
    _known(kind)
    base = base_url()
    result = search(kind, current_catalogue(base), request.args, _strict())
    return _answer(searchset(base, kind, result))


@blp.route("/<kind>/<resource_id>", methods=METHODS)
def read(kind: str, resource_id: str):
    """Read one resource by its id."""
    _known(kind)
    record = current_catalogue(base_url()).get(kind, resource_id)
    if record is None:
        raise FhirError(
            404,
            t(
                f"Aucune ressource {kind} d'id {resource_id!r}.",
                f"No {kind} resource with id {resource_id!r}.",
            ),
        )
    return _answer(record.resource)


@blp.route("", methods=METHODS)
@blp.route("/", methods=METHODS)
@blp.route("/<path:rest>", methods=METHODS)
def elsewhere(rest: str = ""):
    """Anything else under /fhir: a 404 OperationOutcome, not the app's problem+json."""
    raise FhirError(
        404,
        t(
            "Rien à cette adresse FHIR : voir /fhir/metadata pour ce qui est servi.",
            "Nothing at this FHIR address: see /fhir/metadata for what is served.",
        ),
        code="not-supported",
    )
