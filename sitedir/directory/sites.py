"""Sites: one hospital in one study, with its status, contacts and reference centre."""

from urllib.parse import urlencode

from flask import current_app, request
from flask.views import MethodView
from flask_smorest import Blueprint, abort
from sqlalchemy.orm import selectinload

from sitedir.directory.cursors import page_cursor
from sitedir.directory.paging import RowLists, encode_cursor
from sitedir.directory.studies import get_study_or_404
from sitedir.extensions import db
from sitedir.i18n import t
from sitedir.models import Site
from sitedir.readmodel.snapshot import bodies, current_snapshot
from sitedir.schemas import SiteDetailSchema, SiteSchema, SitesQuerySchema
from sitedir.web.hosts import public_root
from sitedir.web.problems import PROBLEM_MIMETYPE, ProblemSchema

blp = Blueprint("sites", __name__, url_prefix="/api/v1/sites", description="Trial sites")


def filter_rows(rows, study=None, status=None, open_only=None, region=None, department=None):
    """Return the snapshot rows that pass every given filter."""
    return [
        r
        for r in rows
        if (study is None or r.study == study)
        and (status is None or r.status == status)
        and (open_only is None or r.is_open == open_only)
        and (region is None or r.region == region)
        and (department is None or r.department == department)
    ]


LINK_HEADER = {
    "Link": {
        "description": 'The next page, when there is one: `<URL>; rel="next"`',
        "schema": {"type": "string"},
    }
}


@blp.route("")
class Sites(MethodView):
    @blp.arguments(SitesQuerySchema(), location="query")
    @blp.response(200, SiteSchema(many=True), headers=LINK_HEADER)
    @blp.alt_response(
        400,
        schema=ProblemSchema,
        content_type=PROBLEM_MIMETYPE,
        description="cursor is not one this API handed out (follow the Link header's next)",
    )
    @blp.alt_response(404, response="NOT_FOUND")
    def get(self, args):
        """List sites by id, filtered by study, status, open, region or department.

        A page holds `limit` sites (100 by default, at most 1,000); the next page's URL is
        in the `Link` header (`rel="next"`), absent on the last page.
        """
        snapshot = current_snapshot()
        # The snapshot knows the studies: a known one needs no database read (degraded.py).
        if "study" in args and args["study"] not in snapshot.studies:
            get_study_or_404(args["study"])
        after = page_cursor(args)
        lists = snapshot.lists or RowLists(snapshot.rows)
        filters = {name: args.get(name) for name in ("study", "status", "open", "region")}
        filters["department"] = args.get("department")
        rows, more = lists.page(filters, after, args["limit"])
        # Already serialised by the snapshot (SiteSchema's dump, as JSON): joined, not
        # dumped again.
        body = b"[" + b",".join(bodies(rows)) + b"]"
        response = current_app.response_class(body, mimetype="application/json")
        if more:
            query = [(k, v) for k, v in request.args.items(multi=True) if k != "cursor"]
            query.append(("cursor", encode_cursor(rows[-1].id)))
            url = public_root() + request.script_root + request.path
            response.headers["Link"] = f'<{url}?{urlencode(query)}>; rel="next"'
        return response


def site_or_404(site_id: str, *load) -> Site:
    """Return the site with this id, its `load` relationships read with it, or answer 404."""
    site = db.session.scalar(
        db.select(Site)
        .where(Site.slug == site_id)
        .options(*(selectinload(relationship) for relationship in load))
    )
    if site is None:
        abort(404, message=t(f"Centre inconnu : {site_id!r}.", f"Unknown site: {site_id!r}."))
    return site


@blp.route("/<string:site_id>")
class SiteItem(MethodView):
    @blp.response(200, SiteDetailSchema)
    def get(self, site_id):
        """One site, with its public status history."""
        site = site_or_404(site_id, Site.history, Site.contacts)
        # The version-based ETag that writers send back in If-Match.
        return site, 200, {"ETag": f'"{site.etag}"'}
