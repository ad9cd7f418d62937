"""One simple admin page per reference table, all served by the same few routes."""

from dataclasses import dataclass

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from conference.accounts.access import organizer_required
from conference.extensions import db

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
        form.populate_obj(row)
        if row_id is None:
            db.session.add(row)
        try:
            db.session.commit()
        except IntegrityError:
            db.session.rollback()
            form.code.errors.append(_("This code (or ISO code) is already used by another entry."))
        else:
            flash(_("Saved."), "success")
            return redirect(url_for(".listing", kind=kind))
    return render_template("directories/edit.html", kind=kind, directory=directory, form=form, row=row,
                           is_new=row_id is None, back=request.referrer)
