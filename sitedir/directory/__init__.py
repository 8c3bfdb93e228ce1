"""The public, read-only directory API under /api/v1."""

from sitedir.directory import nearest, places, reference_centres, sites, studies
from sitedir.schemas import NearestAcrossStudiesSchema

BLUEPRINTS = (studies.blp, sites.blp, reference_centres.blp, places.blp, nearest.blp)


def register_directory(app, api) -> None:
    """Register every read blueprint on the flask-smorest Api (`app` unused: every
    feature is registered the same way, app.py's FEATURES)."""
    # Named in nearest's oneOf, which no decorator publishes by itself.
    api.document(
        lambda spec: spec.components.schema(
            "NearestAcrossStudies", schema=NearestAcrossStudiesSchema
        )
    )
    for blueprint in BLUEPRINTS:
        api.register_blueprint(blueprint)
