"""Admin writes under /api/v1: bearer tokens, scoped to sites, If-Match on every change.

Site and contact changes need If-Match with the record's ETag (428 without, 412 when
stale); `If-Match: *` would overwrite whatever is there, so it is refused like a missing
one. Answers are built before the change is committed (see sitedir.directory.changes).
"""

from http import HTTPStatus

from flask import g, jsonify, request
from flask.views import MethodView
from flask_smorest import Blueprint, abort

from sitedir.admin.auth import Principal, bearer_principal, require_network_admin, require_site
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
from sitedir.directory import changes, sites
from sitedir.extensions import db
from sitedir.i18n import t
from sitedir.models import Contact, Institution, Site, Study
from sitedir.schemas import SiteDetailSchema
from sitedir.web.problems import problem_response

blp = Blueprint(
    "admin_api",
    __name__,
    url_prefix="/api/v1",
    description="Admin writes (bearer token; site admins only on their own sites)",
)
SECURITY: list[dict[str, list[str]]] = [{"bearerAuth": []}]
IF_MATCH = {
    "in": "header",
    "name": "If-Match",
    "required": True,
    # "*" (a blind overwrite) is refused with 428, as a missing header is: the description
    # says so. A schema constraint would make the fuzzer's negative If-Match cases, which
    # the tests replace by real ETags, read as accepted violations.
    "schema": {"type": "string"},
    "description": (
        "The ETag of your last GET /api/v1/sites/{site_id} (412 if it changed; 428 when "
        "missing or `*`: a `*` matches any version, so it would overwrite a colleague's "
        "change unseen)."
    ),
}
CONTACT_IF_MATCH = {
    **IF_MATCH,
    "description": (
        "The contact's ETag, from GET /api/v1/sites/{site_id}/contacts/{contact_id} or the "
        "answer that created or last changed it (412 if it changed; 428 when missing or `*`, "
        "which would overwrite a colleague's change unseen)."
    ),
}
ETAG_HEADER = {
    "ETag": {"description": "The record's entity tag, for If-Match", "schema": {"type": "string"}}
}
# Admin reads may hold admin-only contacts: no cache keeps them.
NO_STORE = {"Cache-Control": "no-store"}


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


def site_or_404(site_id: str, principal: Principal | None = None) -> Site:
    """The site with this id, or 404; with a principal, 403 unless it may change the site."""
    site = sites.site_or_404(site_id)
    if principal is not None:
        require_site(principal, site)
    return site


def _check_if_match(current: str, stale) -> None:
    """428 without If-Match or with `*`; `stale()` when it names another version."""
    header = request.headers.get("If-Match", "")
    if not header.strip():
        abort(
            428,
            message=t(
                "En-tête If-Match requis : l'ETag de la dernière lecture (GET).",
                "If-Match is required: the ETag of your last read (GET).",
            ),
        )
    if request.if_match.star_tag or any(tag.strip() == "*" for tag in header.split(",")):
        # "*" matches any version: a blind overwrite of whatever someone else wrote.
        abort(
            428,
            message=t(
                "If-Match: * refusé : il accepterait n'importe quelle version, et écraserait "
                "sans le voir ce qu'un collègue a changé depuis votre lecture ; envoyez l'ETag "
                "de la dernière lecture (GET).",
                "If-Match: * is refused: it would match any version, and silently overwrite "
                "what a colleague changed since your read; send the ETag of your last read "
                "(GET).",
            ),
        )
    if not request.if_match.contains(current):
        stale()


STALE = {
    "site": (
        "Ce centre a été modifié entre-temps : relisez-le puis recommencez.",
        "This site was changed in the meantime: read it again, then retry.",
    ),
    "contact": (
        "Ce contact a été modifié entre-temps : relisez-le puis recommencez.",
        "This contact was changed in the meantime: read it again, then retry.",
    ),
}


def _stale():
    abort(412, message=t(*STALE["site"]))


def _stale_contact():
    abort(412, message=t(*STALE["contact"]))


@blp.errorhandler(changes.StaleWrite)
def _stale_write(error):
    """Someone else's write got there first, found at flush or commit: 412, in one place."""
    what = "contact" if "contact_id" in (request.view_args or {}) else "site"
    return problem_response(412, t(*STALE[what]))


@blp.errorhandler(changes.ReasonRequired)
def _reason_required(error):
    """A suspended, terminated or withdrawn site without a public reason: 422, nothing
    written, the field named as a refused parameter is."""
    reason = t(error.fr, error.en)
    return problem_response(
        422,
        t("Certains paramètres sont invalides : ", "Some parameters are invalid: ")
        + f"{error.field}: {reason}",
        invalid_params=[{"name": error.field, "in": "json", "reason": reason}],
    )


def _answer(body, status: int, etag: str):
    """A JSON answer with its ETag, built before the change it reports is committed."""
    response = jsonify(body)
    response.status_code = status
    response.headers["ETag"] = f'"{etag}"'
    return response


def _site_answer(site: Site, status: int = 200):
    return _answer(SiteDetailSchema().dump(site), status, site.etag)


