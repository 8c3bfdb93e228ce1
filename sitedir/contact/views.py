"""The contact form as a page (`/contact/<site_id>`), full size or inside the widget's frame.

A plain HTML form that posts to its own origin (the frame's, inside a widget): no script is
needed, and no cookie is set or read. It is checked by the API's own schema
(ContactRequestInSchema) and taken in by the same steps (sitedir.contact.intake).
"""

from urllib.parse import urlencode

import marshmallow as ma
from flask import Blueprint, abort, current_app, render_template, request, url_for

from sitedir import mail
from sitedir.contact import form_token, service
from sitedir.contact.intake import TooMany, submit
from sitedir.contact.models import CONTACT, ERROR_REPORT, KINDS, PROFESSIONS
from sitedir.contact.schemas import HONEYPOT, MESSAGE_MAX, ContactRequestInSchema
from sitedir.contact.strings import contact_strings
from sitedir.extensions import db
from sitedir.i18n import current_language
from sitedir.models import Site
from sitedir.web.hosts import public_root
from sitedir.web.validation_messages import in_french
from sitedir.widget.answer import read_origin
from sitedir.widget.strings import strings_for
from sitedir.widget.views import FRAME_CSP, _keep, _options, _theme_href

blp = Blueprint(
    "contact",
    __name__,
    template_folder="templates",
    static_folder="static",
    static_url_path="/contact/static",
)

# The form's fields, in the page's order; the schema decides what each accepts.
FORM_FIELDS = (
    "doctor_name",
    "profession",
    "place",
    "place_insee",
    "email",
    "phone",
    "rpps",
    "message",
)


def _site(site_id: str) -> Site:
    site = db.session.scalar(db.select(Site).where(Site.slug == site_id[:64]))
    if site is None:
        abort(404)
    return site


def _context(embedded: bool) -> dict:
    """What the page carries along: the search it came from, the widget's looks."""
    keep = _keep(request.args, embedded)
    origin = read_origin(request.args) or {}
    origin = {k: v[:200] for k, v in origin.items()}
    back = url_for("widget.frame" if embedded else "widget.home")
    if origin or keep:
        back += "?" + urlencode({**origin, **keep})
    kind = request.args.get("kind")
    return {
        "kind": kind if kind in KINDS else CONTACT,
        "keep": keep,
        "origin": origin,
        "back_href": back,
    }


def contact_href(
    site_id: str, kind: str, origin: dict, keep: dict, embedded: bool, external: bool = False
) -> str:
    """The form's address for a site card: the search and the widget's settings kept
    (absolute, from public_root(), for the printed sheet)."""
    params = {**origin, **keep, "kind": kind}
    if embedded:
        params["view"] = "frame"
    path = url_for("contact.form", site_id=site_id) + "?" + urlencode(params)
    return (public_root() + path) if external else path


def _render(site: Site, status: int = 200, **extra):
    embedded = request.args.get("view") == "frame"
    lang = current_language()
    context = _context(embedded)
    action = (
        url_for("contact.form", site_id=site.slug)
        + "?"
        + urlencode(
            {
                **context["origin"],
                **context["keep"],
                "kind": context["kind"],
                "lang": lang,
                **({"view": "frame"} if embedded else {}),
            }
        )
    )
    options = _options()
    html = render_template(
        "contact/form_page.html",
        site=site,
        lang=lang,
        s=contact_strings(lang),
        ws=strings_for(lang),
        embedded=embedded,
        options=options,
        theme_href=_theme_href(options) if embedded else None,
        professions=PROFESSIONS,
        honeypot=HONEYPOT,
        message_max=MESSAGE_MAX,
        error_report=context["kind"] == ERROR_REPORT,
        action=action,
        back_href=context["back_href"],
        values=extra.pop("values", {}),
        errors=extra.pop("errors", {}),
        notice=extra.pop("notice", None),
        token=extra.pop("token", None) or form_token.issue(site.slug),
        **extra,
    )
    response = current_app.response_class(html, status=status, mimetype="text/html")
    if embedded:
        response.headers["Content-Security-Policy"] = FRAME_CSP
    response.headers["Content-Language"] = lang
    # A page with a fresh token: never kept by a cache.
    response.headers["Cache-Control"] = "no-store"
    return response


def _messages(errors: dict) -> dict[str, str]:
    """marshmallow's errors as one sentence per form field, in the page's language (its
    built-in messages are English; the API translates them the same way)."""
    french = current_language() == "fr"
    out = {}
    for name, messages in errors.items():
        if isinstance(messages, dict):  # a nested field: not in this form
            messages = [str(m) for m in messages.values()]
        out[name] = " ".join(in_french(str(m)) if french else str(m) for m in messages)
    return out


@blp.route("/contact/<site_id>", methods=["GET", "POST"])
def form(site_id):
    """The contact form for one site; POST sends it."""
    site = _site(site_id)
    if request.method == "GET":
        return _render(site)
    kind = _context(request.args.get("view") == "frame")["kind"]
    # What people type, trimmed (a space after a pasted number is not an error).
    raw = {name: request.form.get(name, "").strip() for name in FORM_FIELDS}
    raw.update(
        kind=kind,
        lang=current_language(),
        token=request.form.get("token", ""),
        **{HONEYPOT: request.form.get(HONEYPOT, "")},
    )
    values = {name: raw[name][: MESSAGE_MAX + 100] for name in FORM_FIELDS}
    try:
        data = ContactRequestInSchema().load(raw)
        made = submit(site, data, current_language())
    except ma.ValidationError as invalid:
        errors = _messages(invalid.normalized_messages())  # a schema's: its messages' dict
        token = raw["token"] if "token" not in errors else None
        notice = errors.pop("token", None)
        return _render(site, 422, values=values, errors=errors, notice=notice, token=token)
    except form_token.TokenRefused as refused:
        s = contact_strings(current_language())
        # Too fast: the same token is good in a moment. Altered or too old: a new one.
        token = raw["token"] if refused.reason == "too_fast" else None
        return _render(site, 422, values=values, notice=s[f"token_{refused.reason}"], token=token)
    except service.TokenSpent:
        s = contact_strings(current_language())
        return _render(site, 409, values=values, notice=s["token_spent"])
    except TooMany as too_many:
        s = contact_strings(current_language())
        minutes = max(1, round(too_many.seconds / 60))
        page = _render(site, 429, values=values, notice=s["too_many"].format(minutes=minutes))
        page.headers["Retry-After"] = str(too_many.seconds)
        return page
    return _done(site, made)


def _done(site: Site, made):
    embedded = request.args.get("view") == "frame"
    lang = current_language()
    context = _context(embedded)
    options = _options()
    html = render_template(
        "contact/done_page.html",
        site=site,
        made=made,
        lang=lang,
        s=contact_strings(lang),
        ws=strings_for(lang),
        embedded=embedded,
        options=options,
        theme_href=_theme_href(options) if embedded else None,
        back_href=context["back_href"],
        # Said only when an email really went out for it (an SMTP server is configured).
        mailed=mail.configured(),
    )
    response = current_app.response_class(html, status=201, mimetype="text/html")
    if embedded:
        response.headers["Content-Security-Policy"] = FRAME_CSP
    response.headers["Content-Language"] = lang
    response.headers["Cache-Control"] = "no-store"
    return response
