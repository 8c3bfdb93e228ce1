"""The three legal pages, French first (?lang=en), and the links every public page's
footer carries to them."""

from flask import Blueprint, current_app, render_template, request, url_for

from sitedir.i18n import current_language
from sitedir.legal import accessibility
from sitedir.legal.publisher import details
from sitedir.legal.strings import legal_strings
from sitedir.widget.strings import strings_for

blp = Blueprint("legal", __name__, template_folder="templates")

THEME_NAMES = ("auto", "light", "dark")

# The pages, in the footer's order: path and string key of the link's words. Paths, not
# url_for: an error page (an untrusted Host among them) builds no URL from the request.
PAGES = (
    ("/accessibilite", "accessibility"),
    ("/mentions-legales", "notice"),
    ("/donnees-personnelles", "privacy"),
)


def legal_links(lang: str | None = None) -> list[tuple[str, str]]:
    """(href, words) of each legal page, in the page's language (`?lang` kept)."""
    lang = lang or current_language()
    words = legal_strings(lang)
    # The RGAA wants the footer's link to state the level: "Accessibilité : non conforme".
    level = accessibility.LEVELS[accessibility.LEVEL][1 if lang == "en" else 0]
    words["accessibility"] = words["accessibility"].format(level=level)
    return [(f"{path}?lang={lang}", words[key]) for path, key in PAGES]


def _render(template: str, title_key: str, **context):
    lang = current_language()
    theme = request.args.get("theme", "auto")
    assert request.endpoint is not None  # a view's request matched a rule
    html = render_template(
        template,
        lang=lang,
        s=legal_strings(lang),
        ws=strings_for(lang),
        title_key=title_key,
        theme=theme if theme in THEME_NAMES else "auto",
        who=details(current_app.config),
        other_lang_href=url_for(request.endpoint, lang="en" if lang == "fr" else "fr"),
        **context,
    )
    response = current_app.response_class(html, mimetype="text/html")
    response.headers["Content-Language"] = lang
    response.vary.add("Accept-Language")
    return response


@blp.get("/accessibilite")
def accessibility_statement():
    """La déclaration d'accessibilité, in the RGAA's format, from what the tests measure."""
    return _render("legal/accessibility.html", "accessibility", a=accessibility)


@blp.get("/mentions-legales")
def notice():
    """Mentions légales: publisher, director of publication, host (the operator's)."""
    return _render("legal/notice.html", "notice")


@blp.get("/donnees-personnelles")
def privacy():
    """Données personnelles: the one cookie, contact requests, logs, retention, rights."""
    config = current_app.config
    return _render(
        "legal/privacy.html",
        "privacy",
        cookie=config["SESSION_COOKIE_NAME"],
        session_hours=config["SESSION_MAX_AGE"] // 3600,
        retention_days=config["CONTACT_RETENTION_DAYS"],
        access_log=config["ACCESS_LOG"],
    )
