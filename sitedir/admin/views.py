"""The admin page (/admin): server-rendered, French, sessions with CSRF-protected forms."""

from functools import wraps

import marshmallow as ma
from flask import Blueprint, abort, flash, redirect, render_template, request, session, url_for
from sqlalchemy.orm import selectinload

from sitedir.admin import changes
from sitedir.admin.auth import Principal, check_password
from sitedir.admin.forms import ROLE_LABELS, ContactForm, LoginForm, PostForm, StatusForm
from sitedir.admin.models import NETWORK_ADMIN, Account
from sitedir.admin.schemas import ContactInSchema, SitePatchSchema
from sitedir.extensions import db
from sitedir.models import Site
from sitedir.statuses import LABELS

blp = Blueprint(
    "admin",
    __name__,
    url_prefix="/admin",
    template_folder="templates",
    static_folder="static",
    static_url_path="/static",
)


@blp.context_processor
def _role_labels():
    # Contacts are shown by their role in French where they have no name.
    return {"labels_roles": ROLE_LABELS}


def current_principal() -> Principal | None:
    """The account logged in on this session, if it is still active."""
    account_id = session.get("account_id")
    account = db.session.get(Account, account_id) if account_id else None
    if account is None or not account.active:
        return None
    return Principal(account, "session")


def login_required(view):
    @wraps(view)
    def wrapped(*args, **kwargs):
        principal = current_principal()
        if principal is None:
            return redirect(url_for("admin.login"))
        return view(principal, *args, **kwargs)

    return wrapped


def _site_for(principal: Principal, site_id: str) -> Site:
    site = db.session.scalar(
        db.select(Site).where(Site.slug == site_id).options(selectinload(Site.history))
    )
    if site is None:
        abort(404)
    if not principal.account.may_change(site):
        abort(403)
    return site


@blp.after_request
def _no_store(response):
    # Admin pages show contact details that may be admin-only: never cache them.
    response.headers["Cache-Control"] = "no-store"
    return response


@blp.route("/login", methods=["GET", "POST"])
def login():
    form = LoginForm()
    if form.validate_on_submit():
        email = form.email.data.strip().lower()
        account = db.session.scalar(db.select(Account).where(Account.email == email))
        if check_password(account, form.password.data):
            session.clear()
            session["account_id"] = account.id
            session.permanent = True
            return redirect(url_for("admin.index"))
        flash("Adresse ou mot de passe incorrect.", "error")
    return render_template("admin/login.html", form=form), 200 if not form.errors else 400


@blp.post("/logout")
def logout():
    if PostForm().validate_on_submit():
        session.clear()
    return redirect(url_for("admin.login"))


@blp.get("/")
@login_required
def index(principal):
    if principal.account.role == NETWORK_ADMIN:
        sites = db.session.scalars(db.select(Site).order_by(Site.slug)).all()
    else:
        sites = principal.account.sites
    return render_template(
        "admin/index.html", principal=principal, sites=sites, labels=LABELS, form=PostForm()
    )


@blp.route("/sites/<site_id>", methods=["GET", "POST"])
@login_required
def site(principal, site_id):
    site = _site_for(principal, site_id)
    if request.method == "GET":
        return _site_page(principal, site)
    form = StatusForm()
    if not form.validate_on_submit():
        return _site_page(principal, site, 400, form=form)
    typed = {
        "status": form.status.data,
        "status_reason": form.status_reason.data or None,
        "expected_reopening": form.expected_reopening.data,
    }
    try:
        if form.version.data != str(site.version):
            raise changes.StaleWrite
        data = SitePatchSchema().load(
            {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in typed.items()}
        )
        changes.change_site(site, data, principal)
    except ma.ValidationError as exc:
        _attach_errors(form, exc)
        return _site_page(principal, site, 422, form=form)
    except changes.StaleWrite:
        # Show the site as it is now, and what this admin had typed, to decide again.
        flash(
            "Ce centre a été modifié entre-temps : voici sa version actuelle. Votre saisie : "
            f"{LABELS[typed['status']][0]}, motif « {typed['status_reason'] or '—'} ».",
            "error",
        )
        return _site_page(principal, site, 409)
    flash("Statut enregistré.", "ok")
    return redirect(url_for("admin.site", site_id=site.slug))


