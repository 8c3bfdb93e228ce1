"""Nearest open site: from a patient's town to the sites that can take the referral."""

import json

from flask import current_app, g, request
from flask.views import MethodView
from flask_smorest import Blueprint, abort
from werkzeug.exceptions import NotFound
from werkzeug.http import generate_etag

from sitedir.directory.catalogue import nearest_per_study, of_condition
from sitedir.directory.places import origin_dict, place_dict, refuse_query
from sitedir.directory.studies import get_study_or_404
from sitedir.domain import clock
from sitedir.domain.lru import LRU
from sitedir.i18n import t
from sitedir.places.online import GeocoderUnavailable
from sitedir.places.origin import AddressSearchOff, Origin, OriginNotFound, resolve_origin
from sitedir.readmodel.snapshot import answer_day, current_snapshot, encode_json
from sitedir.schemas import NearestQuerySchema, NearestSchema
from sitedir.web.metrics import count_answer_cache
from sitedir.web.problems import PROBLEM_MIMETYPE, ProblemSchema

blp = Blueprint("nearest", __name__, url_prefix="/api/v1/nearest", description="Nearest site")


class PlaceNotFound(NotFound):
    """No commune matches the origin asked for: a 404 problem (with close matches for a
    name), and for the page and the widget, the "did you mean" they show."""

    def __init__(self, message: str, suggestions: list[dict] | None = None):
        super().__init__()
        self.suggestions = suggestions or []
        # What flask-smorest's abort() would carry: web/problems.py reads it.
        self.data = {"message": message, "suggestions": suggestions}


# How a refusal names what was looked up, by the origin's source.
LOOKED_UP = {
    "insee": ("le code INSEE", "INSEE code"),
    "postcode": ("le code postal", "postcode"),
    "q": ("la recherche", "the query"),
    "address": ("l'adresse", "the address"),
}


def resolve(args: dict) -> Origin:
    """Return the origin (place or coordinates) the query names, or answer 400, 404 or 503."""
    try:
        return resolve_origin(args, geocoder=current_app.extensions.get("sitedir_geocoder"))
    except OriginNotFound as missing:
        # Only a typed name has look-alikes; a code or an address has none to offer.
        hints = [place_dict(p) for p in missing.suggestions] if missing.source == "q" else None
        what = t(*LOOKED_UP[missing.source])
        raise PlaceNotFound(
            t(
                f"Aucune commune ne correspond à {what} {missing.value!r}.",
                f"No French commune matches {what} {missing.value!r}.",
            ),
            hints,
        ) from None
    except ValueError as error:
        if "q" not in args:
            raise
        refuse_query(error)
    except AddressSearchOff:
        abort(
            400,
            message=t(
                "La recherche d'adresse en ligne n'est pas activée sur ce serveur : "
                "indiquez une commune, un code postal ou un code INSEE.",
                "Online address search is not enabled on this server: "
                "give a town, a postcode or an INSEE code.",
            ),
            errors={"query": {"address": ["online geocoding is off"]}},
        )
    except GeocoderUnavailable:
        abort(
            503,
            message=t(
                "Le service de géocodage d'adresses ne répond pas ; réessayez plus tard, "
                "ou cherchez par commune ou code postal.",
                "The address geocoding service is not answering; try again later, "
                "or search by town or postcode.",
            ),
            headers={"Retry-After": "30"},
        )


def _study_slug(args: dict, slugs: tuple[str, ...]) -> str:
    if "study" in args:
        if args["study"] not in slugs:
            get_study_or_404(args["study"])  # answers 404 in words
        return args["study"]
    default = current_app.config["DEFAULT_STUDY"]
    if default in slugs:
        return default
    if len(slugs) == 1:
        return slugs[0]
    abort(
        400,
        message=t("Précisez l'étude (paramètre study).", "Say which study (study parameter)."),
        errors={"query": {"study": ["required when several studies exist"]}},
    )


def _answer(args: dict, snapshot) -> bytes:
    """The nearest answer for these validated arguments over this snapshot, as JSON."""
    if "condition" in args:
        return _across_studies(args, snapshot)
    study = _study_slug(args, snapshot.studies)
    origin = resolve(args)
    answer = snapshot.nearest(
        origin.latitude,
        origin.longitude,
        study=study,
        region=args.get("region"),
        limit=args["limit"],
        radius_km=args.get("radius_km"),
    )
    return answer_body(
        {
            "study": study,
            "origin": origin_dict(origin),
            "results": answer.results,
            "nearer_not_open": answer.nearer_not_open,
        }
    )


