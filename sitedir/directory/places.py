"""Places: the offline gazetteer of French communes, searched as people type."""

from typing import NoReturn

from flask import jsonify
from flask.views import MethodView
from flask_smorest import Blueprint, abort

from sitedir.i18n import t
from sitedir.places.gazetteer import Place
from sitedir.places.origin import Origin
from sitedir.places.search import MAX_QUERY_CHARS, MAX_QUERY_WORDS, Match, QueryTooLong, search
from sitedir.schemas import PlaceMatchSchema, PlacesQuerySchema
from sitedir.web.problems import PROBLEM_MIMETYPE, ProblemSchema

blp = Blueprint("places", __name__, url_prefix="/api/v1/places", description="Places")

PLACE_FIELDS = (
    "insee",
    "name",
    "label",
    "kind",
    "postcodes",
    "department",
    "department_name",
    "region",
    "region_name",
    "latitude",
    "longitude",
    "precision",
    "population",
)


def place_dict(place: Place) -> dict:
    """Return a place as the API shows it."""
    out = {name: getattr(place, name) for name in PLACE_FIELDS}
    out["postcodes"] = list(place.postcodes)
    return out


def match_dict(found: Match) -> dict:
    """Return a search match: the place, how it matched, and its score; a locality's label
    names it with its commune ("Val Thorens (commune des Belleville, 73)")."""
    shown = place_dict(found.place)
    if found.locality:
        shown["label"] = locality_label(found.locality, found.place.name, found.place.department)
    return {
        **shown,
        "match": found.match,
        "score": round(found.score, 3),
        "former_name": found.former_name,
        "locality": found.locality,
    }


def of_commune(name: str) -> str:
    """'de Vichy', 'du Puy-en-Velay', 'des Belleville': a commune's name after "commune"."""
    for article, contracted in (("Le ", "du "), ("Les ", "des ")):
        if name.startswith(article):
            return contracted + name[len(article) :]
    return "de " + name


def locality_label(locality: str, name: str, department: str, lang: str = "fr") -> str:
    """'Val Thorens (commune des Belleville, 73)': a place that is not a commune, with its
    commune. The API's label is French, as every label it gives (answers are cached
    whatever the language asked); the page words it in English too."""
    if lang == "en":
        return f"{locality} (commune of {name}, {department})"
    return f"{locality} (commune {of_commune(name)}, {department})"


def origin_dict(origin: Origin) -> dict:
    """Return a nearest search's origin as the API shows it."""
    if origin.place is None:  # a point: coordinates, or a geocoded address
        return {
            "name": origin.label,
            "label": origin.label,
            "insee": None,
            "postcodes": [],
            "department": None,
            "department_name": None,
            "region": None,
            "region_name": None,
            "latitude": origin.latitude,
            "longitude": origin.longitude,
            "precision": origin.precision,
            "match": origin.match,
            "former_name": None,
            "locality": None,
            "ambiguous": False,
            "alternatives": [],
        }
    shown = place_dict(origin.place)
    del shown["population"], shown["kind"]
    if origin.locality:
        shown["label"] = locality_label(origin.locality, origin.place.name, shown["department"])
    return {
        **shown,
        "match": origin.match,
        "former_name": origin.former_name,
        "locality": origin.locality,
        "ambiguous": origin.ambiguous,
        "alternatives": [_alternative_dict(m) for m in origin.alternatives],
    }


def _alternative_dict(found: Match) -> dict:
    # A postcode's other communes are as good as the first: shown without a score.
    if found.unranked:
        return {**place_dict(found.place), "match": found.match}
    return match_dict(found)


def search_or_400(query: str, limit: int) -> list[Match]:
    """Search the gazetteer; a query with nothing searchable in it, or longer than any
    place name with a where-hint could be, is a 400."""
    try:
        return search(query, limit=limit)
    except ValueError as error:
        refuse_query(error)


def refuse_query(error: ValueError) -> NoReturn:
    """Answer 400 for a query search refused: too long (QueryTooLong), or nothing in it."""
    if isinstance(error, QueryTooLong):
        abort(
            400,
            message=t(
                f"La recherche est trop longue : au plus {MAX_QUERY_CHARS} lettres et "
                f"chiffres et {MAX_QUERY_WORDS} mots, comme un nom de commune suivi de son "
                "département.",
                f"The query is too long: at most {MAX_QUERY_CHARS} letters and digits and "
                f"{MAX_QUERY_WORDS} words, like a town's name followed by its département.",
            ),
            errors={"query": {"q": ["too long"]}},
        )
    abort(
        400,
        message=t(
            "La recherche ne contient ni nom de commune, ni code postal, ni code INSEE.",
            "The query holds no town name, postcode or INSEE code.",
        ),
        errors={"query": {"q": ["nothing searchable"]}},
    )


@blp.route("")
class Places(MethodView):
    @blp.arguments(PlacesQuerySchema(), location="query")
    @blp.response(200, PlaceMatchSchema(many=True))
    @blp.alt_response(
        400,
        schema=ProblemSchema,
        content_type=PROBLEM_MIMETYPE,
        description="q has more than 15 words, or nothing a place could be named by",
    )
    def get(self, args):
        """Search communes and arrondissements by name, postcode or INSEE code."""
        return jsonify([match_dict(m) for m in search_or_400(args["q"], args["limit"])])
