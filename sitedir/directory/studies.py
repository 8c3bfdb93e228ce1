"""Studies: what the trial is, who it is for, and its pathway."""

from flask.views import MethodView
from flask_smorest import Blueprint, abort

from sitedir.extensions import db
from sitedir.i18n import t
from sitedir.models import Study
from sitedir.schemas import StudySchema

blp = Blueprint("studies", __name__, url_prefix="/api/v1/studies", description="Studies")


def get_study_or_404(slug: str) -> Study:
    """Return the study with this slug, or answer 404 in words."""
    study = db.session.scalar(db.select(Study).where(Study.slug == slug))
    if study is None:
        abort(404, message=t(f"Étude inconnue : {slug!r}.", f"Unknown study: {slug!r}."))
    return study


@blp.route("")
class Studies(MethodView):
    @blp.response(200, StudySchema(many=True))
    def get(self):
        """List the studies."""
        return db.session.scalars(db.select(Study).order_by(Study.slug)).all()


@blp.route("/<string:slug>")
class StudyItem(MethodView):
    @blp.response(200, StudySchema)
    def get(self, slug):
        """One study: titles, eligibility summary, pathway steps, provenance."""
        return get_study_or_404(slug)
