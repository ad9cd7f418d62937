"""One simple admin page per reference table, all served by the same few routes."""

from dataclasses import dataclass

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from conference.accounts.access import organizer_required
from conference.extensions import db
from conference.transactions import savepoint

from .forms import CountryForm, DistrictForm, OrganizationTypeForm, SubjectForm
from .models import Country, FederalDistrict, FederalSubject, OrganizationType

bp = Blueprint("directories", __name__, url_prefix="/manage/directories")


@dataclass(frozen=True)
class Directory:
    title: object
    model: type
    form: type
    columns: tuple[tuple[str, object], ...]
    order_by: tuple


NAMES = (("code", _l("Code")), ("name_ru", _l("Name in Russian")), ("name_en", _l("Name in English")))
DIRECTORIES = {
    "districts": Directory(_l("Federal districts"), FederalDistrict, DistrictForm,
                           NAMES,
                           (FederalDistrict.sort_order,)),
    "subjects": Directory(_l("Federal subjects"), FederalSubject, SubjectForm,
                          (("code", _l("Code")), ("name_ru", _l("Name in Russian")),
                           ("district", _l("Federal district")), ("capital_ru", _l("Administrative centre")),
                           ("latitude", _l("Latitude")),
                           ("longitude", _l("Longitude"))),
                          (FederalSubject.sort_order, FederalSubject.name_ru)),
    "countries": Directory(_l("Countries"), Country, CountryForm,
                           NAMES,
                           (Country.name_ru,)),
    "organization-types": Directory(_l("Organization types"), OrganizationType, OrganizationTypeForm,
                                    (*NAMES, ("is_active", _l("Offered"))),
                                    (OrganizationType.sort_order,)),
}


# The unique codes an entry may have, and what is said when another entry has it already.
TAKEN_MESSAGES = {"code": _l("This code is already used by another entry."),
                  "iso_code": _l("This ISO code is already used by another entry.")}


def taken_codes(model: type, form, row_id: int | None) -> list[str]:
    """The form's unique codes that another entry already has: each is told at its own field, before saving."""
    taken = []
    for name in TAKEN_MESSAGES:
        value = getattr(form, name).data if name in form else None
        if value:
            others = select(model.id).where(getattr(model, name) == value, model.id != (row_id or 0))
            if db.session.scalar(others.limit(1)) is not None:
                taken.append(name)
    return taken


def directory_or_404(kind: str) -> Directory:
    if kind not in DIRECTORIES:
        abort(404)
    return DIRECTORIES[kind]


@bp.route("/")
@organizer_required
def index():
    return render_template("directories/index.html", directories=DIRECTORIES)


@bp.route("/<kind>/")
@organizer_required
def listing(kind: str):
    directory = directory_or_404(kind)
    rows = db.session.scalars(select(directory.model).order_by(*directory.order_by)).all()
    return render_template("directories/list.html", kind=kind, directory=directory, rows=rows)


@bp.route("/<kind>/new", methods=["GET", "POST"])
@bp.route("/<kind>/<int:row_id>", methods=["GET", "POST"])
@organizer_required
def edit(kind: str, row_id: int | None = None):
    directory = directory_or_404(kind)
    row = directory.model() if row_id is None else db.session.get(directory.model, row_id)
    if row is None:
        abort(404)
    form = directory.form(obj=row if row_id is not None else None)
    if hasattr(form, "district_id"):
        form.district_id.choices = [
            (district.id, district.name)
            for district in db.session.scalars(select(FederalDistrict).order_by(FederalDistrict.sort_order))
        ]
    if form.validate_on_submit():
        taken = taken_codes(directory.model, form, row_id)
        for name in taken:
            getattr(form, name).errors.append(TAKEN_MESSAGES[name])
        if not taken:
            try:
                with savepoint():  # a refusal leaves the row as it was
                    form.populate_obj(row)
                    db.session.add(row)
            except IntegrityError:  # another organizer saved the same code a moment ago
                flash(_("Someone else has just saved an entry with the same code: check the list and try again."),
                      "error")
            else:
                flash(_("Saved."), "success")
                return redirect(url_for(".listing", kind=kind))
    return render_template("directories/edit.html", kind=kind, directory=directory, form=form, row=row,
                           is_new=row_id is None, back=request.referrer)