def _contact_answer(contact: Contact, status: int = 200):
    response = _answer(ContactOutSchema().dump(contact), status, changes.contact_etag(contact))
    response.headers.update(NO_STORE)
    return response


@blp.route("/sites/<string:site_id>")
class SiteWrite(MethodView):
    @blp.doc(security=SECURITY, parameters=[IF_MATCH])
    @errors(404, 412, 428)
    @blp.arguments(SitePatchSchema)
    @blp.response(200, SiteDetailSchema, headers=ETAG_HEADER)
    def patch(self, data, site_id):
        """Change a site's status (with reason and reopening date) or other fields.

        Needs If-Match with the site's ETag; answers 412 if someone changed it first.
        """
        principal = g.principal
        site = site_or_404(site_id, principal)
        _check_if_match(site.etag, _stale)
        return changes.change_site(site, data, principal, lambda: _site_answer(site))


@blp.route("/sites/<string:site_id>/confirm")
class SiteConfirm(MethodView):
    @blp.doc(security=SECURITY)
    @errors(404, 412)
    @blp.response(200, SiteDetailSchema)
    def post(self, site_id):
        """ "The status is still right": set the site's confirmation date to now."""
        principal = g.principal
        site = site_or_404(site_id, principal)
        return changes.confirm_site(site, principal, lambda: _site_answer(site))


@blp.route("/sites/<string:site_id>/contacts")
class SiteContacts(MethodView):
    @blp.doc(security=SECURITY)
    @errors(404)
    @blp.response(200, ContactOutSchema(many=True))
    def get(self, site_id):
        """The site's contacts, admin-only ones included, each with its ETag."""
        principal = g.principal
        site = site_or_404(site_id, principal)
        return site.contacts, 200, NO_STORE

    @blp.doc(security=SECURITY)
    @errors(404, 412)
    @blp.arguments(ContactInSchema)
    @blp.response(201, ContactOutSchema, headers=ETAG_HEADER)
    def post(self, data, site_id):
        """Add a contact (public, or admin-only with public=false); answers its ETag."""
        principal = g.principal
        site = site_or_404(site_id, principal)
        return changes.add_contact(
            site, data, principal, lambda contact: _contact_answer(contact, 201)
        )


def _contact_or_404(site: Site, contact_id: int) -> Contact:
    contact = changes.contact_of(site, contact_id)
    if contact is None:
        abort(404, message=t("Contact inconnu pour ce centre.", "No such contact at this site."))
    return contact


@blp.route("/sites/<string:site_id>/contacts/<int:contact_id>")
class SiteContact(MethodView):
    @blp.doc(security=SECURITY)
    @errors(404)
    @blp.response(200, ContactOutSchema, headers=ETAG_HEADER)
    def get(self, site_id, contact_id):
        """One contact of the site (admin-only ones too), with its ETag for If-Match."""
        principal = g.principal
        site = site_or_404(site_id, principal)
        return _contact_answer(_contact_or_404(site, contact_id))

    @blp.doc(security=SECURITY, parameters=[CONTACT_IF_MATCH])
    @errors(404, 412, 428)
    @blp.arguments(ContactPatchSchema)
    @blp.response(200, ContactOutSchema, headers=ETAG_HEADER)
    def patch(self, data, site_id, contact_id):
        """Change a contact.

        Needs If-Match with the contact's ETag; answers 412 if someone changed it first.
        """
        principal = g.principal
        site = site_or_404(site_id, principal)
        contact = _contact_or_404(site, contact_id)
        _check_if_match(changes.contact_etag(contact), _stale_contact)
        return changes.update_contact(
            site, contact, data, principal, lambda: _contact_answer(contact)
        )

    @blp.doc(security=SECURITY, parameters=[CONTACT_IF_MATCH])
    @errors(404, 412, 428)
    @blp.response(204)
    def delete(self, site_id, contact_id):
        """Remove a contact.

        Needs If-Match with the contact's ETag; answers 412 if someone changed it first.
        """
        principal = g.principal
        site = site_or_404(site_id, principal)
        contact = _contact_or_404(site, contact_id)
        _check_if_match(changes.contact_etag(contact), _stale_contact)
        changes.delete_contact(site, contact, principal)


@blp.route("/sites")
class SiteCreate(MethodView):
    @blp.doc(security=SECURITY)
    @errors(409)
    @blp.arguments(NewSiteSchema)
    @blp.response(201, SiteDetailSchema, headers=ETAG_HEADER)
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
            _site_exists()
        # The new institution takes the site's id as its key: it must be free too.
        taken = db.select(Institution.id).where(Institution.key == data["id"])
        if db.session.scalar(taken) is not None:
            abort(
                409,
                message=t(
                    "Un établissement porte déjà cet identifiant : choisissez-en un autre.",
                    "An institution already has this id: choose another.",
                ),
            )
        try:
            return changes.create_site(data, principal, lambda site: _site_answer(site, 201))
        except changes.Conflict:
            _site_exists()  # created by someone else meanwhile


def _site_exists():
    abort(409, message=t("Ce centre existe déjà.", "This site already exists."))


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
        return db.session.scalars(query).all(), 200, NO_STORE
