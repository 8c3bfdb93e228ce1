"""The public search page (/), the embeddable frame (/widget/frame) and its embed script."""

import json
import re
from pathlib import Path

from flask import Blueprint, abort, current_app, render_template, request, send_from_directory

from sitedir.directory.sites import filter_rows
from sitedir.directory.snapshot import current_snapshot
from sitedir.i18n import current_language
from sitedir.widget.projection import frames_for_browser, project
from sitedir.widget.strings import strings_for

STATIC = Path(__file__).with_name("static")
MAP = json.loads((Path(__file__).with_name("data") / "france.json").read_text(encoding="utf-8"))
REGION_NAMES = {r["code"]: r["name"] for r in MAP["regions"] + MAP["insets"]}

blp = Blueprint(
    "widget",
    __name__,
    template_folder="templates",
    static_folder="static",
    static_url_path="/widget/static",
)

# The frame is made to be embedded anywhere; the home page only by itself.
FRAME_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors *"
)
ACCENT = re.compile(r"#[0-9a-fA-F]{3}([0-9a-fA-F]{3})?")
REGION = re.compile(r"[0-9]{2,3}")
SLUG = re.compile(r"[a-z0-9]+(-[a-z0-9]+)*")
LIMIT = re.compile(r"[0-9]{1,2}")


def _options() -> dict:
    """Read the widget's options from the query string; ignore what is malformed."""
    args = request.args

    def valid(name: str, pattern: re.Pattern, default: str) -> str:
        # fullmatch: "$" would let a trailing newline through.
        value = args.get(name, "")
        return value if pattern.fullmatch(value) else default

    # ASCII digits only: "²" is a digit to str.isdigit, and int() refuses it.
    limit = int(valid("limit", LIMIT, "3"))
    return {
        "study": valid("study", SLUG, current_app.config["DEFAULT_STUDY"]),
        "region": valid("region", REGION, ""),
        "limit": limit if 1 <= limit <= 10 else 3,
        "accent": valid("accent", ACCENT, ""),
    }


def _markers(options: dict) -> list[dict]:
    rows = filter_rows(
        current_snapshot().rows, study=options["study"], region=options["region"] or None
    )
    markers = []
    for row in rows:
        point = project(row.latitude, row.longitude)
        # A site the map cannot show is still in the list beside it.
        x, y = (round(point[0], 1), round(point[1], 1)) if point else (None, None)
        markers.append({"id": row.id, "x": x, "y": y, "site": row.data})
    return markers


def _page(embedded: bool):
    lang = current_language()
    options = _options()
    from sitedir.extensions import db
    from sitedir.models import Study

    study = db.session.scalar(db.select(Study).where(Study.slug == options["study"]))
    strings = strings_for(lang)
    html = render_template(
        "widget/page.html",
        lang=lang,
        s=strings,
        embedded=embedded,
        options=options,
        study=study,
        markers=_markers(options),
        region_name=REGION_NAMES.get(options["region"]),
        map=MAP,
        frames=frames_for_browser(),
    )
    response = current_app.response_class(html, mimetype="text/html")
    if embedded:
        response.headers["Content-Security-Policy"] = FRAME_CSP
    response.headers["Content-Language"] = lang
    response.vary.add("Accept-Language")
    return response


@blp.get("/")
def home():
    """The directory, full size: what a referring doctor opens."""
    return _page(embedded=False)


@blp.get("/widget/frame")
def frame():
    """The same search, compact, for the iframe that embed.js inserts."""
    return _page(embedded=True)


@blp.get("/widget/embed.js")
def embed():
    """The one script a host page includes: it inserts and sizes the iframe."""
    if not (STATIC / "embed.js").exists():
        abort(404)
    response = send_from_directory(STATIC, "embed.js", max_age=3600)
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response
