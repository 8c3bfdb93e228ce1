"""Studies: what each trial is, who it is for, and its pathway; found by disease."""

from urllib.parse import urlencode

from flask import request
from flask.views import MethodView
from flask_smorest import Blueprint, abort

from sitedir.directory.catalogue import recruiting_counts
from sitedir.directory.paging import BadCursor, decode_cursor, encode_cursor
from sitedir.directory.snapshot import current_snapshot
from sitedir.extensions import db
from sitedir.i18n import t
from sitedir.models import Study
from sitedir.schemas import StudiesQuerySchema, StudySchema
from sitedir.study_match import matches_condition, matches_text, terms_of
from sitedir.web.hosts import public_root

blp = Blueprint("studies", __name__, url_prefix="/api/v1/studies", description="Studies")


def get_study_or_404(slug: str) -> Study:
    """Return the study with this slug, or answer 404 in words."""
    study = db.session.scalar(db.select(Study).where(Study.slug == slug))
    if study is None:
        abort(404, message=t(f"Étude inconnue : {slug!r}.", f"Unknown study: {slug!r}."))
    return study


def find_studies(condition=None, text=None, open_only=None, recruiting=None) -> list[Study]:
    """The studies, by slug, that pass every filter given: of this condition, with these
    words, with (or without) an open site (`recruiting`: slug -> open sites)."""
    found = []
    # Sorted here, not by the database: a cursor compares slugs as Python does.
    for study in sorted(db.session.scalars(db.select(Study)), key=lambda s: s.slug):
        terms = terms_of(study)
        if condition is not None and not matches_condition(terms, condition):
            continue
        if text is not None and not matches_text(terms, text):
            continue
        if open_only is not None and (recruiting[study.slug] > 0) != open_only:
            continue
        found.append(study)
    return found


LINK_HEADER = {
    "Link": {
        "description": 'The next page, when there is one: `<URL>; rel="next"`',
        "schema": {"type": "string"},
    }
}


@blp.route("")
class Studies(MethodView):
    @blp.arguments(StudiesQuerySchema(), location="query")
    @blp.response(200, StudySchema(many=True), headers=LINK_HEADER)
    def get(self, args):
        """List the studies by slug, filtered by condition, words (q) or open.

        `condition` matches the study's condition, the record's conditions and their MeSH
        terms and keywords (every word typed begins one of their words; accents and case
        ignored), or a MeSH code (D008180). A page holds `limit` studies; the next page's
        URL is in the `Link` header (`rel="next"`).
        """
        after = None
        if "cursor" in args:
            try:
                after = decode_cursor(args["cursor"])
            except BadCursor:
                abort(
                    400,
                    message=t(
                        "Curseur de page invalide : suivez le lien « next ».",
                        "Invalid page cursor: follow the next link.",
                    ),
                    errors={"query": {"cursor": ["not a cursor from this API"]}},
                )
        studies = find_studies(
            args.get("condition"),
            args.get("q"),
            args.get("open"),
            recruiting_counts(current_snapshot()),
        )
        if after is not None:
            studies = [s for s in studies if s.slug > after]
        page, more = studies[: args["limit"]], len(studies) > args["limit"]
        headers = {}
        if more:
            query = [(k, v) for k, v in request.args.items(multi=True) if k != "cursor"]
            query.append(("cursor", encode_cursor(page[-1].slug)))
            url = public_root() + request.script_root + request.path
            headers["Link"] = f'<{url}?{urlencode(query)}>; rel="next"'
        return page, 200, headers


@blp.route("/<string:slug>")
class StudyItem(MethodView):
    @blp.response(200, StudySchema)
    def get(self, slug):
        """One study: titles, eligibility summary, pathway steps, registry details,
        provenance."""
        return get_study_or_404(slug)
