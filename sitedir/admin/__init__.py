"""Admin: accounts and tokens, scoped writes with history and audit, the /admin page."""

import functools

from flask import Flask, current_app, render_template, request
from flask_wtf.csrf import CSRFError, CSRFProtect

from sitedir.domain.clock import paris_format

csrf = CSRFProtect()


def register_admin(app: Flask, api) -> None:
    """Wire the admin API, the admin page, CSRF on its forms, and the CLI groups."""
    from sitedir.admin import (
        models,  # noqa: F401 - the tables, for migrations
        webhooks_api,  # noqa: F401 - its routes join the admin API
    )
    from sitedir.admin.api import blp as api_blp
    from sitedir.admin.auth import password_hasher
    from sitedir.admin.cli import accounts_cli, tokens_cli
    from sitedir.admin.schemas import REASON_RULE, NewSiteSchema, SitePatchSchema
    from sitedir.admin.views import blp as page_blp

    password_hasher(app.config)  # a cost argon2 would refuse stops the start, not a login
    api.document(
        lambda spec: spec.components.security_scheme(
            "bearerAuth", {"type": "http", "scheme": "bearer"}
        )
    )
    # A site PATCH needs at least one field: say so in the document, as the schema refuses {}.
    api.document(
        lambda spec: spec.components.schema(
            "SitePatch", {"minProperties": 1, **REASON_RULE}, schema=SitePatchSchema
        )
    )
    # Suspended, terminated or withdrawn: a public reason is required, as the schemas say.
    api.document(lambda spec: spec.components.schema("NewSite", REASON_RULE, schema=NewSiteSchema))
    api.register_blueprint(api_blp)
    from sitedir.admin import (  # noqa: F401 - their pages join the admin page
        account_views,
        login_views,
        site_views,
    )

    app.register_blueprint(page_blp)
    _limit_guessing(app, api_blp)
    # A form may stay open as long as the session lasts (8 hours), not one hour.
    app.config.setdefault("WTF_CSRF_TIME_LIMIT", None)
    csrf.init_app(app)
    _csrf_only_where_a_form_can_come(app)
    # The API authenticates with a bearer header, which a browser never sends by itself:
    # no CSRF token there. Every form of the admin page needs one.
    csrf.exempt(api_blp)
    app.register_error_handler(CSRFError, _refused_form)
    app.context_processor(_session_on_error_pages)
    app.add_template_filter(paris_format, "paris")
    app.cli.add_command(accounts_cli)
    app.cli.add_command(tokens_cli)


def _session_on_error_pages() -> dict:
    """An error page under /admin (a mistyped address, a page of another role) keeps the
    session's menu and logout, as every admin page does (RGAA 12.1, 12.3): a 404 of the
    router belongs to no blueprint, so the admin's own context is not there to give them.
    A page that names its principal (the login's None) keeps its own."""
    if not request.path.startswith("/admin/") or request.path.startswith("/admin/static/"):
        return {}
    from sitedir.admin.sessions import current_principal, session_remaining

    principal = current_principal()
    return {
        "principal": principal,
        "session_remaining": session_remaining() if principal is not None else None,
    }


def _csrf_only_where_a_form_can_come(app: Flask) -> None:
    """Flask-WTF checks every request for its exemptions before looking at its method: a
    GET, HEAD, OPTIONS or TRACE cannot carry a form, so it is not looked at at all."""
    funcs = app.before_request_funcs.setdefault(None, [])
    index = [getattr(f, "__name__", None) for f in funcs].index("csrf_protect")
    check = funcs[index]
    bodiless = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"}) - set(
        app.config.get("WTF_CSRF_METHODS") or ()
    )

    def csrf_protect():
        if request.method in bodiless:
            return None
        return check()

    funcs[index] = csrf_protect


def _limit_guessing(app: Flask, api_blp) -> None:
    """Stricter limits, on the app's limiter, where passwords and tokens can be guessed
    (the login) or email sent to anyone ("Mot de passe oublié"), per client."""
    limiter = app.extensions["sitedir_limiter"]
    # A route limit works through its wrapper, so the wrapped view replaces the registered one.
    per_client = limiter.limit(lambda: current_app.config["RATELIMIT_LOGIN"], methods=["POST"])
    for endpoint in ("admin.login", "admin.forgot"):
        view = per_client(app.view_functions[endpoint])
        app.view_functions[endpoint] = _fail_closed(view)
    # One budget for all admin API routes: guessing tokens on one route spends it for all.
    limiter.shared_limit(lambda: current_app.config["RATELIMIT_ADMIN"], scope="admin")(api_blp)


# Forms whose page is the same URL (GET): a refused one comes back there, as typed.
SAME_PAGE = (
    "admin.site",
    "admin.new_site",
    "admin.hospital",
    "admin.accounts_page",
    "admin.webhooks_page",
    "admin.login",
    "admin.forgot",
    "admin.invitation",
    "admin.password_reset",
)
# Forms of the site page posted to a URL of their own.
ON_SITE_PAGE = ("admin.add_contact", "admin.edit_contact")


def _fail_closed(view):
    """A login or reset request while the shared counters are unreachable: 503, not a
    count per process that would multiply the limit by the number of processes."""
    from sitedir.web.ratelimit import RETRY_WHILE_DOWN, counters_shared

    @functools.wraps(view)
    def checked(*args, **kwargs):
        if request.method == "POST" and not counters_shared():
            from sitedir.admin.sessions import current_principal

            page = render_template("admin/unavailable.html", principal=current_principal())
            return page, 503, {"Retry-After": str(RETRY_WHILE_DOWN)}
        return view(*args, **kwargs)

    return checked


def _refused_form(error: CSRFError):
    """A form refused for its CSRF token (the session ended, the page was too old).

    Nothing is saved. A form typed on one of this site's pages comes back on its page
    with what was typed (never a password), after a login if the session has ended; a
    button, or a post from elsewhere, gets a page that says what happened, in French.
    """
    from flask import flash, redirect, request, url_for

    from sitedir.admin import drafts
    from sitedir.admin.sessions import current_principal

    endpoint, view_args = request.endpoint, request.view_args or {}
    if endpoint in SAME_PAGE + ON_SITE_PAGE and drafts.same_origin():
        if drafts.keep(endpoint, view_args):
            flash(
                "Ce formulaire n'a pas pu être vérifié (session terminée ou page trop "
                "ancienne) : rien n'a été enregistré, mais votre saisie est conservée."
                + (" Reconnectez-vous pour la retrouver." if current_principal() is None else ""),
                "error",
            )
            if endpoint in ON_SITE_PAGE:
                back = url_for("admin.site", site_id=view_args["site_id"])
            else:
                back = request.full_path.rstrip("?")
            return redirect(back, 303)
    page = render_template("admin/refused.html", principal=current_principal())
    return page, 400
