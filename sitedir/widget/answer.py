"""The search answer as the page and the widget show it, computed on the server.

Both paths use it: a plain form submission (no JavaScript) renders it into the page, and
the script fetches the same markup from /widget/answer. One Jinja macro
(templates/widget/answer.html) is the only source of answer markup, so the two cannot drift.
"""

import re
from datetime import date, datetime
from urllib.parse import urlencode

import marshmallow as ma
from flask import current_app, url_for
from werkzeug.exceptions import HTTPException

from sitedir.clock import in_paris, today_in_paris
from sitedir.directory.nearest import PlaceNotFound, nearest_answer
from sitedir.staleness import DEFAULT_STALE_DAYS, days_since, is_stale
from sitedir.web.hosts import public_root
from sitedir.widget.nearby import nearest_place
from sitedir.widget.projection import project

# Overseas départements and collectivities: INSEE département codes 971 to 989.
OVERSEAS_PREFIXES = ("97", "98")

MONTHS = {
    "fr": (
        "janvier février mars avril mai juin juillet août septembre octobre novembre décembre"
    ).split(),
    "en": (
        "January February March April May June July August September October November December"
    ).split(),
}


def long_date(day: date, lang: str) -> str:
    """'3 novembre 2026' / '3 November 2026', the same on every server."""
    first = "1er" if lang == "fr" and day.day == 1 else str(day.day)
    return f"{first} {MONTHS[lang][day.month - 1]} {day.year}"


def format_km(km: float, lang: str) -> str:
    """48.0 → '48,0' in French, '48.0' in English; thousands grouped ('6 538,2')."""
    text = f"{km:,.1f}"
    if lang == "fr":
        text = text.replace(",", "\u202f").replace(".", ",")
    return text


def freshness(site: dict, s: dict, lang: str, today: date) -> tuple[str, bool]:
    """The status's age in words, and whether the doctor should call before referring."""
    stamp = site.get("status_confirmed_at")
    confirmed = datetime.fromisoformat(stamp) if stamp else None
    days = days_since(confirmed, today)
    if days is None:
        return s["stale_never"], True
    if is_stale(confirmed, today, current_app.config.get("STALE_DAYS", DEFAULT_STALE_DAYS)):
        return s["stale_days"].format(n=days), True
    return s["confirmed_on"].format(date=long_date(in_paris(confirmed).date(), lang)), False


def _site_view(site: dict, s: dict, lang: str, today: date, approximate: bool) -> dict:
    text, stale = freshness(site, s, lang, today)
    km = format_km(site["distance_km"], lang)
    reopening = site.get("expected_reopening")
    contacts = [
        {**c, "tel": re.sub(r"[^+\d]", "", c["phone"]) if c.get("phone") else ""}
        for c in site.get("contacts") or []
    ]
    return {
        **site,
        "contacts": contacts,
        "km": km,
        "distance_text": (s["distance_approx"] if approximate else s["distance"]).format(km=km),
        "freshness": text,
        "stale": stale,
        "reopening_text": long_date(date.fromisoformat(reopening), lang) if reopening else None,
    }


def _url(endpoint: str, origin: dict, keep: dict, external: bool = False) -> str:
    base = (public_root() if external else "") + url_for(endpoint)
    return base + "?" + urlencode({**origin, **keep})


def read_origin(raw) -> dict | None:
    """The origin the URL names (insee, q, or lat and lon), as given, or None."""
    if raw.get("insee"):
        return {"insee": raw.get("insee", "")}
    if raw.get("q", "").strip():
        return {"q": raw.get("q", "").strip()}
    if raw.get("lat") or raw.get("lon"):
        return {"lat": raw.get("lat", ""), "lon": raw.get("lon", "")}
    return None


