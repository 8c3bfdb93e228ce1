"""The FHIR endpoints: metadata, read, vread and search (GET and POST) of each type, JSON."""

from flask import Blueprint, Response, g, json, request
from werkzeug.datastructures import CombinedMultiDict, MultiDict

from sitedir.fhir.capability import (
    capability_statement,
    contact_role_code_system,
    recruitment_status_definition,
)
from sitedir.fhir.catalogue import BASE, Record, current_catalogue, render
from sitedir.fhir.definitions import FHIR_MIMETYPE, base_url, canonical_base
from sitedir.fhir.errors import FhirError, register_error_handlers
from sitedir.fhir.negotiation import negotiate
from sitedir.fhir.paging import searchset
from sitedir.fhir.search import PARAMS, search
from sitedir.fhir.subsetting import read_subset, requested
from sitedir.i18n import t

blp = Blueprint("fhir", __name__, url_prefix="/fhir")
register_error_handlers(blp)

# Every method reaches these routes, so that a refused one is a 405 OperationOutcome (a
# method the routing refuses would be rendered by the app, as problem+json).
METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"]
# The one write-looking request a read-only server takes: a search sent as a form (R4
# http.html#search: a server that supports search supports it by POST too).
POST_SEARCH = "fhir.search_post"
FORM_MIMETYPE = "application/x-www-form-urlencoded"
# What a browser may send and read across origins (the preflight's answer).
CORS_METHODS = "GET, HEAD, POST, OPTIONS"
CORS_HEADERS = (
    "Accept, Accept-Language, Content-Type, If-None-Match, If-Modified-Since, Prefer, Cache-Control"
)
CORS_EXPOSED = "ETag, Last-Modified, Content-Location, Location"


def _parameters() -> MultiDict:
    """The search parameters: the query string, and a POST search's form body too."""
    if request.endpoint == POST_SEARCH and request.method == "POST":
        return CombinedMultiDict([request.args, request.form])
    return request.args


@blp.before_request
def _read_only_json():
    """Refuse writes (405) and formats other than JSON of R4 (406) before anything is read."""
    searching = request.endpoint == POST_SEARCH and request.method == "POST"
    if request.method not in ("GET", "HEAD", "OPTIONS") and not searching:
        raise FhirError(
            405,
            t(
                "Ce serveur FHIR est en lecture seule (GET, et POST …/_search pour chercher).",
                "This FHIR server is read-only (GET, and POST …/_search to search).",
            ),
            headers={
                "Allow": "GET, HEAD, POST" if request.endpoint == POST_SEARCH else "GET, HEAD"
            },
        )
    if request.method == "POST":
        body = request.content_length or 0
        if (body or request.mimetype) and request.mimetype != FORM_MIMETYPE:
            raise FhirError(
                415,
                t(
                    f"Une recherche POST envoie ses paramètres en {FORM_MIMETYPE}.",
                    f"A POST search sends its parameters as {FORM_MIMETYPE}.",
                ),
                code="not-supported",
            )
    if request.method == "OPTIONS":
        return None
    g.fhir_version = negotiate(_parameters().getlist("_format"), request.headers.get("Accept"))
    return None


@blp.after_request
def _public_read(response: Response) -> Response:
    # Anyone may read the directory, from any origin (a FHIR app in a browser).
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["Access-Control-Expose-Headers"] = CORS_EXPOSED
    if request.method == "OPTIONS":
        response.headers["Access-Control-Allow-Methods"] = CORS_METHODS
        response.headers["Access-Control-Allow-Headers"] = CORS_HEADERS
        response.headers["Access-Control-Max-Age"] = "600"
    response.vary.add("Accept-Language")  # notes and errors are in the reader's language
    return response


def _answer(body: dict | bytes, status: int = 200) -> Response:
    """A FHIR JSON answer (web/caching gives it its ETag, Cache-Control and 304): a dict,
    or JSON bytes already encoded (stored resources, search Bundles)."""
    content_type = f"{FHIR_MIMETYPE}; charset=utf-8"
    if getattr(g, "fhir_version", None):
        content_type = f"{FHIR_MIMETYPE}; fhirVersion={g.fhir_version}; charset=utf-8"
    # The resources hold catalogue.BASE where sitedir's canonical URLs go: written here.
    if isinstance(body, bytes):
        data = body.replace(BASE_BYTES, canonical_base().encode())
        return Response(data, status, content_type=content_type)
    text = render(json.dumps(body, ensure_ascii=False), canonical_base())
    return Response(text, status, content_type=content_type)


