"""The widget's pages: the search page (/), one study's page (/etudes/<slug>), the study
list (/etudes), the embeddable frame (/widget/frame), the answer alone (/widget/answer),
the theme's CSS, the configurator (/widget) and embed.js; all on the package's blueprint."""

import html as html_text
import json
import re
from pathlib import Path
from urllib.parse import urlencode

from flask import (
    Response,
    abort,
    current_app,
    render_template,
    request,
    send_from_directory,
    url_for,
)
from werkzeug.datastructures import MultiDict

from sitedir.directory.paging import RowLists
from sitedir.domain.vocabulary import SLUG_RE
from sitedir.extensions import db
from sitedir.i18n import current_language
from sitedir.models import Study
from sitedir.readmodel.degraded import DATABASE_ERRORS
from sitedir.readmodel.snapshot import current_snapshot
from sitedir.web.hosts import public_root
from sitedir.widget import blp, colors, settings
from sitedir.widget.answer import compute, title_lead
from sitedir.widget.projection import project
from sitedir.widget.settings import FONT_STACK
from sitedir.widget.strings import script_strings, strings_for
from sitedir.widget.study_list import list_page
from sitedir.widget.study_view import all_trials_href, related_condition, study_view

STATIC = Path(__file__).with_name("static")
MAP = json.loads((Path(__file__).with_name("data") / "france.json").read_text(encoding="utf-8"))
DEFAULT_ACCENT = "#00665e"
REGION_NAMES = {r["code"]: r["name"] for r in MAP["regions"] + MAP["insets"]}

# The frame is made to be embedded anywhere; the home page only by itself.
FRAME_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors *"
)
ACCENT = re.compile(r"#[0-9a-fA-F]{3}([0-9a-fA-F]{3})?")
REGION = re.compile(r"[0-9]{2,3}")
SLUG = re.compile(SLUG_RE)
LIMIT = re.compile(r"[0-9]{1,2}")
THEME = re.compile(r"light|dark|auto")
LANG = re.compile(r"fr|en")
# What a page URL carries besides the origin, checked as _options reads it.
PATTERNS = {
    "study": SLUG,
    "region": REGION,
    "limit": LIMIT,
    "accent": ACCENT,
    "theme": THEME,
    "bg": ACCENT,
    # The host's font stack, sent by embed.js for data-font="inherit".
    "host_font": FONT_STACK,
}
# The frame's looks: carried along inside the frame only.
LOOKS = ("accent", "theme", "bg", "host_font")


def _valid(args, name: str, pattern: re.Pattern, default: str) -> str:
    # fullmatch: "$" would let a trailing newline through.
    value = args.get(name, "")
    return value if pattern.fullmatch(value) else default


def _options(args=None) -> dict:
    """Read the widget's options from the query string; ignore what is malformed."""
    args = request.args if args is None else args
    # ASCII digits only: "²" is a digit to str.isdigit, and int() refuses it.
    limit = int(_valid(args, "limit", LIMIT, "3"))
    return {
        "study": _valid(args, "study", SLUG, current_app.config["DEFAULT_STUDY"]),
        "region": _valid(args, "region", REGION, ""),
        "limit": limit if 1 <= limit <= 10 else 3,
        "accent": _valid(args, "accent", ACCENT, ""),
        "theme": _valid(args, "theme", THEME, "auto"),
        "bg": _valid(args, "bg", ACCENT, ""),
        "host_font": _valid(args, "host_font", FONT_STACK, "")
        if args.get("font") == "inherit"
        else "",
    }


def _keep(args, embedded: bool) -> dict:
    """The well-formed page parameters of this URL, to carry along in the answer's links."""
    keep = {}
    if LANG.fullmatch(args.get("lang", "")):
        keep["lang"] = args["lang"]
    for name, pattern in PATTERNS.items():
        if name in LOOKS and not embedded:
            continue
        if pattern.fullmatch(args.get(name, "")):
            keep[name] = args[name]
    if embedded and "host_font" in keep:
        keep["font"] = "inherit"
    return keep


