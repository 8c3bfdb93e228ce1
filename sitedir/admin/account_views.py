"""Admin pages around accounts and email links: invitations, password resets, "still
right" confirmations; and the network admin's pages: accounts, sites to confirm, webhooks.

Pages opened from an email show a form; only its POST (with CSRF) spends the link.
"""

from flask import abort, flash, redirect, render_template, request, url_for

from sitedir.admin import accounts, drafts, links
from sitedir.admin.forms import (
    ForgotForm,
    InviteForm,
    PasswordSetForm,
    PostForm,
    WebhookForm,
)
from sitedir.admin.models import (
    LINK_CONFIRM,
    LINK_INVITE,
    LINK_RESET,
    NETWORK_ADMIN,
    Account,
    Reminder,
)
from sitedir.admin.sessions import login_required, start_session
from sitedir.admin.views import blp, drafted
from sitedir.audit import Principal
from sitedir.directory import changes
from sitedir.domain.vocabulary import STATUS_LABELS
from sitedir.events import addresses, endpoints
from sitedir.events.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint
from sitedir.extensions import db
from sitedir.models import Site


def network_only(principal: Principal) -> None:
    if principal.account.role != NETWORK_ADMIN:
        abort(403)


def _gone(purpose: str):
    """410: a used, expired or revoked (or unknown) link, and what to do now."""
    return render_template("admin/link_gone.html", purpose=purpose, principal=None), 410


# --- invitations and password resets -----------------------------------------------------


def _password_link(purpose: str, token: str):
    row = links.find(purpose, token)
    if purpose == LINK_INVITE and row is not None and row.used_at is not None:
        # Accepted already (the invitee, or a colleague, opening the email again): the
        # password exists, so the way in is the login page.
        flash(
            "Cette invitation a déjà servi : connectez-vous avec le mot de passe choisi "
            "(« Mot de passe oublié ? » si vous ne l'avez plus).",
            "ok",
        )
        return redirect(url_for("admin.login"))
    if not links.usable(row):
        return _gone(purpose)
    if request.method == "GET":
        # Passwords are never kept: type them again (a view always has an endpoint).
        drafts.take((request.endpoint or "",))
    form = PasswordSetForm()
    status = 200
    if request.method == "POST":
        if form.validate_on_submit():
            problem = accounts.password_problem(form.password.data, form.password_again.data)
            if problem is None:
                account = accounts.use_password_link(row, form.password.data)
                if account is None:
                    return _gone(purpose)
                start_session(account)
                flash(
                    "Bienvenue : votre mot de passe est enregistré."
                    if purpose == LINK_INVITE
                    else "Mot de passe changé ; vos autres sessions sont fermées.",
                    "ok",
                )
                return redirect(url_for("admin.index"))
            form.password.errors = [problem.fr]
        status = 400 if request.method == "POST" else 200
    page = render_template(
        "admin/link_password.html",
        form=form,
        purpose=purpose,
        email=row.account.email,
        principal=None,
    )
    return page, status


@blp.route("/invitation/<token>", methods=["GET", "POST"])
def invitation(token):
    return _password_link(LINK_INVITE, token)


@blp.route("/password/<token>", methods=["GET", "POST"])
def password_reset(token):
    return _password_link(LINK_RESET, token)


@blp.route("/forgot", methods=["GET", "POST"])
def forgot():
    """Ask for a reset link: the same answer whether or not the address has an account."""
    draft = drafted(("admin.forgot",)) if request.method == "GET" else None
    form = ForgotForm(formdata=draft[2]) if draft else ForgotForm()
    if form.validate_on_submit():
        accounts.request_reset(form.email.data)
        return render_template("admin/forgot_sent.html", principal=None)
    status = 400 if form.errors else 200
    return render_template("admin/forgot.html", form=form, principal=None), status


# --- "still right" from a reminder -------------------------------------------------------


