"""Studies: what each trial is, who it is for, and its pathway; found by disease."""

from urllib.parse import urlencode

from flask import current_app, request
from flask.views import MethodView
from flask_smorest import Blueprint, abort

from sitedir.directory.catalogue import find, public_form, recruiting_counts
from sitedir.directory.cursors import page_cursor
from sitedir.directory.paging import encode_cursor
from sitedir.extensions import db
from sitedir.i18n import t
from sitedir.models import Study
from sitedir.readmodel.snapshot import current_snapshot, encode_json
from sitedir.schemas import StudiesQuerySchema, StudySchema
from sitedir.web.hosts import public_root

blp = Blueprint("studies", __name__, url_prefix="/api/v1/studies", description="Studies")


def get_study_or_404(slug: str) -> Study:
    """Return the study with this slug, or answer 404 in words."""
    study = db.session.scalar(db.select(Study).where(Study.slug == slug))
    if study is None:
        abort(404, message=t(f"Étude inconnue : {slug!r}.", f"Unknown study: {slug!r}."))
    return study


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
        after = page_cursor(args)
        snapshot = current_snapshot()
        found = find(snapshot, args.get("condition"), args.get("q"), args.get("open"))
        if after is not None:
            found = [entry for entry in found if entry.slug > after]
        page, more = found[: args["limit"]], len(found) > args["limit"]
        recruiting = recruiting_counts(snapshot)
        # Already dumped by the snapshot: joined, not dumped again.
        body = encode_json([public_form(entry, recruiting) for entry in page])
        response = current_app.response_class(body, mimetype="application/json")
        if more:
            query = [(k, v) for k, v in request.args.items(multi=True) if k != "cursor"]
            query.append(("cursor", encode_cursor(page[-1].slug)))
            url = public_root() + request.script_root + request.path
            response.headers["Link"] = f'<{url}?{urlencode(query)}>; rel="next"'
        return response


@blp.route("/<string:slug>")
class StudyItem(MethodView):
    @blp.response(200, StudySchema)
    def get(self, slug):
        """One study: titles, eligibility summary, pathway steps, registry details,
        provenance."""
        return get_study_or_404(slug)