def _markers(options: dict) -> list[dict]:
    """The map's and the legend's sites: made once per snapshot, study and region (a page
    view reads them; it never walks every site)."""
    snapshot = current_snapshot()
    if options["study"] not in snapshot.studies:
        return []
    memo = current_app.extensions.get("sitedir_markers")
    if memo is None or memo[0] is not snapshot:
        by_filter: dict[tuple[str, str | None], list[dict]] = {}
        memo = current_app.extensions["sitedir_markers"] = (snapshot, by_filter)
    key = (options["study"], options["region"])
    markers = memo[1].get(key)
    if markers is None:
        lists = snapshot.lists or RowLists(snapshot.rows)
        filters = {"study": options["study"], "region": options["region"] or None}
        rows, _ = lists.page(filters, None, len(snapshot.rows))
        markers = memo[1][key] = [_marker_of(row) for row in rows]
    return markers


def _marker_of(row) -> dict:
    """The row's map marker, made again only when its row was (the read model's entry)."""
    made = current_app.extensions.setdefault("sitedir_marker_entries", {})
    found = made.get(row.id)
    if found is None or found[0] is not row:
        found = made[row.id] = (row, _marker(row))
        counts = current_app.extensions.setdefault("sitedir_marker_rebuilt", [0])
        counts[0] += 1
    return found[1]


def _marker(row) -> dict:
    point = project(row.latitude, row.longitude)
    # A site the map cannot show is still in the list beside it.
    x, y = (round(point[0], 1), round(point[1], 1)) if point else (None, None)
    # Only what page.html reads of a site: a map of 100,000 sites keeps no full copy of each.
    site = row.data
    return {"id": row.id, "x": x, "y": y, "site": {k: site[k] for k in MARKER_FIELDS}}


MARKER_FIELDS = ("name", "city", "is_open", "status_label", "provenance")


def _studies() -> list:
    """The studies, as last read: while the database fails and the snapshot is served
    degraded (readmodel/degraded.py), the page is drawn from the list read last."""
    try:
        studies = list(db.session.scalars(db.select(Study).order_by(Study.slug)))
    except DATABASE_ERRORS:
        last = current_app.extensions.get("sitedir_widget_studies")
        current_snapshot()  # raises again past the bound; marks the answer stale within it
        if last is None:
            raise
        return last
    current_app.extensions["sitedir_widget_studies"] = studies
    return studies


def _study_texts(study, lang: str, strings: dict) -> dict:
    if study is None:
        return {"eligibility": "", "disclaimer": "", "central_contacts": [], "study": None}
    en = lang == "en"
    return {
        "eligibility": study.eligibility_en if en else study.eligibility_fr,
        "disclaimer": study.disclaimer_en if en else study.disclaimer_fr,
        # An imported study's registry contacts (sitedir/contact/templates/study_contacts.html).
        "central_contacts": (study.details or {}).get("central_contacts") or [],
        "study": study_view(study, strings, lang),
    }


def _all_trials_href(study, lang: str, origin: dict | None = None) -> str | None:
    """The link to every study of this study's condition, when it has others."""
    related = related_condition(study, current_snapshot().catalogue)
    return all_trials_href(related[0], origin, lang) if related else None


def _search_answer(args, options: dict, lang: str, strings: dict, embedded: bool, study):
    found = compute(args, options, _keep(args, embedded), lang, strings, embedded, study)
    if found is not None:
        found["title_lead"] = title_lead(found, strings)
        found.update(_study_texts(study, lang, strings))
        origin = found.get("origin") or {}
        town = {"insee": origin["insee"]} if origin.get("insee") else None
        found["all_trials_href"] = None if embedded else _all_trials_href(study, lang, town)
    return found


def _theme_href(options: dict) -> str | None:
    looks = {k: options[k] for k in ("accent", "bg") if options[k]}
    if options.get("host_font"):
        looks.update(font="inherit", host_font=options["host_font"])
    return url_for("widget.theme_css", **looks) if looks else None