@blp.route("/still-right/<token>", methods=["GET", "POST"])
def still_right(token):
    row = links.find(LINK_CONFIRM, token)
    if not links.usable(row) or row.site is None or not row.account.may_change(row.site):
        return _gone(LINK_CONFIRM)
    site = row.site
    form = PostForm()
    if request.method == "POST" and form.validate_on_submit():
        if not links.spend(row):
            db.session.rollback()
            return _gone(LINK_CONFIRM)
        changes.confirm_site(site, Principal(row.account, f"link:{row.id}"))
        return render_template(
            "admin/still_right_done.html", site=site, labels=STATUS_LABELS, principal=None
        )
    return render_template(
        "admin/still_right.html", site=site, labels=STATUS_LABELS, form=form, principal=None
    )


# --- the network admin's pages -----------------------------------------------------------


def _accounts_page(principal, form, status=200, shown_link=None):
    rows = db.session.scalars(db.select(Account).order_by(Account.email)).all()
    return (
        render_template(
            "admin/accounts.html",
            principal=principal,
            accounts=rows,
            last_logins=accounts.last_logins(),
            form=form,
            post=PostForm(),
            shown_link=shown_link,
        ),
        status,
    )


def _invite_form(typed=None) -> InviteForm:
    form = InviteForm(formdata=typed) if typed is not None else InviteForm()
    form.sites.choices = [
        (s.slug, s.full_name)
        for s in sorted(db.session.scalars(db.select(Site)), key=lambda s: s.full_name)
    ]
    return form


@blp.route("/accounts", methods=["GET", "POST"])
@login_required
def accounts_page(principal):
    network_only(principal)
    if request.method == "GET":
        draft = drafted(("admin.accounts_page",))
        return _accounts_page(principal, _invite_form(draft[2] if draft else None))
    form = _invite_form()
    if not form.validate_on_submit():
        return _accounts_page(principal, form, 400)
    try:
        account, sent = accounts.invite(
            form.email.data, form.role.data, list(form.sites.data or []), principal
        )
    except accounts.AccountError as exc:
        # Said next to its field, tied to it (RGAA 11.10); a banner only for the rest.
        if exc.field in form:
            form[exc.field].errors = [exc.fr]
        else:
            flash(exc.fr, "error")
        return _accounts_page(
            principal, form, 409 if isinstance(exc, accounts.AccountExists) else 422
        )
    if sent.emailed:
        flash(f"Invitation envoyée à {account.email}.", "ok")
        return redirect(url_for("admin.accounts_page"))
    if sent.error:
        flash(
            f"{account.email} invité(e), mais l'e-mail n'est pas parti (serveur d'envoi : "
            f"{sent.error}) : transmettez ce lien vous-même.",
            "error",
        )
    else:
        flash(
            f"{account.email} invité(e) : pas d'envoi d'e-mail configuré, transmettez ce lien.",
            "ok",
        )
    return _accounts_page(principal, _invite_form(), shown_link=sent.url)


def _account_or_404(account_id: int) -> Account:
    account = db.session.get(Account, account_id) if 0 < account_id < 2**31 else None
    if account is None:
        abort(404)
    return account


@blp.post("/accounts/<int:account_id>/disable")
@login_required
def disable_account(principal, account_id):
    network_only(principal)
    account = _account_or_404(account_id)
    if PostForm().validate_on_submit():
        if account.id == principal.account.id:
            flash("Vous ne pouvez pas désactiver votre propre compte.", "error")
        else:
            try:
                accounts.disable(account, principal)
                flash(f"{account.email} désactivé.", "ok")
            except accounts.AccountError as exc:  # already disabled: nothing written
                flash(exc.fr, "error")
    return redirect(url_for("admin.accounts_page"))


@blp.post("/accounts/<int:account_id>/resend")
@login_required
def resend_link(principal, account_id):
    network_only(principal)
    account = _account_or_404(account_id)
    if not PostForm().validate_on_submit():
        return redirect(url_for("admin.accounts_page"))
    try:
        sent = accounts.resend(account, principal)
    except accounts.AccountError as exc:
        flash(exc.fr, "error")
        return redirect(url_for("admin.accounts_page"))
    if sent.emailed:
        flash(f"Nouveau lien envoyé à {account.email}.", "ok")
        return redirect(url_for("admin.accounts_page"))
    if sent.error:
        flash(
            f"Nouveau lien pour {account.email}, mais l'e-mail n'est pas parti (serveur "
            f"d'envoi : {sent.error}) : transmettez-le vous-même.",
            "error",
        )
    else:
        flash(f"Nouveau lien pour {account.email} : transmettez-le.", "ok")
    return _accounts_page(principal, _invite_form(), shown_link=sent.url)