BASE_BYTES = BASE.encode()


def _versioned(record: Record) -> Response:
    """A resource as read or vread: ETag W/"<versionId>", Last-Modified, and subsetting
    (the stored bytes as they are when none is asked for)."""
    summary, elements = requested(request.args, searching=False)
    subsetted = not (summary in (None, "false") and elements is None)
    if subsetted:
        body, subsetted = read_subset(record.resource, request.args)
        response = _answer(body)
    else:
        response = _answer(record.body)
    if not subsetted:  # a summary is another representation: web/caching hashes its body
        response.set_etag(str(record.version), weak=True)
    if record.last_updated is not None:
        response.last_modified = record.last_updated
    return response


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


def _record(kind: str, resource_id: str) -> Record:
    _known(kind)
    record = current_catalogue().get(kind, resource_id)
    if record is None:
        raise FhirError(
            404,
            t(
                f"Aucune ressource {kind} d'id {resource_id!r}.",
                f"No {kind} resource with id {resource_id!r}.",
            ),
        )
    return record


@blp.route("/metadata", methods=METHODS)
def metadata():
    """The CapabilityStatement: what this server implements, and nothing more."""
    return _answer(capability_statement(base_url(), canonical_base()))


@blp.route("/StructureDefinition/recruitment-status", methods=METHODS)
def recruitment_status():
    """The definition of the recruitment-status extension (its canonical URL resolves)."""
    return _answer(recruitment_status_definition(canonical_base()))


@blp.route("/CodeSystem/contact-role", methods=METHODS)
def contact_role():
    """The contact-role CodeSystem (PractitionerRole.code's system resolves)."""
    return _answer(contact_role_code_system(canonical_base()))


def _search(kind: str) -> Response:
    _known(kind)
    result = search(kind, current_catalogue(), _parameters(), _strict(), canonical_base())
    return _answer(searchset(base_url(), kind, result))


@blp.route("/<kind>", methods=METHODS)
def search_type(kind: str):
    """Search one resource type; a searchset Bundle."""
    return _search(kind)


@blp.route("/<kind>/_search", methods=METHODS, endpoint="search_post")
def search_post(kind: str):
    """The same search, its parameters in a form body (POST) or the query string."""
    return _search(kind)


@blp.route("/_history", methods=METHODS, endpoint="history_system")
@blp.route("/<kind>/_history", methods=METHODS, endpoint="history_type")
@blp.route("/<kind>/<resource_id>/_history", methods=METHODS, endpoint="history_instance")
def history(kind: str | None = None, resource_id: str | None = None):
    """No history interaction (the CapabilityStatement lists none): said as such, rather
    than as a resource whose id would be `_history`."""
    if kind is not None:
        _known(kind)
    raise FhirError(
        404,
        t(
            "L'historique (_history) n'est pas servi : seule la version courante de chaque "
            "ressource l'est, aussi par vread (/[type]/[id]/_history/[version]).",
            "History (_history) is not served: only each resource's current version is, "
            "also by vread (/[type]/[id]/_history/[version]).",
        ),
        code="not-supported",
    )


@blp.route("/<kind>/<resource_id>", methods=METHODS)
def read(kind: str, resource_id: str):
    """Read one resource by its id (conditional: If-None-Match, If-Modified-Since)."""
    return _versioned(_record(kind, resource_id))


@blp.route("/<kind>/<resource_id>/_history/<version_id>", methods=METHODS)
def vread(kind: str, resource_id: str, version_id: str):
    """Read one version of a resource: the current one (older versions are not kept)."""
    record = _record(kind, resource_id)
    if version_id == str(record.version):
        return _versioned(record)
    if version_id.isascii() and version_id.isdigit() and int(version_id) < record.version:
        diagnostics = t(
            f"La version {version_id} de {kind}/{resource_id} n'est pas conservée : seule "
            f"la version courante ({record.version}) l'est.",
            f"Version {version_id} of {kind}/{resource_id} is not kept: only the current "
            f"version ({record.version}) is.",
        )
    else:
        diagnostics = t(
            f"{kind}/{resource_id} n'a pas de version {version_id!r} (courante : "
            f"{record.version}).",
            f"{kind}/{resource_id} has no version {version_id!r} (current: {record.version}).",
        )
    raise FhirError(404, diagnostics)


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