def _frame_title(study, strings: dict, lang: str, region: str) -> str:
    """The iframe's title embed.js sets (RGAA 2.2): the study's condition and the région,
    so that two widgets of one page differ unless they are the same search."""
    what = (study.condition_en if lang == "en" else study.condition_fr) if study else ""
    title = strings["frame_title"].format(study=what) if what else strings["title"]
    return f"{title} — {REGION_NAMES[region]}" if region in REGION_NAMES else title


def _page(embedded: bool, slug: str | None = None):
    lang = current_language()
    options = _options()
    studies = _studies()
    if slug is not None:  # /etudes/<slug>: the path names the study
        options["study"] = slug
    study = next((st for st in studies if st.slug == options["study"]), None)
    if slug is not None and study is None:
        return list_page(missing=slug)
    strings = strings_for(lang)
    args = request.args
    if slug is not None:  # the answer's links name the study, as the path does
        args = MultiDict(
            [*((k, v) for k, v in args.items(multi=True) if k != "study"), ("study", slug)]
        )
    found = _search_answer(args, options, lang, strings, embedded, study)
    typed = request.args.get("q", "")[:200] if found else ""
    if found and found["state"] == "ok" and "insee" in found["query"]:
        typed = found["label"]
    keep = _keep(request.args, embedded)
    html = render_template(
        "widget/page.html",
        lang=lang,
        s=strings,
        embedded=embedded,
        options=options,
        keep={k: v for k, v in keep.items() if k != "study" or (len(studies) < 2 and slug is None)},
        study=study,
        sv=study_view(study, strings, lang),
        path_study=slug,
        all_trials_href=None if embedded else _all_trials_href(study, lang),
        form_action=(
            url_for("widget.study_page", slug=slug)
            if slug is not None
            else url_for("widget.frame" if embedded else "widget.home")
        ),
        full_page_href=url_for("widget.study_page", slug=study.slug, lang=lang)
        if study is not None
        else url_for("widget.home", lang=lang),
        studies=studies if len(studies) > 1 and slug is None else [],
        markers=_markers(options),
        region_name=REGION_NAMES.get(options["region"]),
        frame_title=_frame_title(study, strings, lang, options["region"]),
        # A search asked with an empty field: said, and tied to the field (RGAA 11.10).
        empty_query="q" in request.args and not found and not request.args["q"].strip(),
        map=MAP,
        answer=found,
        typed=typed,
        theme_href=_theme_href(options),
        js_strings=script_strings(lang),
        other_lang_href="?"
        + urlencode({**request.args.to_dict(), "lang": "en" if lang == "fr" else "fr"}),
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


@blp.get("/etudes")
def studies():
    """The study list for doctors: by condition, words or open; with the patient's town,
    each study's nearest open site."""
    return list_page()


@blp.get("/etudes/<slug>")
def study_page(slug: str):
    """One study's page: the same search as /?study=<slug>, at a path a doctor can read."""
    if not SLUG.fullmatch(slug):
        return list_page(missing=slug[:64])
    return _page(embedded=False, slug=slug)


@blp.get("/widget/frame")
def frame():
    """The same search, compact, for the iframe that embed.js inserts; a notice naming
    each wrong setting instead, when the host's tag has one (embed.js warns in its console)."""
    known = [st.slug for st in _studies()]
    wrong = settings.problems(request.args, known, sorted(REGION_NAMES))
    if wrong:
        return _invalid_frame(wrong)
    return _page(embedded=True)


def _invalid_frame(wrong: list) -> Response:
    lang = current_language()
    html = render_template(
        "widget/invalid.html",
        lang=lang,
        s=strings_for(lang),
        problems=wrong,
        problems_json=[p.as_dict() for p in wrong],
        full_page_href=url_for("widget.home", lang=lang),
    )
    response = current_app.response_class(html, mimetype="text/html")
    response.headers["Content-Security-Policy"] = FRAME_CSP
    response.headers["Content-Language"] = lang
    response.headers["Cache-Control"] = "no-cache"
    response.vary.add("Accept-Language")
    return response


@blp.get("/widget/answer")
def answer():
    """The answer alone, as HTML: what the page's script puts in place of the last one.
    Rendered by the same macro as a plain form submission's page."""
    lang = current_language()
    embedded = request.args.get("view") == "frame"
    options = _options()
    study = next((st for st in _studies() if st.slug == options["study"]), None)
    strings = strings_for(lang)
    found = _search_answer(request.args, options, lang, strings, embedded, study)
    if found is None:
        return current_app.response_class(
            render_template("widget/fragment.html", answer=None, s=strings, lang=lang),
            status=400,
            mimetype="text/html",
        )
    html = render_template(
        "widget/fragment.html", answer=found, s=strings, lang=lang, embedded=embedded
    )
    response = current_app.response_class(html, mimetype="text/html")
    if embedded:
        response.headers["Content-Security-Policy"] = FRAME_CSP
    response.headers["Content-Language"] = lang
    response.headers["Cache-Control"] = "no-cache"
    response.vary.add("Accept-Language")
    return response


@blp.get("/widget/theme.css")
def theme_css():
    """The accent and the host's background, made readable in the light and dark themes."""
    options = _options()
    css = colors.theme_css(options["accent"], options["bg"], options["host_font"])
    response = current_app.response_class(css, mimetype="text/css")
    response.cache_control.public = True
    response.cache_control.max_age = 86400
    return response


@blp.get("/widget")
def configure():
    """The configurator: choose the options, see the widget, copy its tag."""
    lang = current_language()
    strings = strings_for(lang)
    studies = _studies()
    args = request.args
    wlang = _valid(args, "wlang", LANG, "fr")
    options = _options()
    limit = options["limit"]
    origin = public_root()
    # Only what the frame accepts (widget/settings.py): the tag is never a wrong one.
    known = [st.slug for st in studies]
    if options["study"] not in known and known:
        options["study"] = known[0]
    if options["region"] not in REGION_NAMES:
        options["region"] = ""
    data = {"study": options["study"], "lang": wlang}
    if options["region"]:
        data["region"] = options["region"]
    data["limit"] = str(limit)
    accent = options["accent"] or DEFAULT_ACCENT
    if accent.lower() != DEFAULT_ACCENT:
        data["accent"] = accent
    data["theme"] = options["theme"]
    # The frame's title as embed.js takes it (1 to 200 characters, spaces folded), and the
    # font: "system" is the default, left out of the tag.
    title = " ".join(args.get("title", "").split())[:200]
    if title:
        data["title"] = title
    font = args.get("font") if args.get("font") in ("system", "inherit") else "system"
    if font == "inherit":
        data["font"] = "inherit"
    regions = sorted(MAP["regions"] + MAP["insets"], key=lambda r: r["name"])
    html = render_template(
        "widget/configure.html",
        lang=lang,
        s=strings,
        studies=studies,
        regions=regions,
        options=options,
        wlang=wlang,
        accent=accent,
        data=data,
        # The tag is shown as text: each value escaped as an attribute once here, and the
        # whole once more by Jinja, so what is copied is the attribute a host page needs
        # (a title's `"` stays inside data-title, as configure.js's quoted() writes it).
        tag_values={k: html_text.escape(v, quote=True) for k, v in data.items()},
        origin=origin,
        font=font,
        # The frame's own URL takes no title: embed.js sets it on the <iframe>.
        frame_src=url_for("widget.frame", **{k: v for k, v in data.items() if k != "title"}),
        js_strings=script_strings(lang),
        lang_explicit=LANG.fullmatch(args.get("lang", "")) is not None,
        other_lang_href="?" + urlencode({**args.to_dict(), "lang": "en" if lang == "fr" else "fr"}),
    )
    response = current_app.response_class(html, mimetype="text/html")
    response.headers["Content-Language"] = lang
    response.vary.add("Accept-Language")
    return response


@blp.get("/widget/embed.js")
def embed():
    """The one script a host page includes: it inserts and sizes the iframe."""
    if not (STATIC / "embed.js").exists():
        abort(404)
    response = send_from_directory(STATIC, "embed.js", max_age=3600)
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response
