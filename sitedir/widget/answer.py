"""The search answer as the page and the widget show it, computed on the server.

Both paths use it: a plain form submission (no JavaScript) renders it into the page, and
the script fetches the same markup from /widget/answer. One Jinja macro
(templates/widget/answer.html) is the only source of answer markup, so the two cannot drift.
"""

import re
from datetime import date
from typing import Any
from urllib.parse import urlencode

import marshmallow as ma
from flask import current_app, url_for
from werkzeug.exceptions import HTTPException

from sitedir.directory.nearest import PlaceNotFound, nearest_answer
from sitedir.directory.places import locality_label
from sitedir.domain.clock import today_in_paris
from sitedir.places.gazetteer import ARRONDISSEMENT_CITIES, get_gazetteer
from sitedir.web.hosts import public_root
from sitedir.widget.nearby import nearest_place
from sitedir.widget.projection import project
from sitedir.widget.trust import long_date, trust_line

# Overseas départements and collectivities: INSEE département codes 971 to 989.
OVERSEAS_PREFIXES = ("97", "98")


def format_km(km: float, lang: str) -> str:
    """48.0 → '48,0' in French, '48.0' in English; thousands grouped ('6 538,2')."""
    text = f"{km:,.1f}"
    if lang == "fr":
        text = text.replace(",", "\u202f").replace(".", ",")
    return text


def _site_view(
    site: dict, s: dict, lang: str, today: date, approximate: bool, status_verified=None
) -> dict:
    stale_days = current_app.config["STALE_DAYS"]
    trust = trust_line(site, s, lang, today, stale_days, status_verified)
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
        "trust": trust,
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


def compute(
    raw, options: dict, keep: dict, lang: str, s: dict, embedded: bool, study=None
) -> dict | None:
    """The answer the page shows for this query string, or None when it names no place.

    `options` are the widget's validated options (study, region, limit); `keep` the query
    parameters every link of the answer carries along; `study` the Study (its registry
    record's verified month words the trust lines). Never raises for bad input: a
    malformed or unknown place is an answer that says so; a name several communes bear
    is an answer that asks which (state "ambiguous").
    """
    origin_args = read_origin(raw)
    if origin_args is None:
        return None
    out: dict[str, Any] = {
        "state": "ok",
        "message": None,
        "suggestions": [],
        "alternatives": [],
        "choices": [],
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
    if origin.get("ambiguous") and "q" in origin_args:
        return _ask(out, origin, origin_args["q"], keep, s)
    today = today_in_paris()
    approximate = origin.get("precision") in ("postcode", "department")
    verified = ((study.details or {}).get("status_verified") if study is not None else None) or None
    results = [_site_view(r, s, lang, today, approximate, verified) for r in data["results"]]
    nearer = [_site_view(r, s, lang, today, approximate, verified) for r in data["nearer_not_open"]]
    label = origin.get("label") or ""
    if origin.get("locality"):
        label = locality_label(origin["locality"], origin["name"], origin["department"], lang)
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
    _add_notes(out, origin, results, label, approximate, s)
    point = project(origin["latitude"], origin["longitude"])
    out["patient"] = (round(point[0], 1), round(point[1], 1)) if point else None
    if point is None:
        out["notes"].append(("outside-map", s["outside_map"]))
    page_keep = {k: v for k, v in keep.items() if k not in ("accent", "theme", "bg")}
    if embedded:
        page_keep.setdefault("lang", lang)
    out["page_url"] = _url("widget.home", out["query"], page_keep)
    _add_sheet(out, raw.get("sheet", ""), results, page_keep)
    reference = raw.get("ref", "")
    out["reference"] = reference if REFERENCE.fullmatch(reference) else ""
    out["printed_on"] = long_date(today, lang)
    out["summary"] = summary(results, s)
    return out


def _add_notes(
    out: dict, origin: dict, results: list, label: str, approximate: bool, s: dict
) -> None:
    """The answer's notes: no site in this overseas département, approximate distances,
    a position read as its nearest commune."""
    department = origin.get("department") or ""
    if department.startswith(OVERSEAS_PREFIXES) and not any(
        r["department"] == department for r in results
    ):
        where = origin.get("department_name") or label
        out["notes"].append(("overseas", s["overseas_note"].format(place=where)))
    if approximate:
        out["notes"].append(("approximate", precision_note(origin, label, s)))
    if out["near"]:
        out["notes"].append(("near", s["near_note"].format(place=label)))


def _add_sheet(out: dict, chosen: str, results: list, page_keep: dict) -> None:
    """The referral sheet's site and links: the site the doctor chose ("sheet", a site of
    this answer), else the nearest open one."""
    ids = [r["id"] for r in results]
    out["sheet_id"] = chosen if chosen in ids else (ids[0] if ids else "")
    out["sheet_chosen"] = chosen in ids
    for site in results:
        site["sheet_href"] = _url("widget.home", out["query"], {**page_keep, "sheet": site["id"]})
    sheet_keep = {**page_keep, "sheet": chosen} if out["sheet_chosen"] else page_keep
    out["sheet_url"] = _url("widget.home", out["query"], sheet_keep, external=True)
    out["sheet_base"] = _url("widget.home", out["query"], page_keep, external=True)


def title_lead(answer: dict, s: dict) -> str:
    """What the page's title says before its own name, so that each answer has a title of
    its own (RGAA 8.6): the town, the town with no open site, the question asked back, or
    the search that found nothing."""
    state = answer["state"]
    if state == "ok":
        if answer["results"]:
            return answer["label"]
        return s["title_no_open"].format(place=answer["label"])
    if state == "ambiguous":
        return answer["title"]
    typed = answer["query"].get("q", "")
    return s["title_not_found"].format(typed=typed[:60]) if typed else s["no_answer"]


# A contact request's reference, as the contact requests give it ("DC-2026-000123").
REFERENCE = re.compile(r"[A-Z]{2}-[0-9]{4}-[0-9]{6,9}")


def precision_note(origin: dict, label: str, s: dict) -> str:
    """Why the distances are approximate, naming the place whose point is used."""
    place = get_gazetteer().by_insee(origin["insee"]) if origin.get("insee") else None
    owner = get_gazetteer().point_owner(place) if place is not None else None
    if place is None or owner is None:
        return s[f"approximate_{origin['precision']}"].format(place=label)
    if place.kind == "arrondissement" and owner.insee in ARRONDISSEMENT_CITIES:
        key = "approximate_city"
    else:
        key = f"approximate_{origin['precision']}_from"
    return s[key].format(place=label, owner=owner.label)


def _ask(out: dict, origin: dict, typed: str, keep: dict, s: dict) -> dict:
    """The answer that asks which commune a name means, likeliest first, each a link."""
    places = [origin, *(p for p in origin.get("alternatives") or [] if p.get("insee"))]
    out["choices"] = [
        {
            "insee": p["insee"],
            "label": p["label"],
            # "La Réunion" is a département and a région: said once.
            "where": ", ".join(
                dict.fromkeys(filter(None, (p.get("department_name"), p.get("region_name"))))
            ),
            "former_name": p.get("former_name"),
            "href": "?" + urlencode({"insee": p["insee"], **keep}),
        }
        for p in places
    ]
    title = s["which_town"].format(name=typed)
    out.update(state="ambiguous", title=title, message=title, summary=title, patient=None)
    out["first_id"] = ""
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