def compute(raw, options: dict, keep: dict, lang: str, s: dict, embedded: bool) -> dict | None:
    """The answer the page shows for this query string, or None when it names no place.

    `options` are the widget's validated options (study, region, limit); `keep` the query
    parameters every link of the answer carries along. Never raises for bad input: a
    malformed or unknown place is an answer that says so.
    """
    origin_args = read_origin(raw)
    if origin_args is None:
        return None
    out = {
        "state": "ok",
        "message": None,
        "suggestions": [],
        "alternatives": [],
        "notes": [],
        "near": False,
        "query": origin_args,
        # What the card's contact links carry along (sitedir/contact/templates/card.html).
        "keep": keep,
        "embedded": embedded,
    }
    near = None
    if "lat" in origin_args:
        try:
            lat, lon = float(origin_args["lat"]), float(origin_args["lon"])
        except ValueError:
            lat = lon = float("nan")
        if not (-90 <= lat <= 90 and -180 <= lon <= 180):  # NaN fails both
            return _problem(out, s["bad_position"])
        near = nearest_place(lat, lon)
        if near is None:
            return _problem(out, s["position_unknown"])
        origin_args = {"insee": near.insee}
        out["near"] = True
        out["query"] = origin_args
    api_args = {**origin_args, "limit": str(options["limit"]), "study": options["study"]}
    if options["region"]:
        api_args["region"] = options["region"]
    try:
        data = nearest_answer(api_args)
    except ma.ValidationError:
        return _problem(out, s["bad_query"])
    except PlaceNotFound as error:
        out["suggestions"] = [
            {**p, "href": "?" + urlencode({"insee": p["insee"], **keep})} for p in error.suggestions
        ]
        return _problem(out, s["no_place"], "not_found")
    except HTTPException as error:  # an unknown study, a query too long
        body = getattr(error, "data", None) or {}
        return _problem(out, body.get("message") or s["bad_query"])
    origin = data["origin"]
    today = today_in_paris()
    approximate = origin.get("precision") in ("postcode", "department")
    results = [_site_view(r, s, lang, today, approximate) for r in data["results"]]
    nearer = [_site_view(r, s, lang, today, approximate) for r in data["nearer_not_open"]]
    label = origin.get("label") or ""
    out.update(
        origin=origin,
        label=label,
        title=s["answer_near" if out["near"] else "answer_for"].format(place=label),
        results=results,
        nearer_not_open=nearer,
        first_id=results[0]["id"] if results else "",
        alternatives=[
            {**p, "href": "?" + urlencode({"insee": p["insee"], **keep})}
            for p in origin.get("alternatives") or []
            if p.get("insee")
        ],
    )
    department = origin.get("department") or ""
    if department.startswith(OVERSEAS_PREFIXES) and not any(
        r["department"] == department for r in results
    ):
        where = origin.get("department_name") or label
        out["notes"].append(("overseas", s["overseas_note"].format(place=where)))
    if approximate:
        out["notes"].append(
            ("approximate", s[f"approximate_{origin['precision']}"].format(place=label))
        )
    point = project(origin["latitude"], origin["longitude"])
    out["patient"] = (round(point[0], 1), round(point[1], 1)) if point else None
    if point is None:
        out["notes"].append(("outside-map", s["outside_map"]))
    page_keep = {k: v for k, v in keep.items() if k not in ("accent", "theme", "bg")}
    if embedded:
        page_keep.setdefault("lang", lang)
    out["page_url"] = _url("widget.home", out["query"], page_keep)
    out["sheet_url"] = _url("widget.home", out["query"], page_keep, external=True)
    out["printed_on"] = long_date(today, lang)
    out["summary"] = summary(results, s)
    return out


def summary(results: list[dict], s: dict) -> str:
    """What the live region says: how many open sites, and the nearest."""
    if not results:
        return s["no_open"]
    first = results[0]
    count = s["found_one"] if len(results) == 1 else s["found_many"].format(n=len(results))
    return count + " " + s["nearest_is"].format(site=first["name"], distance=first["distance_text"])


def _problem(out: dict, message: str, state: str = "invalid") -> dict:
    out.update(state=state, message=message, summary=message, patient=None, first_id="")
    return out
