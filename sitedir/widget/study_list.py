"""The study list for doctors (/etudes): every study, found by disease or words, and,
given the patient's town, each study's nearest open site, nearest first.

A plain GET form: it works without JavaScript, and every answer has its own URL.
"""

import re
from datetime import date
from urllib.parse import urlencode

from flask import current_app, render_template, request
from werkzeug.exceptions import HTTPException

from sitedir.directory.catalogue import find, nearest_per_study, recruiting_counts
from sitedir.directory.nearest import PlaceNotFound, resolve
from sitedir.directory.places import origin_dict
from sitedir.domain.clock import today_in_paris
from sitedir.domain.vocabulary import INSEE_RE
from sitedir.extensions import db
from sitedir.i18n import current_language
from sitedir.models import Study
from sitedir.readmodel.snapshot import current_snapshot
from sitedir.schemas import SEARCHABLE
from sitedir.widget.answer import format_km
from sitedir.widget.strings import strings_for
from sitedir.widget.study_view import study_view
from sitedir.widget.trust import trust_line

TEXT_FIELDS = ("condition", "q", "town")
INSEE = re.compile(INSEE_RE)
TRUE = ("1", "true", "on")


def _read(args, s: dict) -> tuple[dict, dict]:
    """The form's values as typed (bounded), and an error message per field refused."""
    values, errors = {}, {}
    for name in TEXT_FIELDS:
        value = args.get(name, "").strip()
        if not value:
            continue
        if len(value) > 200 or SEARCHABLE.regex.fullmatch(value) is None:
            errors[name] = s["studies_bad_field"]
            value = value[:200]
        values[name] = value
    if args.get("insee"):
        if INSEE.fullmatch(args["insee"]):
            values["insee"] = args["insee"]
        else:
            errors["town"] = s["studies_bad_field"]
    values["open"] = args.get("open", "").lower() in TRUE
    return values, errors


def _studies(slugs: list[str]) -> list[Study]:
    return list(db.session.scalars(db.select(Study).where(Study.slug.in_(slugs))))


def _site(ranked, study: Study, s: dict, lang: str, today: date, approximate: bool) -> dict:
    site = ranked.item.data
    stale_days = current_app.config["STALE_DAYS"]
    verified = (study.details or {}).get("status_verified")
    trust = trust_line(site, s, lang, today, stale_days, verified)
    km = format_km(round(ranked.distance_km, 1), lang)
    contacts = [
        {**c, "tel": re.sub(r"[^+\d]", "", c["phone"]) if c.get("phone") else ""}
        for c in site.get("contacts") or []
    ]
    distance = (s["distance_approx"] if approximate else s["distance"]).format(km=km)
    return {
        **site,
        "distance_text": distance,
        "trust": trust,
        "contacts": contacts,
    }


def _ranked(values: dict, studies: list, s: dict, lang: str) -> dict:
    """The town's answer across the listed studies: resolved origin, the studies with an
    open site (each with its nearest), those without; or a message saying why not."""
    query = {"insee": values["insee"]} if "insee" in values else {"q": values["town"]}
    try:
        origin = resolve(query)
    except PlaceNotFound as missing:
        return {"message": s["no_place"], "suggestions": missing.suggestions}
    except HTTPException as refused:
        body = getattr(refused, "data", None) or {}
        return {"message": body.get("message") or s["bad_query"], "suggestions": []}
    snapshot = current_snapshot()
    entries = {entry.slug: entry for entry in snapshot.catalogue}
    wanted = [entries[study.slug] for study in studies if study.slug in entries]
    found, without = nearest_per_study(snapshot, origin.latitude, origin.longitude, wanted)
    views = {study.slug: study for study in studies}
    today = today_in_paris()
    place = origin_dict(origin)
    approximate = place.get("precision") in ("postcode", "department")
    town = {"insee": place["insee"]} if place.get("insee") else {}
    return {
        "origin": place,
        "found": [
            {
                "study": study_view(views[entry.slug], s, lang),
                "site": _site(ranked, views[entry.slug], s, lang, today, approximate),
                "href": f"/etudes/{entry.slug}?" + urlencode({**town, "lang": lang}),
            }
            for ranked, entry in found
        ],
        "without": [study_view(views[entry.slug], s, lang) for entry in without],
    }


def list_page(missing: str | None = None):
    """The /etudes page: the form, the studies it finds, and the town's answer if asked;
    with `missing`, the answer to /etudes/<slug> for a study that does not exist (404)."""
    lang = current_language()
    s = strings_for(lang)
    values, errors = _read({} if missing else request.args, s)
    snapshot = current_snapshot()
    recruiting = recruiting_counts(snapshot)
    studies = []
    if not ({"condition", "q"} & errors.keys()):
        found = find(snapshot, values.get("condition"), values.get("q"), values["open"] or None)
        rows = {study.slug: study for study in _studies([entry.slug for entry in found])}
        studies = [rows[entry.slug] for entry in found if entry.slug in rows]
    ranked = None
    if ("town" in values or "insee" in values) and "town" not in errors:
        ranked = _ranked(values, studies, s, lang)
        if "insee" in values and "town" not in values and ranked.get("origin"):
            values["town"] = ranked["origin"]["label"]  # the form says which town it was
    listed = [
        {"view": study_view(study, s, lang), "recruiting": recruiting[study.slug]}
        for study in studies
    ]
    html = render_template(
        "widget/studies.html",
        lang=lang,
        s=s,
        values=values,
        errors=errors,
        studies=listed,
        ranked=ranked,
        missing=missing,
        other_lang_href="?"
        + urlencode({**request.args.to_dict(), "lang": "en" if lang == "fr" else "fr"}),
    )
    status = 404 if missing else 400 if errors else 200
    response = current_app.response_class(html, status=status, mimetype="text/html")
    response.headers["Content-Language"] = lang
    response.vary.add("Accept-Language")
    return response