@blp.get("/to-confirm")
@login_required
def to_confirm(principal):
    """Sites by oldest confirmation (never first), with the reminders sent about each."""
    network_only(principal)
    sites = list(db.session.scalars(db.select(Site)))
    sites.sort(key=lambda s: (s.status_confirmed_at is not None, s.status_confirmed_at or 0))
    reminders: dict[int, list[Reminder]] = {}
    for reminder in db.session.scalars(db.select(Reminder).order_by(Reminder.sent_at.desc())):
        reminders.setdefault(reminder.site_id, []).append(reminder)
    return render_template(
        "admin/to_confirm.html",
        principal=principal,
        sites=sites,
        reminders=reminders,
        labels=STATUS_LABELS,
    )


@blp.route("/webhooks", methods=["GET", "POST"])
@login_required
def webhooks_page(principal):
    network_only(principal)
    draft = drafted(("admin.webhooks_page",)) if request.method == "GET" else None
    form = WebhookForm(formdata=draft[2]) if draft else WebhookForm()
    status, secret = 200, None
    if request.method == "POST":
        if form.validate_on_submit():
            try:
                _, secret = endpoints.register(form.url.data.strip(), form.events.data, principal)
                flash("Point de réception enregistré : notez son secret, affiché une fois.", "ok")
                form = WebhookForm(formdata=None)
            except addresses.RefusedAddress as exc:
                form.url.errors = [exc.fr]
                status = 422
        else:
            status = 400
    listed = endpoints.listed()
    attempts = {}
    for endpoint in listed:
        attempts[endpoint.id] = db.session.execute(
            db.select(WebhookAttempt, WebhookDelivery)
            .join(WebhookDelivery, WebhookAttempt.delivery_id == WebhookDelivery.id)
            .where(WebhookDelivery.endpoint_id == endpoint.id)
            .order_by(WebhookAttempt.id.desc())
            .limit(10)
        ).all()
    page = render_template(
        "admin/webhooks.html",
        principal=principal,
        endpoints=listed,
        attempts=attempts,
        form=form,
        post=PostForm(),
        secret=secret,
    )
    return page, status


@blp.post("/webhooks/<int:endpoint_id>/resume")
@login_required
def resume_webhook(principal, endpoint_id):
    from sitedir.events import endpoints, pausing
    from sitedir.events.models import WebhookEndpoint

    network_only(principal)
    endpoint = db.session.get(WebhookEndpoint, endpoint_id) if 0 < endpoint_id < 2**31 else None
    if endpoint is None or endpoints.is_deleted(endpoint):
        abort(404)
    if PostForm().validate_on_submit():
        if pausing.resume(endpoint, principal):
            flash("Envois repris, depuis l'événement abandonné.", "ok")
        else:
            flash("Ce point de réception n'était pas en pause.", "error")
    return redirect(url_for("admin.webhooks_page"))


@blp.post("/webhooks/<int:endpoint_id>/delete")
@login_required
def delete_webhook(principal, endpoint_id):
    network_only(principal)
    endpoint = db.session.get(WebhookEndpoint, endpoint_id) if 0 < endpoint_id < 2**31 else None
    # Already deleted is gone: a second click (or a replayed form) is a 404, not a second
    # audit entry.
    if endpoint is None or endpoints.is_deleted(endpoint):
        abort(404)
    if PostForm().validate_on_submit():
        if not endpoints.remove(endpoint, principal):
            abort(404)  # deleted by another request meanwhile
        flash("Point de réception supprimé.", "ok")
    return redirect(url_for("admin.webhooks_page"))
