"""The admin page's "Demandes de contact": the requests of one's own sites (network admins:
all), new or handled; mark one handled, keep an internal note. Every change is audited.

A request of a site the account does not manage is a 404, as if it did not exist.
"""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from wtforms import TextAreaField
from wtforms.validators import Length, Optional, Regexp

from sitedir.admin.forms import AdminForm
from sitedir.admin.schemas import TEXT_RE
from sitedir.admin.sessions import login_required
from sitedir.contact import service
from sitedir.contact.mails import PROFESSION_LABELS
from sitedir.contact.models import HANDLED, NEW, ContactRequest
from sitedir.contact.schemas import NOTE_MAX
from sitedir.extensions import db

blp = Blueprint(
    "contact_admin", __name__, url_prefix="/admin/contact-requests", template_folder="templates"
)


class NoteForm(AdminForm):
    note = TextAreaField(
        "Note interne (visible des seuls administrateurs)",
        validators=[
            Optional(),
            Length(max=NOTE_MAX),
            Regexp(TEXT_RE, message="caractères de contrôle refusés"),
        ],
    )


@blp.after_request
def _no_store(response):
    # The doctor's details: never kept by a cache.
    response.headers["Cache-Control"] = "no-store"
    return response


def _request_or_404(principal, reference: str) -> ContactRequest:
    found = service.find(principal, reference)
    if found is None:
        abort(404)
    return found


@blp.get("")
@login_required
def list_page(principal):
    """The requests, newest first: new ones, or handled ones (?status=handled)."""
    status = request.args.get("status", NEW)
    status = status if status in (NEW, HANDLED) else NEW
    rows = db.session.scalars(
        service.visible_to(principal)
        .where(ContactRequest.status == status)
        .order_by(ContactRequest.id.desc())
        .limit(500)
    ).all()
    counts = dict(
        db.session.execute(
            service.visible_to(principal)
            .with_only_columns(ContactRequest.status, db.func.count())
            .group_by(ContactRequest.status)
        ).all()
    )
    return render_template(
        "contact/admin_list.html",
        principal=principal,
        rows=rows,
        status=status,
        counts=counts,
        professions=PROFESSION_LABELS,
    )


@blp.get("/<reference>")
@login_required
def request_page(principal, reference):
    """One request: the doctor, how to reach them, the message; handle it, note it."""
    found = _request_or_404(principal, reference)
    return _detail(principal, found)


def _detail(principal, found, form=None, status=200):
    form = form or NoteForm(formdata=None, obj=found)
    page = render_template(
        "contact/admin_request.html",
        principal=principal,
        r=found,
        form=form,
        professions=PROFESSION_LABELS,
    )
    return page, status


@blp.post("/<reference>/handle")
@login_required
def handle(principal, reference):
    found = _request_or_404(principal, reference)
    form = NoteForm()
    if not form.validate_on_submit():
        return _detail(principal, found, form, 400)
    note = form.note.data.strip() if form.note.data else None
    if service.handle(found, principal, note if note else found.note):
        flash(f"Demande {found.reference} marquée traitée.", "ok")
    else:
        flash("Cette demande avait déjà été traitée entre-temps.", "error")
    return redirect(url_for("contact_admin.request_page", reference=found.reference))


@blp.post("/<reference>/note")
@login_required
def note(principal, reference):
    found = _request_or_404(principal, reference)
    form = NoteForm()
    if not form.validate_on_submit():
        return _detail(principal, found, form, 400)
    service.save_note(found, principal, (form.note.data or "").strip() or None)
    flash("Note enregistrée.", "ok")
    return redirect(url_for("contact_admin.request_page", reference=found.reference))