def _attach_errors(form, exc: ma.ValidationError) -> None:
    """Show the schema's refusals beside the fields they concern (others as a message)."""
    for name, messages in exc.messages.items():
        field = getattr(form, name, None)
        if field is not None and hasattr(field, "errors"):
            field.errors = list(messages)
        else:
            flash(" ".join(messages), "error")


def _site_page(principal, site, status=200, form=None, contact_form=None, edited=None):
    """The site page; a refused form is shown again as it was typed, with its errors."""
    form = form or StatusForm(formdata=None, obj=site)
    form.version.data = str(site.version)
    contact_forms = {c.id: ContactForm(formdata=None, obj=c) for c in site.contacts}
    if edited is not None:
        contact_forms[edited[0]] = edited[1]
    page = render_template(
        "admin/site.html",
        principal=principal,
        site=site,
        form=form,
        labels=LABELS,
        post=PostForm(),
        contact_form=contact_form or ContactForm(formdata=None),
        contact_forms=contact_forms,
    )
    return page, status


@blp.post("/sites/<site_id>/confirm")
@login_required
def confirm(principal, site_id):
    site = _site_for(principal, site_id)
    if PostForm().validate_on_submit():
        changes.confirm_site(site, principal)
        flash("Merci : statut confirmé aujourd'hui.", "ok")
    # Back to the page the button was on (a fixed choice, never a URL from the form).
    if request.form.get("back") == "site":
        return redirect(url_for("admin.site", site_id=site.slug))
    return redirect(url_for("admin.index"))


def _save_contact(form: ContactForm, save) -> int | None:
    """Check a contact form and save it; return the refusal's status, or None when saved."""
    if not form.validate_on_submit():
        flash("Contact refusé : corrigez les champs signalés.", "error")
        return 400
    raw = {
        "role": form.role.data,
        "title": form.title.data or None,
        "name": form.name.data or None,
        "unit": form.unit.data or None,
        "email": form.email.data or None,
        "phone": form.phone.data or None,
        "public": bool(form.public.data),
    }
    try:
        data = ContactInSchema().load(raw)
    except ma.ValidationError as exc:
        _attach_errors(form, exc)
        flash("Contact refusé : corrigez les champs signalés.", "error")
        return 422
    try:
        save(data)
    except changes.StaleWrite:
        flash("Ce centre a été modifié entre-temps : recommencez.", "error")
        return 409
    return None


@blp.post("/sites/<site_id>/contacts")
@login_required
def add_contact(principal, site_id):
    site = _site_for(principal, site_id)
    form = ContactForm()
    refused = _save_contact(form, lambda data: changes.add_contact(site, data, principal))
    if refused:
        return _site_page(principal, site, refused, contact_form=form)
    flash("Contact ajouté.", "ok")
    return redirect(url_for("admin.site", site_id=site.slug))


@blp.post("/sites/<site_id>/contacts/<int:contact_id>")
@login_required
def edit_contact(principal, site_id, contact_id):
    site = _site_for(principal, site_id)
    contact = changes.contact_of(site, contact_id)
    if contact is None:
        abort(404)
    form = ContactForm()
    refused = _save_contact(
        form, lambda data: changes.update_contact(site, contact, data, principal)
    )
    if refused:
        return _site_page(principal, site, refused, edited=(contact.id, form))
    flash("Contact modifié.", "ok")
    return redirect(url_for("admin.site", site_id=site.slug))


@blp.post("/sites/<site_id>/contacts/<int:contact_id>/delete")
@login_required
def remove_contact(principal, site_id, contact_id):
    site = _site_for(principal, site_id)
    contact = changes.contact_of(site, contact_id)
    if contact is None:
        abort(404)
    if PostForm().validate_on_submit():
        changes.delete_contact(site, contact, principal)
        flash("Contact supprimé.", "ok")
    return redirect(url_for("admin.site", site_id=site.slug))
