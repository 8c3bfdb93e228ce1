"""The admin pages that open and close a session: the login (with its limit per email and
the owner's notice), the logout, and the session's time left for the page's warning."""

import logging

from flask import flash, redirect, render_template, request, session, url_for

from sitedir.admin.auth import (
    Principal,
    audit,
    check_password,
    count_failed_login,
    login_retry_after,
)
from sitedir.admin.forms import LoginForm, PostForm
from sitedir.admin.models import Account
from sitedir.admin.sessions import current_principal, safe_next, session_remaining, start_session
from sitedir.admin.views import blp, drafted
from sitedir.extensions import db

log = logging.getLogger(__name__)


@blp.context_processor
def _session_end():
    # The page warns before the session ends: it counts from the seconds left, not from
    # the browser's clock, which may be wrong.
    return {"session_remaining": session_remaining()}


@blp.route("/login", methods=["GET", "POST"])
def login():
    draft = drafted(("admin.login",)) if request.method == "GET" else None
    form = LoginForm(formdata=draft[2]) if draft else LoginForm()
    if form.validate_on_submit():
        email = form.email.data.strip().lower()
        wait = login_retry_after(email)
        if wait is not None:
            return _too_many_logins(form, email, wait)
        account = db.session.scalar(db.select(Account).where(Account.email == email))
        if check_password(account, form.password.data):
            start_session(account)
            audit(Principal(account, "session"), "account.login", f"account:{account.email}")
            db.session.commit()
            return redirect(safe_next(request.args.get("next")) or url_for("admin.index"))
        if count_failed_login(email) and account is not None:
            _tell_owner_of_failed_logins(account)
        # The email as typed (bounded by the form), never the password.
        audit(None, "account.login_failed", f"account:{email}", None, {"email": email}, "session")
        db.session.commit()
        flash("Adresse ou mot de passe incorrect.", "error")
    return render_template("admin/login.html", form=form), 200 if not form.errors else 400


def _tell_owner_of_failed_logins(account: Account) -> None:
    """Mail the owner that their account reached its ceiling of failed logins (never
    raises: the login answer must not depend on the mail server)."""
    from sitedir import mail

    message = mail.Message(
        subject="sitedir : tentatives de connexion / failed sign-ins",
        paragraphs_fr=[
            "Votre compte a reçu de nombreuses tentatives de connexion avec un mauvais mot "
            "de passe, depuis plusieurs adresses : les connexions à ce compte sont "
            "suspendues pour une heure au plus.",
            "Si ce n'était pas vous, prévenez l'administrateur du réseau ; gardez un mot de "
            "passe long et unique.",
        ],
        paragraphs_en=[
            "Your account received many sign-in attempts with a wrong password, from "
            "several addresses: signing in to it is suspended for an hour at most.",
            "If it was not you, tell the network admin; keep a long, unique password.",
        ],
        links=[],
    )
    try:
        mail.send([account.email], message)
    except Exception:
        log.exception("failed-login notice not sent")


def _too_many_logins(form: LoginForm, email: str, wait: int):
    """429: this email had too many failed logins; the password is not even checked."""
    audit(
        None,
        "account.login_failed",
        f"account:{email}",
        None,
        {"email": email, "reason": "too_many_failures"},
        "session",
    )
    db.session.commit()
    minutes = max(1, round(wait / 60))
    flash(
        "Trop de tentatives de connexion pour cette adresse : réessayez dans "
        f"{minutes} minute{'s' if minutes > 1 else ''}.",
        "error",
    )
    page = render_template("admin/login.html", form=form)
    return page, 429, {"Retry-After": str(wait)}


@blp.post("/logout")
def logout():
    if PostForm().validate_on_submit():
        principal = current_principal()
        if principal is not None:
            # Every session of the account ends, copies of this cookie included.
            principal.account.end_sessions()
            audit(principal, "account.logout", f"account:{principal.account.email}")
            db.session.commit()
        session.clear()
    return redirect(url_for("admin.login"))


@blp.get("/session")
def session_state():
    """How long this session has left, for the page's warning (a new login in another
    tab gives more). Reading it changes nothing: sessions are never extended."""
    remaining = session_remaining() if current_principal() is not None else None
    return {"remaining": remaining or 0}
