"""Admin writes under /api/v1: bearer tokens, scoped to sites, If-Match on site changes."""

from http import HTTPStatus

from flask import g, request
from flask.views import MethodView
from flask_smorest import Blueprint, abort

from sitedir.admin import changes
from sitedir.admin.auth import bearer_principal, require_network_admin, require_site
from sitedir.admin.models import AuditEvent
from sitedir.admin.schemas import (
    AuditEventSchema,
    AuditQuerySchema,
    ContactInSchema,
    ContactOutSchema,
    ContactPatchSchema,
    NewSiteSchema,
    SitePatchSchema,
)
from sitedir.extensions import db
from sitedir.i18n import t
from sitedir.models import Contact, Site, Study
from sitedir.schemas import SiteDetailSchema

blp = Blueprint(
    "admin_api",
    __name__,
    url_prefix="/api/v1",
    description="Admin writes (bearer token; site admins only on their own sites)",
)
SECURITY = [{"bearerAuth": []}]
IF_MATCH = {
    "in": "header",
    "name": "If-Match",
    "required": True,
    "schema": {"type": "string"},
    "description": "The ETag of your last GET /api/v1/sites/{site_id} (412 if it changed).",
}


def errors(*codes: int):
    """Document the problem+json answers an admin operation gives besides 422."""

    def decorate(view):
        for code in (401, 403, 429, *codes):
            view = blp.alt_response(code, response=HTTPStatus(code).name)(view)
        return view

    return decorate


@blp.before_request
def _authenticate():
    # Who is asking comes first: a request without a valid token learns nothing else,
    # not even whether its body would have been valid.
    g.principal = bearer_principal()


def _site_or_404(site_id: str) -> Site:
    site = db.session.scalar(db.select(Site).where(Site.slug == site_id))
    if site is None:
        abort(404, message=t(f"Centre inconnu : {site_id!r}.", f"Unknown site: {site_id!r}."))
    return site


def _check_if_match(site: Site) -> None:
    """428 without If-Match; 412 when it names an older version of the site."""
    if not request.headers.get("If-Match"):
        abort(
            428,
            message=t(
                "En-tête If-Match requis : l'ETag de GET /api/v1/sites/<id>.",
                "If-Match is required: the ETag of GET /api/v1/sites/<id>.",
            ),
        )
    if not request.if_match.contains(changes.site_etag(site)) and not request.if_match.star_tag:
        _stale()


def _stale():
    abort(
        412,
        message=t(
            "Ce centre a été modifié entre-temps : relisez-le puis recommencez.",
            "This site was changed in the meantime: read it again, then retry.",
        ),
    )


def _site_response(site: Site, status: int = 200):
    return site, status, {"ETag": f'"{changes.site_etag(site)}"'}


@blp.route("/sites/<string:site_id>")
class SiteWrite(MethodView):
    @blp.doc(security=SECURITY, parameters=[IF_MATCH])
    @errors(404, 412, 428)
    @blp.arguments(SitePatchSchema)
    @blp.response(200, SiteDetailSchema)
    def patch(self, data, site_id):
        """Change a site's status (with reason and reopening date) or other fields.

        Needs If-Match with the site's ETag; answers 412 if someone changed it first.
        """
        principal = g.principal
        site = _site_or_404(site_id)
        require_site(principal, site)
        _check_if_match(site)
        try:
            changes.change_site(site, data, principal)
        except changes.StaleWrite:
            _stale()
        return _site_response(site)


@blp.route("/sites/<string:site_id>/confirm")
class SiteConfirm(MethodView):
    @blp.doc(security=SECURITY)
    @errors(404, 412)
    @blp.response(200, SiteDetailSchema)
    def post(self, site_id):
        """ "The status is still right": set the site's confirmation date to now."""
        principal = g.principal
        site = _site_or_404(site_id)
        require_site(principal, site)
        try:
            changes.confirm_site(site, principal)
        except changes.StaleWrite:
            _stale()
        return _site_response(site)


@blp.route("/sites/<string:site_id>/contacts")
class SiteContacts(MethodView):
    @blp.doc(security=SECURITY)
    @errors(404, 412)
    @blp.arguments(ContactInSchema)
    @blp.response(201, ContactOutSchema)
    def post(self, data, site_id):
        """Add a contact (public, or admin-only with public=false)."""
        principal = g.principal
        site = _site_or_404(site_id)
        require_site(principal, site)
        try:
            return changes.add_contact(site, data, principal)
        except changes.StaleWrite:
            _stale()


def _contact_or_404(site: Site, contact_id: int) -> Contact:
    contact = changes.contact_of(site, contact_id)
    if contact is None:
        abort(404, message=t("Contact inconnu pour ce centre.", "No such contact at this site."))
    return contact


@blp.route("/sites/<string:site_id>/contacts/<int:contact_id>")
class SiteContact(MethodView):
    @blp.doc(security=SECURITY)
    @errors(404, 412)
    @blp.arguments(ContactPatchSchema)
    @blp.response(200, ContactOutSchema)
    def patch(self, data, site_id, contact_id):
        """Change a contact."""
        principal = g.principal
        site = _site_or_404(site_id)
        require_site(principal, site)
        contact = _contact_or_404(site, contact_id)
        try:
            changes.update_contact(site, contact, data, principal)
        except changes.StaleWrite:
            _stale()
        return contact

    @blp.doc(security=SECURITY)
    @errors(404, 412)
    @blp.response(204)
    def delete(self, site_id, contact_id):
        """Remove a contact."""
        principal = g.principal
        site = _site_or_404(site_id)
        require_site(principal, site)
        contact = _contact_or_404(site, contact_id)
        try:
            changes.delete_contact(site, contact, principal)
        except changes.StaleWrite:
            _stale()


@blp.route("/sites")
class SiteCreate(MethodView):
    @blp.doc(security=SECURITY)
    @errors(409)
    @blp.arguments(NewSiteSchema)
    @blp.response(201, SiteDetailSchema)
    def post(self, data):
        """A new site joins a study (network admin only)."""
        principal = g.principal
        require_network_admin(principal)
        if db.session.scalar(db.select(Study).where(Study.slug == data["study"])) is None:
            abort(
                422,
                message=t("Étude inconnue.", "Unknown study."),
                errors={"json": {"study": ["unknown study"]}},
            )
        if db.session.scalar(db.select(Site.id).where(Site.slug == data["id"])) is not None:
            abort(409, message=t("Ce centre existe déjà.", "This site already exists."))
        site = changes.create_site(data, principal)
        return _site_response(site, 201)


@blp.route("/audit")
class Audit(MethodView):
    @blp.doc(security=SECURITY)
    @errors()
    @blp.arguments(AuditQuerySchema(), location="query")
    @blp.response(200, AuditEventSchema(many=True))
    def get(self, args):
        """The audit log, newest first (network admin only)."""
        principal = g.principal
        require_network_admin(principal)
        query = db.select(AuditEvent).order_by(AuditEvent.id.desc()).limit(args["limit"])
        if "site" in args:
            query = query.where(AuditEvent.target == f"site:{args['site']}")
        return db.session.scalars(query).all()