# The answer is NearestSchema, written without dumping 3 to 20 sites again: each site's
# SiteSchema form comes from the snapshot as bytes, and what NearestSiteSchema adds to it
# is computed here. Both lists are derived from the schemas, and
# tests/test_schema_fast_path.py fails when a field is added to one without the other.
RESULT_EXTRAS = {"distance_km": lambda ranked: round(ranked.distance_km, 1)}
SITE_LISTS = ("results", "nearer_not_open")
ANSWER_FIELDS = tuple(NearestSchema._declared_fields)


def _site_bytes(ranked, day: tuple) -> bytes:
    extras = encode_json({name: make(ranked) for name, make in RESULT_EXTRAS.items()})
    # {"id":..., "stale": <today's>, ...} + {"distance_km": ...}: one object, the extras
    # last. Both depend on the answer (its day, its origin), never on the stored row.
    row = ranked.item
    return row.body_for(row.stale_on(*day))[:-1] + b"," + extras[1:]


def answer_body(parts: dict) -> bytes:
    """The answer's JSON, fields in NearestSchema's order: sites spliced from their stored
    bytes, the rest encoded here."""
    pieces = []
    day = answer_day()
    for name in ANSWER_FIELDS:
        if name in SITE_LISTS:
            value = b"[" + b",".join(_site_bytes(r, day) for r in parts[name]) + b"]"
        else:
            value = encode_json(parts[name])
        pieces.append(encode_json(name) + b":" + value)
    return b"{" + b",".join(pieces) + b"}"


def _across_studies(args: dict, snapshot) -> bytes:
    """NearestAcrossStudiesSchema's answer: each study of the condition with an open site,
    by the distance of its nearest open site, then those without one."""
    origin = resolve(args)
    found, without = nearest_per_study(
        snapshot,
        origin.latitude,
        origin.longitude,
        of_condition(snapshot.catalogue, args["condition"]),
        args.get("region"),
        args.get("radius_km"),
    )
    day = answer_day()
    studies = b",".join(
        b'{"study":' + encode_json(entry.summary) + b',"site":' + _site_bytes(ranked, day) + b"}"
        for ranked, entry in found
    )
    return (
        b'{"condition":'
        + encode_json(args["condition"])
        + b',"origin":'
        + encode_json(origin_dict(origin))
        + b',"studies":['
        + studies
        + b'],"without_open_site":'
        + encode_json([entry.summary for entry in without])
        + b"}"
    )


def answer_cache() -> "AnswerCache":
    """The app's cache of nearest answers (per process; keyed by the data's fingerprint)."""
    cache = current_app.extensions.get("sitedir_nearest_cache")
    if cache is None:
        cache = current_app.extensions.setdefault(
            "sitedir_nearest_cache",
            AnswerCache(max_bytes=current_app.config["ANSWER_CACHE_BYTES"]),
        )
    return cache


class AnswerCache:
    """An LRU of serialised answers (body and ETag), bounded in entries and in bytes.
    Keys carry the snapshot fingerprint, so a change to the data makes every older entry
    unreachable; they age out.

    It holds its LRU rather than being one: its put() takes a body and an ETag and costs
    them itself, where an LRU's takes any value and the caller's cost."""

    # What an entry costs beyond its key's and body's characters: the dict slot, the
    # tuples, the bytes and string headers (tracemalloc: about 520 bytes; rounded up).
    OVERHEAD = 600

    def __init__(self, max_bytes: int, size: int = 4096):
        # max_bytes: SITEDIR_ANSWER_CACHE_BYTES (config.py), some 3,000 answers of 5 KB.
        self._lru = LRU(size, max_bytes)

    def __len__(self) -> int:
        return len(self._lru)

    @property
    def max_bytes(self) -> int | None:
        """The bound on `bytes`."""
        return self._lru.max_bytes

    def get(self, key: tuple) -> tuple[bytes, str] | None:
        """The (body, ETag) stored under this key, or None."""
        return self._lru.get(key, None)

    def put(self, key: tuple, body: bytes, etag: str) -> None:
        """Keep this answer's body and ETag, costed by their size and its key's."""
        cost = len(body) + len(etag) + _key_size(key) + self.OVERHEAD
        self._lru.put(key, (body, etag), cost)

    # Last: in the class's body, `bytes` is this property once defined.
    @property
    def bytes(self) -> int:
        """What the entries held cost, together."""
        return self._lru.bytes


