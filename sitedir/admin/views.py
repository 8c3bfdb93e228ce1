"""The admin page (/admin): server-rendered, French, CSRF-protected forms; its blueprint,
its page-wide hooks, and the pages of a site (its status and contacts).

The session behind it is sessions.py's (login_views.py opens and closes it); the pages
of accounts and email links join this blueprint from account_views.py, a new site and a
hospital from site_views.py.
"""

import marshmallow as ma
from flask import (
    Blueprint,
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from sqlalchemy.orm import selectinload

from sitedir.admin import drafts
from sitedir.admin.auth import Principal
from sitedir.admin.forms import (
    FRENCH_ROLE_LABELS,
    ContactForm,
    DeleteContactForm,
    PostForm,
    StatusForm,
)
from sitedir.admin.models import NETWORK_ADMIN
from sitedir.admin.schemas import ContactInSchema, SitePatchSchema
from sitedir.admin.sessions import current_principal, login_required
from sitedir.directory import changes
from sitedir.domain.vocabulary import STATUS_LABELS
from sitedir.extensions import db
from sitedir.models import Contact, Site

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
    return {"labels_roles": FRENCH_ROLE_LABELS}


def _site_for(principal: Principal, site_id: str) -> Site:
    site = db.session.scalar(
        db.select(Site).where(Site.slug == site_id).options(selectinload(Site.history))
    )
    if site is None:
        abort(404)
    if not principal.account.may_change(site):
        abort(403)
    return site


def _contact_for(principal: Principal, site_id: str, contact_id: int) -> tuple[Site, Contact]:
    """The site this admin may change and its contact, or 404 (403 for another's site)."""
    site = _site_for(principal, site_id)
    contact = changes.contact_of(site, contact_id)
    if contact is None:
        abort(404)
    return site, contact


@blp.errorhandler(changes.StaleWrite)
def _changed_meanwhile(error):
    """A write that lost to another, where the view shows nothing more specific: 409, a page
    (rolled back: nothing was saved, and an emailed link it would have spent still works)."""
    page = render_template("admin/changed_meanwhile.html", principal=current_principal())
    return page, 409


@blp.after_request
def _no_store(response):
    # Admin pages show contact details that may be admin-only: never cache them.
    response.headers["Cache-Control"] = "no-store"
    return response


DRAFT_SHOWN = (
    "Voici ce que vous aviez saisi : rien n'est encore enregistré. Vérifiez, puis enregistrez."
)


def drafted(endpoints: tuple[str, ...], **view_args):
    """A refused form's draft for this page, with the message that says so; else None."""
    found = drafts.take(endpoints, **view_args)
    if found is not None and request.method == "GET":
        flash(DRAFT_SHOWN, "error")
    return found


@blp.get("/")
@login_required
def index(principal):
    if principal.account.role == NETWORK_ADMIN:
        sites = db.session.scalars(db.select(Site).order_by(Site.slug)).all()
    else:
        sites = principal.account.sites
    return render_template(
        "admin/index.html", principal=principal, sites=sites, labels=STATUS_LABELS, form=PostForm()
    )


@blp.route("/sites/<site_id>", methods=["GET", "POST"])
@login_required
def site(principal, site_id):
    site = _site_for(principal, site_id)
    if request.method == "GET":
        draft = drafted(("admin.site", *CONTACT_FORMS), site_id=site.slug)
        return _site_page(principal, site, draft=draft)
    form = StatusForm()
    if not form.validate_on_submit():
        return _site_page(principal, site, 400, form=form)
    typed = {
        "status": form.status.data,
        "status_reason": form.status_reason.data or None,
        "expected_reopening": form.expected_reopening.data,
    }
    if typed["status"] != site.status:
        # The form comes filled with the current status's reason and reopening date: sent
        # back unchanged with a new status, they are the old status's, which it clears.
        for name in ("status_reason", "expected_reopening"):
            if typed[name] is not None and typed[name] == getattr(site, name):
                typed[name] = None
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
    except changes.ReasonRequired as exc:
        form.status_reason.errors = [exc.fr]
        return _site_page(principal, site, 422, form=form)
    except changes.StaleWrite:
        # Show the site as it is now, and what this admin had typed, to decide again.
        flash(
            "Ce centre a été modifié entre-temps : voici sa version actuelle. Votre saisie : "
            f"{STATUS_LABELS[typed['status']][0]}, motif « {typed['status_reason'] or '—'} ».",
            "error",
        )
        return _site_page(principal, site, 409)
    flash("Statut enregistré.", "ok")
    return redirect(url_for("admin.site", site_id=site.slug))


def public_status_text(site: Site) -> str:
    """The site's status as doctors read it on the search page (French)."""
    from sitedir.widget.answer import long_date

    text = f"{site.name} — {STATUS_LABELS[site.status][0]}"
    if site.status_reason:
        text += f". Motif : {site.status_reason}"
    if site.expected_reopening:
        text += f". Réouverture prévue : {long_date(site.expected_reopening, 'fr')}"
    return text


def _attach_errors(form, exc: ma.ValidationError) -> None:
    """Show the schema's refusals beside the fields they concern (others as a message)."""
    # A list is the schema's own refusals, which marshmallow otherwise files under _schema.
    refusals = exc.messages if isinstance(exc.messages, dict) else {"_schema": exc.messages}
    for name, messages in refusals.items():
        field = getattr(form, name, None)
        if field is not None and hasattr(field, "errors"):
            field.errors = list(messages)
        else:
            flash(" ".join(messages), "error")


CONTACT_FORMS = ("admin.add_contact", "admin.edit_contact")


def _site_page(principal, site, status=200, form=None, contact_form=None, edited=None, draft=None):
    """The site page; a refused form is shown again as it was typed, with its errors.

    `draft`: a form refused for an ended session, shown as typed, with the version it
    was drawn from (saving it over a newer one is refused, 409).
    """
    if draft is not None:
        endpoint, args, typed = draft
        if endpoint == "admin.site":
            form = StatusForm(formdata=typed)
        elif endpoint == "admin.add_contact":
            contact_form = ContactForm(formdata=typed)
        elif isinstance(args.get("contact_id"), int):
            edited = (args["contact_id"], ContactForm(formdata=typed))
    if form is None:
        form = StatusForm(formdata=None, obj=site)
        form.version.data = str(site.version)
    contact_forms = {c.id: ContactForm(formdata=None, obj=c) for c in site.contacts}
    if edited is not None and edited[0] in contact_forms:
        contact_forms[edited[0]] = edited[1]
    # A form shown again as typed still carries the contact's version as it was drawn:
    # it may be saved only if nobody changed the contact since.
    page = render_template(
        "admin/site.html",
        principal=principal,
        site=site,
        form=form,
        public_text=public_status_text(site),
        labels=STATUS_LABELS,
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


def _contact_data(form: ContactForm) -> dict:
    """What a contact form holds, as ContactInSchema takes it."""
    return {
        "role": form.role.data,
        "title": form.title.data or None,
        "name": form.name.data or None,
        "unit": form.unit.data or None,
        "email": form.email.data or None,
        "phone": form.phone.data or None,
        "public": bool(form.public.data),
    }


def _save_contact(form: ContactForm, save) -> int | None:
    """Check a contact form and save it; return the refusal's status, or None when saved.

    `save` raises changes.StaleWrite when the site changed meanwhile; a contact that
    changed is handled by the caller (it checks the version before calling this).
    """
    if not form.validate_on_submit():
        flash("Contact refusé : corrigez les champs signalés.", "error")
        return 400
    try:
        data = ContactInSchema().load(_contact_data(form))
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


class _StaleContact(Exception):
    """The contact changed since the form was drawn."""


@blp.post("/sites/<site_id>/contacts/<int:contact_id>")
@login_required
def edit_contact(principal, site_id, contact_id):
    site, contact = _contact_for(principal, site_id, contact_id)
    form = ContactForm()

    def save(data):
        if form.version.data != str(contact.version):
            raise _StaleContact
        try:
            changes.update_contact(site, contact, data, principal)
        except changes.StaleWrite:
            # Rolled back: see whether it was this contact that changed, or another.
            current = changes.contact_of(site, contact_id)
            if current is None or str(current.version) != form.version.data:
                raise _StaleContact from None
            raise

    try:
        refused = _save_contact(form, save)
    except _StaleContact:
        return _stale_contact_page(principal, site, contact_id, form)
    if refused:
        return _site_page(principal, site, refused, edited=(contact.id, form))
    flash("Contact modifié.", "ok")
    return redirect(url_for("admin.site", site_id=site.slug))


def _typed_contact(form: ContactForm) -> str:
    """What the admin typed in a contact form, in words, to show beside the current values."""
    data = _contact_data(form)
    parts = [f"rôle : {FRENCH_ROLE_LABELS.get(data['role'], data['role'])}"]
    for label, field in (
        ("titre", "title"),
        ("nom", "name"),
        ("unité", "unit"),
        ("e-mail", "email"),
        ("téléphone", "phone"),
    ):
        parts.append(f"{label} : {data[field] or '—'}")
    parts.append("visible par les médecins" if data["public"] else "administrateurs seulement")
    return ", ".join(parts)


def _stale_contact_page(principal, site, contact_id: int, form: ContactForm | None):
    """409: the contact changed (or went) since the page was drawn; nothing was saved.

    The page shows the contact as it is now, and what this admin had typed, to decide again.
    """
    gone = db.session.get(Contact, contact_id) is None
    message = (
        "Ce contact a été supprimé entre-temps."
        if gone
        else "Ce contact a été modifié entre-temps : voici sa version actuelle."
    )
    if form is not None:
        message += f" Votre saisie : {_typed_contact(form)}."
    else:
        message += " Rien n'a été supprimé : relisez-le avant de recommencer."
    flash(message, "error")
    return _site_page(principal, site, 409)


@blp.post("/sites/<site_id>/contacts/<int:contact_id>/delete")
@login_required
def remove_contact(principal, site_id, contact_id):
    site, contact = _contact_for(principal, site_id, contact_id)
    form = DeleteContactForm()
    if form.validate_on_submit():
        # Only the contact this admin saw: a newer one, unseen, is not deleted.
        if form.version.data != str(contact.version):
            return _stale_contact_page(principal, site, contact_id, None)
        try:
            changes.delete_contact(site, contact, principal)
        except changes.StaleWrite:
            return _stale_contact_page(principal, site, contact_id, None)
        flash("Contact supprimé.", "ok")
    return redirect(url_for("admin.site", site_id=site.slug))
