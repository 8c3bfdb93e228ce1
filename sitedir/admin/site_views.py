"""The network admin's pages to add a site (with its hospital, placed through the place
search and shown on the map) and to correct a hospital's address, website and switchboard.

Both write through sitedir.directory.changes, as the admin API does (POST /api/v1/sites calls
the same `create_site`): one transaction with the audit entry and the feed's event.
"""

import marshmallow as ma
from flask import abort, flash, redirect, render_template, request, url_for

from sitedir.admin.account_views import network_only
from sitedir.admin.forms import InstitutionForm, NewSiteForm
from sitedir.admin.schemas import InstitutionPatchSchema, NewSiteSchema
from sitedir.admin.sessions import login_required
from sitedir.admin.views import blp, drafted
from sitedir.directory import changes
from sitedir.extensions import db
from sitedir.models import Institution, Site, Study
from sitedir.places.gazetteer import get_gazetteer
from sitedir.places.search import search
from sitedir.widget.projection import project
from sitedir.widget.views import MAP

# The new-site form's fields, as NewSiteSchema names them.
SITE_FIELDS = {"id": "id", "study": "study", "city": "city", "status": "status"}
HOSPITAL_FIELDS = {
    "hospital_name": "name",
    "hospital_site": "site_name",
    "address": "address",
    "postcode": "postcode",
    "website": "website",
    "switchboard": "switchboard",
}


def _or_none(value):
    value = (value or "").strip()
    return value or None


def _new_site_form(typed=None) -> NewSiteForm:
    form = NewSiteForm(formdata=typed) if typed is not None else NewSiteForm()
    form.study.choices = [
        (s.slug, s.title_fr) for s in db.session.scalars(db.select(Study).order_by(Study.slug))
    ]
    return form


def _candidates(form: NewSiteForm) -> list:
    """The communes the place search finds for what was typed (best first)."""
    try:
        return [m.place for m in search(form.place.data or "", limit=5)]
    except ValueError:
        return []


def _marker(place) -> tuple[float, float] | None:
    return project(place.latitude, place.longitude) if place else None


def _page(principal, form, status=200, candidates=(), chosen=None):
    page = render_template(
        "admin/site_new.html",
        principal=principal,
        form=form,
        candidates=candidates,
        chosen=chosen,
        map=MAP,
        marker=_marker(chosen),
    )
    return page, status


def _data(form: NewSiteForm, place) -> dict:
    """The form as NewSiteSchema takes it; the hospital stands at its commune's point."""
    data = {name: _or_none(getattr(form, field).data) for field, name in SITE_FIELDS.items()}
    data["status_reason"] = _or_none(form.status_reason.data)
    data["lead_department"] = _or_none(form.lead_department.data)
    institution = {
        name: _or_none(getattr(form, field).data) for field, name in HOSPITAL_FIELDS.items()
    }
    institution.update(
        city=place.name,
        insee=place.insee,
        department=place.department,
        region=place.region,
        latitude=place.latitude,
        longitude=place.longitude,
    )
    data["institution"] = institution
    return data


def _attach(form, messages: dict) -> None:
    for name, errors in messages.items():
        if name == "institution" and isinstance(errors, dict):
            reverse = {v: k for k, v in HOSPITAL_FIELDS.items()}
            for inner, inner_errors in errors.items():
                field = getattr(form, reverse.get(inner, "place"), None)
                if field is not None:
                    field.errors = list(inner_errors)
            continue
        field = getattr(form, name, None)
        if field is not None:
            field.errors = list(errors) if isinstance(errors, list) else [str(errors)]


@blp.route("/sites/new", methods=["GET", "POST"])
@login_required
def new_site(principal):
    """Add a site: first the place search finds the hospital's commune (shown on the map),
    then the site is created with it."""
    network_only(principal)
    if request.method == "GET":
        draft = drafted(("admin.new_site",))
        return _page(principal, _new_site_form(draft[2] if draft else None))
    form = _new_site_form()
    if not form.validate_on_submit():
        return _page(principal, form, 400)
    candidates = _candidates(form)
    chosen = get_gazetteer().by_insee(form.insee.data) if form.insee.data else None
    if chosen is None or request.form.get("step") != "create":
        if not candidates:
            form.place.errors = ["Aucune commune trouvée : vérifiez le nom ou le code postal."]
            return _page(principal, form, 422)
        chosen = chosen if chosen in candidates else candidates[0]
        flash("Vérifiez la commune et son point sur la carte, puis créez le centre.", "ok")
        return _page(principal, form, 200, candidates, chosen)
    try:
        data = NewSiteSchema().load(_data(form, chosen))
    except ma.ValidationError as exc:
        _attach(form, exc.normalized_messages())  # a schema's load: its messages' dict
        return _page(principal, form, 422, candidates, chosen)
    if db.session.scalar(db.select(Site.id).where(Site.slug == data["id"])) is not None:
        form.id.errors = ["Un centre porte déjà cet identifiant."]
        return _page(principal, form, 409, candidates, chosen)
    if db.session.scalar(db.select(Institution.id).where(Institution.key == data["id"])):
        form.id.errors = ["Un établissement porte déjà cet identifiant : choisissez-en un autre."]
        return _page(principal, form, 409, candidates, chosen)
    try:
        site = changes.create_site(data, principal)
    except changes.Conflict:
        form.id.errors = ["Ce centre vient d'être créé par quelqu'un d'autre."]
        return _page(principal, form, 409, candidates, chosen)
    flash(f"Centre ajouté : {site.full_name}. Invitez maintenant son coordinateur.", "ok")
    return redirect(url_for("admin.site", site_id=site.slug))


def _institution_or_404(key: str) -> Institution:
    institution = db.session.scalar(db.select(Institution).where(Institution.key == key))
    if institution is None:
        abort(404)
    return institution


@blp.route("/hospitals/<key>", methods=["GET", "POST"])
@login_required
def hospital(principal, key):
    """Correct a hospital's address, website and switchboard (every site it hosts)."""
    network_only(principal)
    institution = _institution_or_404(key)
    sites = db.session.scalars(
        db.select(Site).where(Site.institution_id == institution.id).order_by(Site.slug)
    ).all()
    status = 200
    if request.method == "GET":
        draft = drafted(("admin.hospital",), key=key)
        form = InstitutionForm(formdata=draft[2]) if draft else InstitutionForm(obj=institution)
    else:
        form = InstitutionForm()
        status = 400
        if form.validate_on_submit():
            typed = {
                name: _or_none(getattr(form, name).data) for name in InstitutionPatchSchema().fields
            }
            try:
                data = InstitutionPatchSchema().load(typed)
            except ma.ValidationError as exc:
                _attach(form, exc.normalized_messages())  # a schema's load: its messages' dict
                status = 422
            else:
                changes.update_institution(institution, data, principal, "institution.update")
                flash("Établissement enregistré.", "ok")
                return redirect(url_for("admin.hospital", key=key))
    page = render_template(
        "admin/hospital.html",
        principal=principal,
        institution=institution,
        sites=sites,
        form=form,
    )
    return page, status
