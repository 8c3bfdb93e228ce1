"""Nearest open site: from a patient's town to the sites that can take the referral."""

from flask import current_app, jsonify
from flask.views import MethodView
from flask_smorest import Blueprint, abort

from sitedir.directory.places import match_dict, place_dict, search_or_400
from sitedir.directory.sites import filter_rows
from sitedir.directory.snapshot import current_snapshot
from sitedir.directory.studies import get_study_or_404
from sitedir.extensions import db
from sitedir.i18n import t
from sitedir.models import Study
from sitedir.places.gazetteer import get_gazetteer
from sitedir.places.search import suggest
from sitedir.routing import rank_nearest
from sitedir.schemas import NearestQuerySchema, NearestSchema

blp = Blueprint("nearest", __name__, url_prefix="/api/v1/nearest", description="Nearest site")

# A match whose score is this close to the best one is shown as an alternative.
AMBIGUITY_MARGIN = 0.05


def _not_found(what: str, value: str, suggestions=None):
    abort(
        404,
        message=t(
            f"Aucune commune ne correspond à {what} {value!r}.",
            f"No French commune matches {what} {value!r}.",
        ),
        suggestions=suggestions,
    )


def _origin_from_place(place, match=None, former_name=None, alternatives=()) -> dict:
    return {
        **{k: v for k, v in place_dict(place).items() if k not in ("population", "kind")},
        "match": match,
        "former_name": former_name,
        "alternatives": list(alternatives),
    }


def resolve_origin(args: dict) -> dict:
    """Return the origin (place or coordinates) the query names, or answer 404."""
    gazetteer = get_gazetteer()
    if "lat" in args:
        return {
            "name": None,
            "label": None,
            "insee": None,
            "postcodes": [],
            "department": None,
            "department_name": None,
            "region": None,
            "region_name": None,
            "latitude": args["lat"],
            "longitude": args["lon"],
            "precision": "coordinates",
            "match": None,
            "former_name": None,
            "alternatives": [],
        }
    if "insee" in args:
        place = gazetteer.by_insee(args["insee"])
        if place is None:
            _not_found(t("le code INSEE", "INSEE code"), args["insee"])
        return _origin_from_place(place, match="insee")
    if "postcode" in args:
        places = gazetteer.by_postcode(args["postcode"])
        if not places:
            _not_found(t("le code postal", "postcode"), args["postcode"])
        others = [{**place_dict(p), "match": "postcode"} for p in places[1:]]
        return _origin_from_place(places[0], match="postcode", alternatives=others)
    matches = search_or_400(args["q"], limit=8)
    if not matches:
        hints = [place_dict(p) for p in suggest(args["q"], limit=5)]
        _not_found(t("la recherche", "the query"), args["q"], hints)
    best = matches[0]
    others = [
        match_dict(m)
        for m in matches[1:]
        if m.match == best.match and m.score >= best.score - AMBIGUITY_MARGIN
    ]
    return _origin_from_place(
        best.place, match=best.match, former_name=best.former_name, alternatives=others
    )


def _study_slug(args: dict) -> str:
    if "study" in args:
        return get_study_or_404(args["study"]).slug
    default = current_app.config["DEFAULT_STUDY"]
    slugs = db.session.scalars(db.select(Study.slug).order_by(Study.slug)).all()
    if default in slugs:
        return default
    if len(slugs) == 1:
        return slugs[0]
    abort(
        400,
        message=t("Précisez l'étude (paramètre study).", "Say which study (study parameter)."),
        errors={"query": {"study": ["required when several studies exist"]}},
    )


def _with_distance(ranked) -> dict:
    return {**ranked.item.data, "distance_km": round(ranked.distance_km, 1)}


@blp.route("")
class Nearest(MethodView):
    @blp.arguments(NearestQuerySchema, location="query")
    @blp.response(200, NearestSchema)
    def get(self, args):
        """The open sites nearest to a town, postcode, INSEE code or point.

        Give exactly one origin. Distances are geodesic, in kilometres. Sites nearer
        than the first open one, but not open, are listed with their status and reason.
        """
        study = _study_slug(args)
        origin = resolve_origin(args)
        rows = filter_rows(current_snapshot().rows, study=study, region=args.get("region"))
        answer = rank_nearest(
            origin["latitude"],
            origin["longitude"],
            rows,
            limit=args["limit"],
            radius_km=args.get("radius_km"),
        )
        return jsonify(
            {
                "study": study,
                "origin": origin,
                "results": [_with_distance(r) for r in answer.results],
                "nearer_not_open": [_with_distance(r) for r in answer.nearer_not_open],
            }
        )
