"""Rare-disease reference centres (FAI²R) the sites belong to."""

from flask.views import MethodView
from flask_smorest import Blueprint
from sqlalchemy.orm import selectinload

from sitedir.extensions import db
from sitedir.models import ReferenceCentre
from sitedir.schemas import ReferenceCentreSchema

blp = Blueprint(
    "reference_centres",
    __name__,
    url_prefix="/api/v1/reference-centres",
    description="Rare-disease reference centres",
)


@blp.route("")
class ReferenceCentres(MethodView):
    @blp.response(200, ReferenceCentreSchema(many=True))
    def get(self):
        """List the reference centres, with their public contacts."""
        return db.session.scalars(
            db.select(ReferenceCentre)
            .order_by(ReferenceCentre.key)
            .options(
                selectinload(ReferenceCentre.institution),
                selectinload(ReferenceCentre.contacts),
            )
        ).all()
