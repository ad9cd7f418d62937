from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, FloatField, IntegerField, SelectField, StringField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, Regexp

from conference.formtools import clean

from .models import SUBJECT_KINDS

ORDER_RANGE = NumberRange(min=-10_000, max=10_000)


def order_field() -> IntegerField:
    """Where a row stands in lists; left empty, it stands with the rows of order 0."""
    return IntegerField(_l("Order"), default=0, validators=[Optional(), ORDER_RANGE],
                        filters=[lambda value: value or 0])

CODE = Regexp(r"^[A-Za-z0-9_\-]+$", message=_l("Use Latin letters, digits, hyphens and underscores."))

SUBJECT_KIND_LABELS = {
    "republic": _l("Republic"),
    "krai": _l("Krai"),
    "oblast": _l("Oblast"),
    "federal_city": _l("City of federal significance"),
    "autonomous_oblast": _l("Autonomous oblast"),
    "autonomous_okrug": _l("Autonomous okrug"),
}


class NamedForm(FlaskForm):
    code = StringField(_l("Code"), filters=[clean], validators=[DataRequired(), Length(max=40), CODE])
    name_ru = StringField(_l("Name in Russian"), filters=[clean], validators=[DataRequired(), Length(max=150)])
    name_en = StringField(_l("Name in English"), filters=[clean], validators=[DataRequired(), Length(max=150)])


class DistrictForm(NamedForm):
    sort_order = order_field()


class SubjectForm(NamedForm):
    iso_code = StringField(_l("ISO 3166-2 code"), validators=[Optional(), Length(max=10)],
                           filters=[clean, lambda value: value or None])
    kind = SelectField(_l("Kind"), choices=[(kind, SUBJECT_KIND_LABELS[kind]) for kind in SUBJECT_KINDS])
    district_id = SelectField(_l("Federal district"), coerce=int)
    capital_ru = StringField(_l("Administrative centre in Russian"), filters=[clean],
                             validators=[DataRequired(), Length(max=100)])
    capital_genitive_ru = StringField(_l("Administrative centre in Russian, genitive («от Южно-Сахалинска»)"),
                                      filters=[clean], validators=[Optional(), Length(max=100)])
    capital_en = StringField(_l("Administrative centre in English"), filters=[clean],
                             validators=[DataRequired(), Length(max=100)])
    latitude = FloatField(_l("Latitude"), validators=[InputRequired(), NumberRange(min=-90, max=90)])  # 0 is valid
    longitude = FloatField(_l("Longitude"), validators=[InputRequired(), NumberRange(min=-180, max=180)])
    sort_order = order_field()


class CountryForm(NamedForm):
    code = StringField(_l("ISO 3166-1 code"), filters=[clean], validators=[
        DataRequired(), Regexp(r"^[A-Z]{2}$", message=_l("Two Latin capital letters, e.g. KZ."))])


class OrganizationTypeForm(NamedForm):
    sort_order = order_field()
    is_active = BooleanField(_l("Offered in the registration form"), default=True)
