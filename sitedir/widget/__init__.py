"""The public search page (/), the embeddable frame (/widget/frame) and its embed script.

This package's blueprint; its pages are views.py's, the answer they show answer.py's.
"""

from flask import Blueprint

blp = Blueprint(
    "widget",
    __name__,
    template_folder="templates",
    static_folder="static",
    static_url_path="/widget/static",
)


def register_widget(app, api) -> None:
    """Register the search page, the study list, the frame and the configurator (plain
    pages, not in the OpenAPI document: `api` unused)."""
    from sitedir.widget import views  # noqa: F401 - its pages join the blueprint

    app.register_blueprint(blp)
