"""Contact requests in the JSON API.

Public (CORS, any origin, no credentials): `GET /api/v1/sites/<id>/contact-form` issues a
form token; `POST /api/v1/sites/<id>/contact-requests` takes a request with it (201 and
the reference). Admin (bearer token, scoped like every admin read): `GET
/api/v1/contact-requests`, registered on the admin API's blueprint.
"""

from flask import current_app, g
from flask.views import MethodView
from flask_smorest import Blueprint, abort

from sitedir.admin.api import NO_STORE, SECURITY, errors
from sitedir.admin.api import blp as admin_blp
from sitedir.contact import form_token, service
from sitedir.contact.intake import TooMany, submit
from sitedir.contact.models import ContactRequest
from sitedir.contact.schemas import (
    ContactFormSchema,
    ContactRequestCreatedSchema,
    ContactRequestInSchema,
    ContactRequestSchema,
    ContactRequestsQuerySchema,
)
from sitedir.contact.strings import contact_strings
from sitedir.directory.sites import site_or_404
from sitedir.extensions import db
from sitedir.i18n import current_language
from sitedir.models import Site

blp = Blueprint(
    "contact_api",
    __name__,
    url_prefix="/api/v1/sites",
    description="Contact requests: a referring doctor asks a site to call back",
)


def token_refusal(reason: str) -> str:
    """The words for a refused form token, in the asker's language."""
    return contact_strings(current_language())[f"token_{reason}"]


@blp.route("/<string:site_id>/contact-form")
class ContactForm(MethodView):
    @blp.response(200, ContactFormSchema)
    def get(self, site_id):
        """A form token for this site's contact requests (spent once; see the POST)."""
        site = site_or_404(site_id)
        config = current_app.config
        body = {
            "token": form_token.issue(site.slug),
            "min_fill_seconds": config["CONTACT_MIN_FILL_SECONDS"],
            "max_age_seconds": config["CONTACT_TOKEN_MAX_AGE"],
        }
        # A token is for one form: no cache may hand it to someone else.
        return body, 200, NO_STORE


@blp.route("/<string:site_id>/contact-requests")
class ContactRequests(MethodView):
    @blp.alt_response(409, response="CONFLICT")
    @blp.alt_response(429, response="TOO_MANY_REQUESTS")
    @blp.arguments(ContactRequestInSchema)
    @blp.response(201, ContactRequestCreatedSchema)
    def post(self, data, site_id):
        """Ask this site to contact you (the referring doctor): no detail of the patient.

        Needs a token from GET /api/v1/sites/{site_id}/contact-form, sent at least
        `min_fill_seconds` after it was issued; rate-limited per address and per email.
        The site's admins (else the network admins) are emailed; the answer's reference
        is the one to quote.
        """
        site = site_or_404(site_id, Site.study, Site.institution)
        try:
            made = submit(site, data, current_language())
        except form_token.TokenRefused as refused:
            abort(
                422,
                message=token_refusal(refused.reason),
                errors={"json": {"token": [token_refusal(refused.reason)]}},
            )
        except service.TokenSpent:
            abort(409, message=token_refusal("spent"))
        except TooMany as too_many:
            minutes = max(1, round(too_many.seconds / 60))
            abort(
                429,
                message=contact_strings(current_language())["too_many"].format(minutes=minutes),
                headers={"Retry-After": str(too_many.seconds)},
            )
        body = {
            "reference": made.reference,
            "site": site.slug,
            "kind": made.kind,
            "created_at": made.created_at,
        }
        return body, 201, {"Cache-Control": "no-store"}


@admin_blp.route("/contact-requests")
class ContactRequestList(MethodView):
    @admin_blp.doc(security=SECURITY)
    @errors()
    @admin_blp.arguments(ContactRequestsQuerySchema(), location="query")
    @admin_blp.response(200, ContactRequestSchema(many=True))
    def get(self, args):
        """Contact requests of your sites (network admins: all), newest first."""
        query = service.visible_to(g.principal).order_by(ContactRequest.id.desc())
        if "status" in args:
            query = query.where(ContactRequest.status == args["status"])
        if "site" in args:
            query = query.where(Site.slug == args["site"])
        rows = db.session.scalars(query.limit(args["limit"])).all()
        return rows, 200, NO_STORE
