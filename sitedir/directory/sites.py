"""Sites: one hospital in one study, with its status, contacts and reference centre."""

from flask import jsonify
from flask.views import MethodView
from flask_smorest import Blueprint, abort
from sqlalchemy.orm import selectinload

from sitedir.directory.snapshot import current_snapshot
from sitedir.directory.studies import get_study_or_404
from sitedir.extensions import db
from sitedir.i18n import t
from sitedir.models import Site
from sitedir.schemas import SiteDetailSchema, SiteSchema, SitesQuerySchema

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


@blp.route("")
class Sites(MethodView):
    @blp.arguments(SitesQuerySchema(), location="query")
    @blp.response(200, SiteSchema(many=True))
    def get(self, args):
        """List sites, filtered by study, status, open, region or department."""
        if "study" in args:
            get_study_or_404(args["study"])
        rows = filter_rows(
            current_snapshot().rows,
            study=args.get("study"),
            status=args.get("status"),
            open_only=args.get("open"),
            region=args.get("region"),
            department=args.get("department"),
        )
        # Already serialised by the snapshot: hand the list over as it is.
        return jsonify([r.data for r in rows])


@blp.route("/<string:site_id>")
class SiteItem(MethodView):
    @blp.response(200, SiteDetailSchema)
    def get(self, site_id):
        """One site, with its public status history."""
        site = db.session.scalar(
            db.select(Site)
            .where(Site.slug == site_id)
            .options(selectinload(Site.history), selectinload(Site.contacts))
        )
        if site is None:
            abort(404, message=t(f"Centre inconnu : {site_id!r}.", f"Unknown site: {site_id!r}."))
        # The version-based ETag that writers send back in If-Match.
        return site, 200, {"ETag": f'"{site.etag}"'}