def _key_size(key: tuple) -> int:
    _, args = key
    return sum(len(name) + sum(len(v) for v in values) for name, values in args)


# The parameters NearestQuerySchema reads; any other is ignored by validation, and so by
# the cache key: junk parameters can neither add entries nor make a query miss.
KNOWN = frozenset(NearestQuerySchema._declared_fields)


def _cache_key(snapshot, lists=None) -> tuple:
    # The known parameters exactly as sent (sorted by name, repeats kept): the same ones,
    # on the same data, pass or fail validation alike and get the same answer.
    lists = request.args.lists() if lists is None else lists
    return (
        # The day too: answers carry each site's `stale` for it (the snapshot does not).
        (*snapshot.fingerprint, clock.today_in_paris().toordinal()),
        tuple(sorted((name, tuple(values)) for name, values in lists if name in KNOWN)),
    )


def _computed(key: tuple, args: dict, snapshot) -> tuple[bytes, str]:
    """Compute the answer, serialise it once, and keep it in the answer cache."""
    body = _answer(args, snapshot)
    etag = generate_etag(body)
    answer_cache().put(key, body, etag)
    return body, etag


_QUERY = NearestQuerySchema()


def nearest_answer(query: dict[str, str], snapshot=None) -> dict:
    """The answer /api/v1/nearest gives for these query parameters (strings, as a query
    string carries them), from the same answer cache.

    Raises marshmallow.ValidationError for malformed parameters, PlaceNotFound when no
    commune matches the origin, and another HTTPException for any other refusal (an
    unknown study, a query too long).
    """
    snapshot = current_snapshot() if snapshot is None else snapshot
    key = _cache_key(snapshot, ((name, (value,)) for name, value in query.items()))
    found = answer_cache().get(key)
    count_answer_cache(found is not None)
    if found is None:
        found = _computed(key, _QUERY.load(query), snapshot)
    return json.loads(found[0])


def _json_response(body: bytes, etag: str):
    # The ETag goes with the body (computed once, as caching.py would): a cached answer
    # is not hashed again on every request.
    response = current_app.response_class(body, mimetype="application/json")
    response.set_etag(etag)
    return response


@blp.before_request
def _answered_before():
    """A query already answered on this data: skip its validation, resolution and ranking."""
    if request.method not in ("GET", "HEAD"):
        return None
    snapshot = g.nearest_snapshot = current_snapshot()
    found = answer_cache().get(_cache_key(snapshot))
    count_answer_cache(found is not None)
    return None if found is None else _json_response(*found)


# With condition=, the answer is NearestAcrossStudies instead (published as a component
# by register_directory): the document says 200 is one or the other.
ONE_OR_OTHER = {
    "responses": {
        "200": {
            "content": {
                "application/json": {
                    "schema": {
                        "oneOf": [
                            {"$ref": "#/components/schemas/Nearest"},
                            {"$ref": "#/components/schemas/NearestAcrossStudies"},
                        ]
                    }
                }
            }
        }
    }
}


@blp.route("")
class Nearest(MethodView):
    @blp.arguments(NearestQuerySchema(), location="query")
    @blp.response(200, NearestSchema)
    @blp.doc(**ONE_OR_OTHER)
    @blp.alt_response(
        400,
        schema=ProblemSchema,
        content_type=PROBLEM_MIMETYPE,
        description="q has more than 15 words, or nothing a place could be named by",
    )
    @blp.alt_response(404, response="NOT_FOUND")
    def get(self, args):
        """The open sites nearest to a town, postcode, INSEE code or point.

        Give exactly one origin. Distances are geodesic, in kilometres. Sites nearer
        than the first open one, but not open, are listed with their status and reason.
        With `condition=` (not with `study`), the answer is NearestAcrossStudies: for
        each study of that disease with an open site, its nearest open site, nearest
        first (`limit` does not apply), then the studies without one.
        """
        snapshot = g.nearest_snapshot  # read by _answered_before, which found no answer
        return _json_response(*_computed(_cache_key(snapshot), args, snapshot))
