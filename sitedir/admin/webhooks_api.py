"""Webhook endpoints under /api/v1/webhooks, on the admin API (network admins only).

Routes are added to the admin API's blueprint: the same bearer check, the same rate-limit
budget, and no cross-origin headers.
"""

from typing import NoReturn

import marshmallow as ma
from flask import g
from flask.views import MethodView
from flask_smorest import abort

from sitedir.admin.api import NO_STORE, SECURITY, blp, errors
from sitedir.admin.auth import require_network_admin
from sitedir.events import addresses, endpoints, pausing
from sitedir.events.models import WebhookEndpoint
from sitedir.events.outbox import EVENT_TYPES
from sitedir.extensions import db
from sitedir.i18n import t
from sitedir.schemas import Pattern, UtcDateTime

# Printable ASCII after http(s)://; addresses.check_url then checks what it names.
WEBHOOK_URL_RE = r"^https?://[!-~]+$"


class WebhookInSchema(ma.Schema):
    url = ma.fields.String(
        required=True,
        validate=[ma.validate.Length(min=1, max=2000), Pattern(WEBHOOK_URL_RE)],
        metadata={
            "description": "http(s) URL on a public address",
            "example": "https://example.org/hook",
        },
    )
    events = ma.fields.List(
        ma.fields.String(validate=ma.validate.OneOf(EVENT_TYPES)),
        required=True,
        validate=ma.validate.Length(min=1, max=len(EVENT_TYPES)),
    )


class WebhookOutSchema(ma.Schema):
    id = ma.fields.Integer()
    url = ma.fields.String()
    events = ma.fields.List(ma.fields.String())
    active = ma.fields.Boolean()
    disabled_reason = ma.fields.String(allow_none=True)
    created_at = UtcDateTime()


class WebhookCreatedSchema(WebhookOutSchema):
    secret = ma.fields.String(
        metadata={"description": "whsec_…: shown once; verify each delivery's signature with it"}
    )


def _endpoint_or_404(endpoint_id: int) -> WebhookEndpoint:
    endpoint = db.session.get(WebhookEndpoint, endpoint_id) if 0 < endpoint_id < 2**31 else None
    if endpoint is None or endpoints.is_deleted(endpoint):
        _unknown()
    return endpoint


def _unknown() -> NoReturn:
    abort(404, message=t("Point de réception inconnu.", "Unknown webhook endpoint."))


@blp.route("/webhooks")
class Webhooks(MethodView):
    @blp.doc(security=SECURITY)
    @errors()
    @blp.response(200, WebhookOutSchema(many=True))
    def get(self):
        """The webhook endpoints (network admins only); secrets are never shown again."""
        require_network_admin(g.principal)
        return endpoints.listed(), 200, NO_STORE

    @blp.doc(security=SECURITY)
    @errors()
    @blp.arguments(WebhookInSchema)
    @blp.response(201, WebhookCreatedSchema)
    def post(self, data):
        """Register an endpoint; the answer holds its secret, shown this once."""
        require_network_admin(g.principal)
        try:
            endpoint, _ = endpoints.register(data["url"], data["events"], g.principal)
        except addresses.RefusedAddress as exc:
            abort(422, message=t(exc.fr, exc.en), errors={"json": {"url": [t(exc.fr, exc.en)]}})
        return endpoint, 201, NO_STORE


@blp.route("/webhooks/<int:endpoint_id>")
class WebhookItem(MethodView):
    @blp.doc(security=SECURITY)
    @errors(404)
    @blp.response(204)
    def delete(self, endpoint_id):
        """Stop deliveries to this endpoint."""
        require_network_admin(g.principal)
        if not endpoints.remove(_endpoint_or_404(endpoint_id), g.principal):
            _unknown()  # deleted by another request meanwhile: nothing was written
        return "", 204


@blp.route("/webhooks/<int:endpoint_id>/resume")
class WebhookResume(MethodView):
    @blp.doc(security=SECURITY)
    @errors(404, 409)
    @blp.response(200, WebhookOutSchema)
    def post(self, endpoint_id):
        """Resume a paused endpoint: the event given up goes out again first, then the
        later ones, in order."""
        require_network_admin(g.principal)
        endpoint = _endpoint_or_404(endpoint_id)
        if not pausing.resume(endpoint, g.principal):
            abort(
                409,
                message=t(
                    "Ce point de réception n'est pas en pause.",
                    "This webhook endpoint is not paused.",
                ),
            )
        return db.session.get(WebhookEndpoint, endpoint_id, populate_existing=True), 200, NO_STORE
